"""The gate every send passes: opt-outs, expiry and the contact policy, atomic per customer."""

import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as phone_timezones
from sqlalchemy.orm import Session

from app.clock import Clock
from app.customers import repository as customers
from app.customers.jurisdiction import jurisdiction_of
from app.customers.repository import CONTACT_FIELDS
from app.customers.schemas import CustomerIn
from app.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.models.customers import Customer
from app.models.policy import PolicyRecord
from app.models.reasons import PolicyReason
from app.models.reminders import Reminder
from app.models.tenants import Tenant
from app.optouts import repository as optouts
from app.policy import repository
from app.policy.evaluate import Contact, evaluate
from app.policy.presets import PRESETS
from app.policy.restrictions import NONE, Restrictions
from app.policy.schemas import EvaluateIn, EvaluateOut, PolicyList, PolicySummary
from app.policy.spec import Cap, Policy
from app.templates.webhook import VISIT
from app.visits.rules import visit_policy, visits_only
from channels.base import Channel

UNKNOWN_ZONE = "Etc/Unknown"


def resolve(session: Session, *, tenant_id: uuid.UUID, name: str) -> Policy | None:
    if name in PRESETS:
        return PRESETS[name]
    record = repository.find(session, tenant_id=tenant_id, name=name)
    return None if record is None else Policy.model_validate(record.spec)


def choose(
    session: Session, *, tenant: Tenant, requested: str | None, jurisdiction: str | None
) -> tuple[str, Policy]:
    """The reminder's own policy, else the one the tenant maps the customer's jurisdiction to
    (`jurisdiction_of`, which picks the opt-out footer too), else the tenant's default."""
    mapped = tenant.jurisdiction_policies.get(jurisdiction or "")
    name = requested or mapped or tenant.default_policy
    policy = resolve(session, tenant_id=tenant.id, name=name)
    if policy is None:  # deleted since it was checked: the strictest preset is the safe side
        return "default", PRESETS["default"]
    return name, policy


def zones_for(*, timezone: str | None, phone: str | None, fallback: str) -> list[ZoneInfo]:
    """The explicit zone; else every zone the phone number may be in; else the tenant's."""
    if timezone:
        return [ZoneInfo(timezone)]
    if phone:
        names = [
            n
            for n in phone_timezones.time_zones_for_number(phonenumbers.parse(phone))
            if n != UNKNOWN_ZONE
        ]
        if names:
            return [ZoneInfo(name) for name in names]
    return [ZoneInfo(fallback)]


def lookback(policy: Policy, *, visit: bool = False) -> timedelta:
    """How much contact history the policy can need (for a visit, its visit caps)."""
    spans = [cap.window for cap in (visit_policy(policy) if visit else policy).caps]
    spans += [span for span in (policy.min_gap, policy.after_conversation) if span]
    return max(spans, default=timedelta(0))


@dataclass(frozen=True)
class Verdict:
    """What the gate decided for one reminder."""

    action: Literal["send", "defer", "suppress", "expire"]
    reason: str | None
    channel: Channel | None
    """With `send`: the first of the reminder's channels the policy allows now."""
    at: datetime | None
    """With `defer`: when to try again (UTC, spread applied)."""
    policy: str
    zones: tuple[ZoneInfo, ...]
    next_allowed_at: datetime | None = None
    """When blocked: the earliest moment the policy allows one of the channels (UTC, before
    the spread); None when no moment within the horizon is allowed."""
    refusals: Mapping[Channel, str] = field(default_factory=dict)
    """Why each channel it could not use now was refused (`OPTED_OUT`, `QUIET_HOURS`...), so
    the timeline can say why a channel was passed over."""


@dataclass(frozen=True)
class Candidate:
    """A reminder about to be sent, with what the gate needs to decide on it."""

    reminder: Reminder
    customer: Customer
    tenant: Tenant
    channels: Sequence[Channel]
    """The reminder's channels still worth trying, in order of preference."""


def lock_customers(session: Session, *, customer_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Locks the customers a gate decision is about, skipping any another transaction holds
    (PostgreSQL); returns those locked. Their reminders are the only ones to gate now."""
    return repository.lock_customers(session, customer_ids)


def gate(
    session: Session, *, candidates: Sequence[Candidate], now: datetime, rng: random.Random
) -> list[Verdict]:
    """Decides for a whole batch in a fixed number of queries; the caller holds the
    candidates' customer locks (`lock_customers`) and reads the customers after taking them.

    Each allowed send is added to its customer's history before the next decision, and the
    caller records the contacts (delivery attempts) in the same transaction, so no other
    worker decides on these customers before their new contacts are visible.
    """
    customers = list({c.customer.id: c.customer for c in candidates}.values())
    blocked = optouts.blocked_channels(session, customers=customers)
    restricted = repository.restrictions(session, customers=customers)
    policies: dict[tuple[uuid.UUID, str | None, str | None], tuple[str, Policy]] = {}
    chosen = {}
    for candidate in candidates:  # a batch names few policies: resolve each once
        customer, requested = candidate.customer, candidate.reminder.policy
        jurisdiction = jurisdiction_of(stated=customer.jurisdiction, phone=customer.phone)
        key = (candidate.tenant.id, requested, jurisdiction)
        if key not in policies:
            policies[key] = choose(
                session, tenant=candidate.tenant, requested=requested, jurisdiction=jurisdiction
            )
        chosen[id(candidate)] = policies[key]
    histories = _histories(
        session, candidates=candidates, policies={key: p for key, (_, p) in chosen.items()}, now=now
    )
    verdicts = []
    for candidate in candidates:
        name, policy = chosen[id(candidate)]
        customer_id = candidate.customer.id
        history = histories[customer_id]
        verdict = _decide(
            candidate,
            name,
            policy,
            blocked[customer_id],
            restricted.get(customer_id, NONE),
            history,
            now,
            rng,
        )
        if verdict.action == "send":
            assert verdict.channel is not None
            history.append(
                Contact(
                    at=now,
                    channel=verdict.channel,
                    loan_ref=candidate.reminder.loan_ref,
                    visit=candidate.reminder.task == VISIT,
                )
            )
        verdicts.append(verdict)
    return verdicts


def _histories(
    session: Session,
    *,
    candidates: Sequence[Candidate],
    policies: Mapping[int, Policy],
    now: datetime,
) -> dict[uuid.UUID, list[Contact]]:
    """Each customer's contacts the candidates' rules can tell apart, in at most three
    queries, so the work does not grow with a customer's history in Python.

    The database counts each cap's window first. A cap that neither those contacts nor this
    batch's own sends can fill decides the same on any part of them, so a customer no cap can
    fill needs at most its newest contact (for a minimum gap) and its newest conversation (for
    a pause after one, before a call). Only for a customer some cap may fill are contacts
    read: the newest of each kind up to the largest such cap, among which are the ones that
    cap counts last.
    """
    customers = {c.customer.id: c.customer for c in candidates}
    sends = Counter(c.customer.id for c in candidates)
    caps: dict[uuid.UUID, list[Cap]] = defaultdict(list)
    gaps, talks = set(), set()  # customers whose newest contact, newest conversation matter
    since = now
    for candidate in candidates:
        policy, visit = policies[id(candidate)], candidate.reminder.task == VISIT
        rules, customer_id = visit_policy(policy) if visit else policy, candidate.customer.id
        caps[customer_id] += rules.caps
        if rules.min_gap is not None:
            gaps.add(customer_id)
        if rules.after_conversation is not None and Channel.VOICE in candidate.channels:
            talks.add(customer_id)
        since = min(since, now - lookback(policy, visit=visit))
    moments: dict[datetime, int] = {}
    for cap in (cap for listed in caps.values() for cap in listed):
        moments[now - cap.window] = max(cap.max, moments.get(now - cap.window, 0))
    counted = repository.tallies(
        session, customers=customers.values(), since=since, moments=moments
    )
    filled, keep, newest = [], 1, set()
    for customer_id, tally in counted.items():
        fillable = [
            cap.max
            for cap in caps[customer_id]
            # the candidates before a customer's last one may each add a send first
            if tally.after[now - cap.window] + sends[customer_id] - 1 >= cap.max
        ]
        if fillable:
            filled.append(customers[customer_id])
            keep = max(keep, *fillable)
            continue
        if customer_id in gaps:
            newest.add((customer_id, tally.newest))
        if customer_id in talks and tally.newest_conversation is not None:
            newest.add((customer_id, tally.newest_conversation))
    histories: dict[uuid.UUID, list[Contact]] = {customer_id: [] for customer_id in customers}
    for found in (
        repository.contacts_at(session, customers=customers.values(), at=newest),
        repository.newest_contacts(session, customers=filled, since=since, keep=keep),
    ):
        for customer_id, contacts in found.items():
            histories[customer_id] += contacts
    return histories


def _decide(
    candidate: Candidate,
    name: str,
    policy: Policy,
    blocked: set[str],
    restricted: Restrictions,
    history: list[Contact],
    now: datetime,
    rng: random.Random,
) -> Verdict:
    customer, reminder = candidate.customer, candidate.reminder
    inconvenient = restricted.inconvenient
    if reminder.task == VISIT:  # visits have their own hours and caps, on the lender's side
        policy, history, inconvenient = visit_policy(policy), visits_only(history), ()
    zones = tuple(
        zones_for(
            timezone=customer.timezone,
            phone=customer.phone,
            fallback=candidate.tenant.default_timezone,
        )
    )

    channels = restricted.ordered(candidate.channels)
    refusals: dict[Channel, str] = {
        channel: PolicyReason.OPTED_OUT if channel in blocked else PolicyReason.BORROWER_RESTRICTED
        for channel in channels
        if channel in blocked or channel in restricted.channels_off
    }

    def verdict(
        action: Literal["send", "defer", "suppress", "expire"],
        reason: str | None,
        channel: Channel | None = None,
        at: datetime | None = None,
        earliest: datetime | None = None,
    ) -> Verdict:
        return Verdict(action, reason, channel, at, name, zones, earliest, refusals)

    if reminder.expires_at is not None and now >= reminder.expires_at:
        return verdict("expire", PolicyReason.EXPIRED)
    reachable = [channel for channel in channels if channel not in refusals]
    if not reachable:
        return verdict("suppress", next(iter(refusals.values()), PolicyReason.OPTED_OUT))
    decisions = {
        channel: evaluate(
            policy,
            channel=channel,
            zones=zones,
            now=now,
            history=history,
            loan_ref=reminder.loan_ref,
            inconvenient=inconvenient,
        )
        for channel in reachable
    }
    refusals |= {channel: d.reason for channel, d in decisions.items() if d.reason is not None}
    for channel, decision in decisions.items():
        if decision.allowed:
            return verdict("send", None, channel)
    reason = decisions[reachable[0]].reason
    later = [d.next_allowed_at for d in decisions.values() if d.next_allowed_at is not None]
    earliest = min(later, default=None)
    if policy.on_block == "drop":
        return verdict("suppress", reason, earliest=earliest)
    if earliest is None:
        return verdict("suppress", PolicyReason.NO_CONTACT_WINDOW)
    at = earliest + policy.spread * rng.random()
    if reminder.expires_at is not None and at >= reminder.expires_at:
        return verdict("expire", PolicyReason.EXPIRED, earliest=earliest)
    return verdict("defer", reason, at=at, earliest=earliest)


def dry_run(
    session: Session, *, tenant_id: uuid.UUID, request: EvaluateIn, now: datetime
) -> EvaluateOut:
    """What the dispatcher's gate decides for a reminder due at `request.at` (default `now`) on
    one channel: the same code on the same history and opt-outs, so the two cannot disagree.
    It changes nothing.

    The customer is the stored one, with any fields the request gives over it (unsaved, so a
    customer not seen yet has no history); without `loan_ref` every loan's contacts count
    towards per-loan caps, the strictest answer. Takes no lock: nothing is recorded.
    """
    tenant = session.get_one(Tenant, tenant_id)
    ref = request.customer.ref if request.customer else request.customer_ref
    assert ref is not None  # the schema asks for one of the two
    stored = customers.find_by_refs(session, tenant_id=tenant_id, refs=[ref]).get(ref)
    if stored is None and request.customer is None:
        raise ValidationFailed([FieldError(field="customer_ref", detail=f"no customer '{ref}'")])
    if request.policy is not None:
        errors = unknown_policy_errors(
            session, tenant_id=tenant_id, named={"policy": request.policy}
        )
        if errors:
            raise ValidationFailed(errors)
    customer = _as_described(tenant, stored, request.customer)
    unsent = Reminder(policy=request.policy, loan_ref=request.loan_ref, expires_at=None)
    candidate = Candidate(
        reminder=unsent, customer=customer, tenant=tenant, channels=[request.channel]
    )
    spread = random.Random(0)  # noqa: S311 (a deferral's spread, which the answer leaves out)
    [verdict] = gate(session, candidates=[candidate], now=request.at or now, rng=spread)
    later = verdict.next_allowed_at
    return EvaluateOut(
        allowed=verdict.action == "send",
        action=verdict.action,
        reason=verdict.reason,
        next_allowed_at=later,
        next_allowed_local=later.astimezone(verdict.zones[0]) if later else None,
        timezone=verdict.zones[0].key,
        timezones=[zone.key for zone in verdict.zones],
        policy=verdict.policy,
    )


def described(
    session: Session, *, tenant_id: uuid.UUID, customer: CustomerIn
) -> tuple[Tenant, Customer]:
    """The tenant, and the customer as a reminder carrying `customer` would leave it: the
    stored record with the given fields over it, unsaved (a simulation's customer)."""
    tenant = session.get_one(Tenant, tenant_id)
    found = customers.find_by_refs(session, tenant_id=tenant_id, refs=[customer.ref])
    return tenant, _as_described(tenant, found.get(customer.ref), customer)


@dataclass(frozen=True)
class SeriesSend:
    """The gate's verdict on one send of a series, and where it would end up."""

    verdict: Verdict
    channel: Channel | None
    """The channel it goes out on: now, or (deferred) at `sent_at`; None when it never does."""
    sent_at: datetime | None
    """When it goes out (UTC): its own moment, or the deferral's (before the spread)."""


def dry_run_series(
    session: Session,
    *,
    tenant: Tenant,
    customer: Customer,
    loan_ref: str | None,
    sends: Sequence[tuple[datetime, Sequence[Channel]]],
) -> list[SeriesSend]:
    """What the gate decides for each of a series of sends to one customer (a plan's steps),
    each at its own moment: the dispatcher's decision on the stored contacts and opt-outs, plus
    the contacts the earlier sends of the series would make. Changes nothing, takes no lock."""
    if not sends:
        return []
    blocked = optouts.blocked_channels(session, customers=[customer])[customer.id]
    restricted = repository.restrictions(session, customers=[customer]).get(customer.id, NONE)
    jurisdiction = jurisdiction_of(stated=customer.jurisdiction, phone=customer.phone)
    name, policy = choose(session, tenant=tenant, requested=None, jurisdiction=jurisdiction)
    since = min(at for at, _ in sends) - lookback(policy)
    keep = max((cap.max for cap in policy.caps), default=1)
    made = repository.newest_contacts(session, customers=[customer], since=since, keep=keep)
    contacts = made.get(customer.id, [])
    spread = random.Random(0)  # noqa: S311 (a deferral's spread, which the answer leaves out)

    def decide(at: datetime, channels: Sequence[Channel]) -> Verdict:
        unsent = Reminder(policy=None, loan_ref=loan_ref, expires_at=None)
        candidate = Candidate(reminder=unsent, customer=customer, tenant=tenant, channels=channels)
        history = [contact for contact in contacts if contact.at <= at]
        return _decide(candidate, name, policy, blocked, restricted, history, at, spread)

    series = []
    for at, channels in sends:
        verdict = decide(at, channels)
        sent_at, channel = (at, verdict.channel) if verdict.action == "send" else (None, None)
        if verdict.action == "defer" and verdict.next_allowed_at is not None:
            then = decide(verdict.next_allowed_at, channels)
            if then.action == "send":
                sent_at, channel = verdict.next_allowed_at, then.channel
        if sent_at is not None and channel is not None:
            contacts.append(Contact(at=sent_at, channel=channel, loan_ref=loan_ref or ""))
        series.append(SeriesSend(verdict, channel, sent_at))
    return series


def _as_described(tenant: Tenant, stored: Customer | None, given: CustomerIn | None) -> Customer:
    """The customer as a reminder carrying `given` would leave it: the stored record with the
    given fields over it (a null keeps the stored value), unsaved."""
    if given is None:
        assert stored is not None
        return stored
    fields = {name: getattr(given, name) for name in CONTACT_FIELDS}
    if stored is not None:
        fields = {name: value or getattr(stored, name) for name, value in fields.items()}
    return Customer(
        id=stored.id if stored else uuid.uuid4(), tenant_id=tenant.id, ref=given.ref, **fields
    )


def summaries(session: Session, *, tenant_id: uuid.UUID) -> PolicyList:
    """The built-in presets, then the tenant's own policies."""
    items = [
        PolicySummary(name=name, preset=True, description=policy.description)
        for name, policy in PRESETS.items()
    ]
    items += [
        PolicySummary(
            name=name,
            preset=False,
            description=read(session, tenant_id=tenant_id, name=name).description,
        )
        for name in repository.names(session, tenant_id=tenant_id)
    ]
    return PolicyList(items=items)


def save(
    session: Session, *, tenant_id: uuid.UUID, name: str, policy: Policy, clock: Clock
) -> None:
    if name in PRESETS:
        raise Conflict(
            f"'{name}' is a built-in preset and cannot be changed; save under another name"
        )
    record = repository.find(session, tenant_id=tenant_id, name=name)
    spec = policy.model_dump(mode="json")
    if record is None:
        session.add(
            PolicyRecord(
                tenant_id=tenant_id,
                name=name,
                spec=spec,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    else:
        record.spec, record.updated_at = spec, clock.now()
    session.flush()


def read(session: Session, *, tenant_id: uuid.UUID, name: str) -> Policy:
    policy = resolve(session, tenant_id=tenant_id, name=name)
    if policy is None:
        raise NotFound(f"no policy '{name}'")
    return policy


def unknown_policy_errors(
    session: Session, *, tenant_id: uuid.UUID, named: Mapping[str, str]
) -> list[FieldError]:
    """`named` maps field paths to policy names; one error per name that resolves to nothing.
    Only a name that is not a preset is looked up (most submissions name none)."""
    if all(name in PRESETS for name in named.values()):
        return []
    known = set(PRESETS) | set(repository.names(session, tenant_id=tenant_id))
    return [
        FieldError(field=field, detail=f"no policy '{name}'; known: {sorted(known)}")
        for field, name in named.items()
        if name not in known
    ]
