"""The tips a borrower reads: by situation and locale, the tenant's own or Nudge's starters."""

from datetime import date

import pytest
from sqlalchemy.orm import Session

from app.clock import FrozenClock
from app.tips import service
from app.tips.schemas import TipIn, TipLibraryIn
from app.tips.starters import STARTERS
from tests.conftest import Tenant


@pytest.mark.parametrize(
    ("due", "today", "situation"),
    [
        (date(2026, 12, 10), date(2026, 12, 1), "before_due"),
        (date(2026, 12, 1), date(2026, 12, 1), "before_due"),
        (date(2026, 12, 1), date(2026, 12, 2), "just_overdue"),
        (date(2026, 12, 1), date(2026, 12, 31), "just_overdue"),
        (date(2026, 12, 1), date(2027, 1, 1), "long_overdue"),
        (None, date(2026, 12, 1), "before_due"),
    ],
)
def test_the_situation_is_the_days_past_the_due_date(
    due: date | None, today: date, situation: str
) -> None:
    assert service.situation_of(due, today) == situation


def tip(key: str, situation: str, title: str = "Plan ahead") -> TipIn:
    return TipIn.model_validate(
        {
            "key": key,
            "situation": situation,
            "topic": "budgeting",
            "title": title,
            "body": "Set the repayment aside when your pay arrives.",
            "short": "Set the repayment aside first.",
        }
    )


def test_a_tenant_without_tips_gets_the_starters_of_the_situation_then_the_general_ones(
    db: Session, tenant: Tenant
) -> None:
    chosen = service.choose(
        db, tenant_id=tenant.id, locale="zh-CN", situation="long_overdue", count=5
    )

    starters = {t.key: t for t in STARTERS["zh-Hans"]}
    assert [t.key for t in chosen] == [
        "repayment-plan",
        "sooner-lighter",
        "your-rights",
        "spot-scams",
        "set-aside",
    ]
    assert chosen[0].title == starters["repayment-plan"].title
    assert all(t.title and t.body for t in chosen)


def test_traditional_and_english_readers_get_starters_in_their_own_script(
    db: Session, tenant: Tenant
) -> None:
    taiwan = service.choose(db, tenant_id=tenant.id, locale="zh-TW", situation="before_due")
    english = service.choose(db, tenant_id=tenant.id, locale="en-GB", situation="before_due")

    assert [t.title for t in taiwan] == [t.title for t in STARTERS["zh-Hant"][:3]]
    assert [t.title for t in english] == [t.title for t in STARTERS["en"][:3]]


def test_a_locale_with_neither_tips_nor_starters_gets_none(db: Session, tenant: Tenant) -> None:
    assert service.choose(db, tenant_id=tenant.id, locale="fr", situation="before_due") == []


def test_the_tenants_own_library_replaces_the_starters_for_its_script_only(
    db: Session, tenant: Tenant, clock: FrozenClock
) -> None:
    library = TipLibraryIn(tips=[tip("general", "any"), tip("late", "just_overdue", "Talk")])
    service.save_library(db, tenant_id=tenant.id, locale="en", library=library, clock=clock)
    db.commit()

    overdue = service.choose(db, tenant_id=tenant.id, locale="en-US", situation="just_overdue")
    early = service.choose(db, tenant_id=tenant.id, locale="en", situation="before_due")
    chinese = service.choose(db, tenant_id=tenant.id, locale="zh", situation="before_due")

    assert [t.key for t in overdue] == ["late", "general"]
    assert [t.key for t in early] == ["general"]
    assert [t.key for t in chinese] == [t.key for t in STARTERS["zh-Hans"][:3]]


def test_another_tenants_tips_are_never_chosen(
    db: Session, new_tenant: object, clock: FrozenClock
) -> None:
    mine, theirs = new_tenant("mine"), new_tenant("theirs")  # type: ignore[operator]
    library = TipLibraryIn(tips=[tip("theirs-only", "any")])
    service.save_library(db, tenant_id=theirs.id, locale="en", library=library, clock=clock)
    db.commit()

    chosen = service.choose(db, tenant_id=mine.id, locale="en", situation="before_due")

    assert "theirs-only" not in [t.key for t in chosen]
    assert [t.key for t in chosen] == [t.key for t in STARTERS["en"][:3]]
