"""How `{{ tip }}` picks a tip: rotated by the reminder, steady for one reminder, by situation."""

import uuid
from datetime import date

from app.tips.pick import due_of, rotating, starters_for, tip_text
from channels.base import Channel

TODAY = date(2026, 11, 27)


def test_one_reminder_always_gets_the_same_tip_and_reminders_get_different_ones() -> None:
    tips = starters_for("en")
    seeds = [uuid.UUID(int=n).bytes for n in range(40)]

    picked = [rotating(tips, "before_due", seed) for seed in seeds]

    assert picked == [rotating(tips, "before_due", seed) for seed in seeds]
    assert {tip.key for tip in picked if tip} == {
        "autopay",
        "check-balance",
        "credit-record",
        "spot-scams",
        "set-aside",
    }


def test_a_digest_is_as_overdue_as_its_earliest_loan() -> None:
    loans = [{"due_date": date(2026, 11, 20)}, {"due_date": date(2026, 9, 1)}]

    assert due_of({"loans": loans}) == date(2026, 9, 1)
    assert due_of({"due_date": date(2026, 12, 1), "loans": loans}) == date(2026, 12, 1)
    assert due_of({"amount": "10"}) is None


def test_sms_prints_the_short_form_and_other_channels_the_body() -> None:
    seed = uuid.UUID(int=7).bytes
    values = {"due_date": date(2026, 8, 1)}
    chosen = rotating(starters_for("zh-Hans"), "long_overdue", seed)
    assert chosen is not None

    sms = tip_text({}, locale="zh-CN", channel=Channel.SMS, values=values, today=TODAY, seed=seed)
    email = tip_text(
        {}, locale="zh-CN", channel=Channel.EMAIL, values=values, today=TODAY, seed=seed
    )

    assert (sms, email) == (chosen.short, chosen.body)


def test_a_language_with_no_tips_prints_nothing() -> None:
    text = tip_text({}, locale="fr", channel=Channel.EMAIL, values={}, today=TODAY, seed=b"x")

    assert text == ""
