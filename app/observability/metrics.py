"""Prometheus metrics: counters kept by this process; the due backlog and the age of the last
successful dispatch round, read from the database at scrape time."""

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

import sqlalchemy as sa
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.audit import sequencer
from app.clock import Clock
from app.dispatch import heartbeat
from app.errors import database_unavailable
from app.models.reminders import Reminder
from app.models.states import PENDING

REGISTRY = CollectorRegistry(auto_describe=True)
"""This process's counters; each app adds its own backlog collector when it serves /metrics."""

ACCEPTED = Counter("nudge_reminders_accepted", "Reminders accepted by the API.", registry=REGISTRY)
DECISIONS = Counter(
    "nudge_policy_decisions",
    "Contact-policy decisions at dispatch.",
    ["action", "reason"],
    registry=REGISTRY,
)
SENDS = Counter(
    "nudge_sends",
    "Provider calls by channel and normalized status.",
    ["channel", "status"],
    registry=REGISTRY,
)
ITEM_FAILURES = Counter(
    "nudge_dispatch_item_failures",
    "Reminders a dispatch round failed, set back or could not record alone, by reason, while "
    "the rest of the round went on.",
    ["reason"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "nudge_provider_latency_seconds",
    "Time a provider call took.",
    ["provider"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)

CALLBACKS_KEPT = Counter(
    "nudge_callbacks_kept",
    "Status callbacks for a message not recorded yet, kept until the dispatcher records it.",
    registry=REGISTRY,
)
CALLBACKS_MATCHED = Counter(
    "nudge_callbacks_matched",
    "Kept status callbacks taken when their message was recorded (applied if they advance it).",
    registry=REGISTRY,
)
CALLBACKS_EXPIRED = Counter(
    "nudge_callbacks_expired",
    "Kept status callbacks deleted unmatched after NUDGE_PENDING_CALLBACK_TTL_SECONDS.",
    registry=REGISTRY,
)
CALLBACKS_DROPPED = Counter(
    "nudge_callbacks_dropped",
    "Kept status callbacks dropped, oldest first, beyond NUDGE_PENDING_CALLBACK_LIMIT.",
    registry=REGISTRY,
)


class Backlog(Collector):
    """Pending reminders that are due (a claimed one counts until its outcome is recorded, so a
    dead worker's reminders show until recovered), and how long the oldest has waited: read
    from the database at each scrape, so every API and worker replica reports the same number.

    When the database does not answer, the scrape still succeeds: `nudge_database_up` says 0
    and the backlog is left out rather than reported wrong, while the counters stay readable.
    """

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions, self.clock = sessions, clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self.clock.now()
        try:
            with self.sessions() as session:
                count, oldest = session.execute(
                    sa.select(sa.func.count(), sa.func.min(Reminder.next_attempt_at)).where(
                        Reminder.status.in_(PENDING), Reminder.next_attempt_at <= now
                    )
                ).one()
        except SQLAlchemyError as error:
            if not database_unavailable(error):
                raise
            yield _database_up(False)
            return
        yield _database_up(True)
        yield GaugeMetricFamily(
            "nudge_due_backlog",
            "Pending reminders that are due (scheduled, deferred or being dispatched).",
            value=count,
        )
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "nudge_due_backlog_oldest_age_seconds",
            "How long the oldest due reminder has waited.",
            value=age,
        )
        yield from _audit_backlog(self.sessions, now)


def _audit_backlog(sessions: sessionmaker[Session], now: datetime) -> Iterator[GaugeMetricFamily]:
    with sessions() as session:
        waiting = sequencer.backlog(session)
    yield GaugeMetricFamily(
        "nudge_audit_unlinked",
        "Audit entries written but not linked onto their tenant's chain yet (the sequencer "
        "links them every second; a growing number means it is not running or falls behind).",
        value=waiting.unlinked,
    )
    age = (now - waiting.oldest_at).total_seconds() if waiting.oldest_at is not None else 0.0
    yield GaugeMetricFamily(
        "nudge_audit_unlinked_oldest_age_seconds",
        "How long the oldest unlinked audit entry has waited.",
        value=max(0.0, age),
    )


def _database_up(up: bool) -> GaugeMetricFamily:
    return GaugeMetricFamily(
        "nudge_database_up", "1 if the database answered this scrape, else 0.", value=int(up)
    )


class Dispatching(Collector):
    """Seconds since any worker last finished a dispatch round, from the heartbeat table, so
    an API replica reports a stalled dispatcher as well as the worker's own process would.
    No sample while no round has ever succeeded (alert on its absence, too), nor while the
    database does not answer (`nudge_database_up` says so)."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions, self.clock = sessions, clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            with self.sessions() as session:
                latest = heartbeat.latest(session)
        except SQLAlchemyError as error:
            if not database_unavailable(error):
                raise
            return
        gauge = GaugeMetricFamily(
            "nudge_dispatch_last_success_age_seconds",
            "Seconds since the last dispatch round that finished, across workers.",
        )
        if latest is not None and latest.last_success_at is not None:
            gauge.add_metric([], (self.clock.now() - latest.last_success_at).total_seconds())
        yield gauge


class _Counters(Collector):
    """This process's counters, inside a registry that also reads the database at scrape."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def scraped(*read_at_scrape: Collector) -> CollectorRegistry:
    """What one scrape of this process reads: its counters, then what the database says (the
    backlog, the dispatcher's heartbeat)."""
    registry = CollectorRegistry(auto_describe=False)
    for collector in (_Counters(), *read_at_scrape):
        registry.register(collector)
    return registry


def exposition(*read_at_scrape: Collector) -> bytes:
    """The text format Prometheus scrapes (`GET /metrics` on the API)."""
    return generate_latest(scraped(*read_at_scrape))


def serve_worker_metrics(
    *, host: str, port: int, sessions: sessionmaker[Session], clock: Clock
) -> Callable[[], None]:
    """Serves this worker's `/metrics` from prometheus-client's own HTTP server, in a daemon
    thread, so Prometheus can scrape every worker; returns what stops it. Raises OSError when
    the address cannot be bound.

    Each process keeps its own counters, so this serves one process's: under several
    processes sharing one registry (`nudge serve --workers N`) prometheus-client's
    multiprocess mode would be needed, which this does not set up."""
    registry = scraped(Backlog(sessions, clock), Dispatching(sessions, clock))
    server, thread = start_http_server(port, addr=host, registry=registry)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join()

    return stop
