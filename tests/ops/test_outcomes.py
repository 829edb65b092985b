"""The dashboard's outcomes page over HTTP: its table, its bars with their intervals, the
words in both languages and bad filters; and the chart's layout, pure."""

import httpx
import pytest
from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
from app.ops.outcome_chart import LABEL, PAD, WIDTH, lay_out
from app.outcomes.schemas import Dimension, OutcomeGroup
from tests.conftest import Tenant
from tests.helpers.ops import SignIn
from tests.helpers.outcomes import write_experiment, write_step_experiment

DASH = "\u2013"


def test_the_page_shows_each_arm_with_its_interval_and_its_test_against_the_champion(
    signed_in: SignIn, tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    write_experiment(db, clock, tenant)
    page = signed_in(Scope.DELIVERIES_READ).get("/ops/outcomes").text
    assert "<h1>Outcomes</h1>" in page
    assert page.count('<g class="arm"') == 2
    assert 'data-label="gentle · champion" data-conversion="0.3"' in page
    assert 'data-label="gentle · challenger" data-conversion="0.2"' in page
    assert f"gentle · champion: Conversion 30.0% (95% interval 10.8%{DASH}60.3%)" in page
    assert "-10.0 pts" in page
    assert '<tr class="total"><th colspan="2">Total</th>' in page
    for amount in ("300.00 CNY", "200.00 CNY", "500.00 CNY"):  # champion, challenger, total
        assert amount in page


def test_the_page_speaks_chinese_to_a_chinese_browser(
    signed_in: SignIn, tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    write_experiment(db, clock, tenant)
    browser = signed_in(Scope.DELIVERIES_READ)
    page = browser.get("/ops/outcomes", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert "<h1>还款成效</h1>" in page
    assert f"gentle · champion: 转化率 30.0% (95% 置信区间 10.8%{DASH}60.3%)" in page
    assert "-10.0 个百分点" in page


def test_grouping_and_the_period_are_the_reports_own(
    signed_in: SignIn, tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    write_experiment(db, clock, tenant)
    browser = signed_in(Scope.DELIVERIES_READ)
    by_step = browser.get("/ops/outcomes", params={"group_by": ["step", "arm"]}).text
    assert 'data-label="d-1 · champion"' in by_step
    before = browser.get("/ops/outcomes", params={"until": "2026-11-19T00:00"}).text
    assert '<g class="arm"' not in before
    assert "Nothing matches." in before


def test_grouped_by_template_a_steps_challenger_is_compared_with_its_champion(
    signed_in: SignIn, tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    write_step_experiment(db, clock, tenant)
    browser = signed_in(Scope.DELIVERIES_READ)
    page = browser.get("/ops/outcomes", params={"group_by": ["step", "template"]}).text
    assert 'value="template" checked' in page
    assert "<th>Template</th>" in page
    for label, conversion in (("pre-due", "0.3"), ("pre-due-b", "0.2"), ("holdout", "0.2")):
        assert f'data-label="d-1 · {label}" data-conversion="{conversion}"' in page
    assert "<td>pre-due-b</td>\n<td>10</td><td>10</td><td>10</td><td>2</td>" in page
    assert "<td>pre-due</td>\n<td>-10.0 pts</td>" in page
    assert "<td>holdout</td>\n<td>+10.0 pts</td>" in page


@pytest.mark.parametrize(
    ("params", "field"),
    [({"group_by": "day"}, "query.group_by"), ({"since": "yesterday"}, "query.since")],
)
def test_a_bad_filter_is_a_422_naming_the_field(
    signed_in: SignIn, params: dict[str, str], field: str
) -> None:
    response = signed_in(Scope.DELIVERIES_READ).get("/ops/outcomes", params=params)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_the_page_needs_a_session(browser: httpx.Client) -> None:
    assert browser.get("/ops/outcomes").headers["location"] == "/ops/login"


def group(
    arm: str, conversion: float | None, low: float | None, high: float | None
) -> OutcomeGroup:
    return OutcomeGroup(
        plan="p",
        arm=arm,
        enrolled=0 if conversion is None else 10,
        sent=0,
        delivered=0,
        repaid=0,
        repaid_amount=[],
        conversion=conversion,
        conversion_low=low,
        conversion_high=high,
        median_hours_to_repay=None,
    )


def test_bars_scale_to_the_highest_interval_bound_rounded_up_to_ten_percent() -> None:
    chart = lay_out(
        [group("a", 0.3, 0.26, 0.34), group("b", 0.2, 0.17, 0.24), group("c", None, None, None)],
        [Dimension.PLAN, Dimension.ARM],
    )
    assert chart.scale == pytest.approx(0.4)
    span = WIDTH - PAD - LABEL
    assert [bar.label for bar in chart.bars] == ["p · a", "p · b"]
    a, b = chart.bars
    assert a.width == pytest.approx(span * 0.75, abs=0.1)
    assert (a.low_x, a.high_x) == pytest.approx((LABEL + span * 0.65, LABEL + span * 0.85), abs=0.1)
    assert b.y > a.y


def test_an_all_zero_report_still_has_a_scale() -> None:
    chart = lay_out([group("a", 0.0, 0.0, 0.0)], [Dimension.ARM])
    assert chart.scale == pytest.approx(0.1)
    assert chart.bars[0].width == 0
