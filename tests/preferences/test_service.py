"""The borrower's preferences as the page stores them: merged field by field, each change one
line on the customer's timeline and on the audit chain."""

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.clock import FrozenClock
from app.errors import NotFound
from app.models.preferences import CustomerEvent
from app.preferences import service
from app.preferences.schemas import PreferencesIn
from tests.conftest import Tenant
from tests.factories import customer
from tests.helpers.api import submit
from tests.helpers.audit import link
from tests.helpers.borrower import customer_id


def test_nothing_stated_reads_as_empty_lists(db: Session, tenant: Tenant) -> None:
    submit(tenant, customer=customer(), channels=["sms"])
    read = service.read(db, tenant_id=tenant.id, customer_id=customer_id(db, tenant))
    assert (read.channels_off, read.preferred, read.inconvenient, read.locale) == ([], [], [], None)
    assert read.updated_at is None


def test_a_save_keeps_what_it_leaves_out_and_is_one_audited_timeline_line(
    db: Session, tenant: Tenant, clock: FrozenClock, engine: sa.Engine
) -> None:
    submit(tenant, customer=customer(), channels=["sms"])
    who = customer_id(db, tenant)
    first = PreferencesIn.model_validate(
        {"channels_off": ["voice"], "preferred": ["sms", "email"], "locale": "en-us"}
    )
    service.save(
        db, tenant_id=tenant.id, customer_id=who, change=first, source="borrower", now=clock.now()
    )
    window = {"weekdays": [0, 1], "start": "22:30", "end": "07:00"}
    second = PreferencesIn.model_validate(
        {"inconvenient": [window], "channels_off": ["voice", "email"]}
    )
    saved = service.save(
        db, tenant_id=tenant.id, customer_id=who, change=second, source="lender", now=clock.now()
    )
    db.commit()

    assert saved.channels_off == ["voice", "email"]
    assert saved.preferred == ["sms"]  # email turned off leaves the preferred ones
    assert saved.locale == "en-US"
    assert [w.model_dump(mode="json") for w in saved.inconvenient] == [window]
    assert (saved.source, saved.updated_at) == ("lender", clock.now())
    assert service.read(db, tenant_id=tenant.id, customer_id=who) == saved
    lines = db.scalars(sa.select(CustomerEvent).order_by(CustomerEvent.id)).all()
    assert [(line.kind, line.source) for line in lines] == [
        ("preferences_changed", "borrower"),
        ("preferences_changed", "lender"),
    ]
    assert lines[1].detail == {
        "channels_off": ["voice", "email"],
        "preferred": ["sms"],
        "inconvenient": [window],
    }
    link(engine)
    report = audit.verify(db, tenant_id=tenant.id)
    assert report.broken is None
    assert report.entries >= 2


def test_saving_what_is_stored_already_writes_nothing(
    db: Session, tenant: Tenant, clock: FrozenClock
) -> None:
    submit(tenant, customer=customer(), channels=["sms"])
    who = customer_id(db, tenant)
    change = PreferencesIn(locale="zh-CN")
    service.save(
        db, tenant_id=tenant.id, customer_id=who, change=change, source="borrower", now=clock.now()
    )
    service.save(
        db, tenant_id=tenant.id, customer_id=who, change=change, source="borrower", now=clock.now()
    )
    assert db.scalar(sa.select(sa.func.count()).select_from(CustomerEvent)) == 1


def test_another_tenants_customer_is_not_found(
    db: Session, new_tenant: object, clock: FrozenClock
) -> None:
    mine, theirs = new_tenant("mine"), new_tenant("theirs")  # type: ignore[operator]
    submit(theirs, customer=customer(), channels=["sms"])
    with pytest.raises(NotFound):
        service.read(db, tenant_id=mine.id, customer_id=customer_id(db, theirs))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channels_off": ["fax"]}, "channels_off.0"),
        ({"channels_off": ["sms", "sms"]}, "channels_off"),
        ({"channels_off": ["voice"], "preferred": ["voice"]}, "preferred"),
        (
            {"inconvenient": [{"weekdays": [7], "start": "09:00", "end": "10:00"}]},
            "inconvenient.0.weekdays.0",
        ),
        ({"inconvenient": [{"weekdays": [1], "start": "09:00", "end": "09:00"}]}, "inconvenient.0"),
        (
            {"inconvenient": [{"weekdays": [1], "start": "25:00", "end": "09:00"}]},
            "inconvenient.0.start",
        ),
        ({"locale": "xx-nope-what"}, "locale"),
    ],
)
def test_bad_preferences_are_refused_at_their_field(body: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        PreferencesIn.model_validate(body)
    assert ".".join(str(part) for part in refused.value.errors()[0]["loc"]) == field
