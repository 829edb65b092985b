"""The report's statistics, each checked against a computation that does not share its formula.

- Wilson intervals: against Newcombe (1998, Statistics in Medicine 17:857-872, table I, method 3)
  to his four decimals, and against the interval's definition (the proportions the score test
  does not reject), found by bisection rather than the closed form.
- The two-proportion p-value: against Pearson's chi-square of the 2x2 table (one degree of
  freedom, so p = erfc(sqrt(chi2 / 2))), which for the pooled test equals z squared: no
  NormalDist, no pooled standard error.
"""

from datetime import timedelta

import pytest

from app.outcomes.stats import median_hours, two_proportion_p, wilson
from tests.outcomes.independent import pearson_p, score_test_bound


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombes_published_intervals(
    successes: int, trials: int, low: float, high: float
) -> None:
    interval = wilson(successes, trials)
    assert interval is not None
    assert round(interval.low, 4) == low
    assert round(interval.high, 4) == high


@pytest.mark.parametrize(
    ("successes", "trials"),
    [(0, 1), (1, 1), (3, 10), (300, 1000), (200, 1000), (999, 1000), (7, 7)],
)
def test_wilson_bounds_are_where_the_score_test_stops_rejecting(
    successes: int, trials: int
) -> None:
    interval = wilson(successes, trials)
    assert interval is not None
    assert interval.low == pytest.approx(
        score_test_bound(successes, trials, upper=False), abs=1e-12
    )
    assert interval.high == pytest.approx(
        score_test_bound(successes, trials, upper=True), abs=1e-12
    )


def test_an_arm_with_nobody_has_no_interval() -> None:
    assert wilson(0, 0) is None


@pytest.mark.parametrize(
    "arms",
    [(300, 1000, 200, 1000), (150, 500, 100, 500), (12, 40, 30, 60), (1, 3, 2, 3), (0, 10, 5, 10)],
)
def test_the_pooled_z_test_matches_pearsons_chi_square(arms: tuple[int, int, int, int]) -> None:
    assert two_proportion_p(*arms) == pytest.approx(pearson_p(*arms), rel=1e-9)


def test_equal_conversion_gives_a_p_value_of_one() -> None:
    assert two_proportion_p(30, 100, 60, 200) == pytest.approx(1.0)


@pytest.mark.parametrize("arms", [(0, 0, 5, 10), (5, 10, 0, 0), (0, 10, 0, 20), (10, 10, 20, 20)])
def test_there_is_no_p_value_without_variation_to_test(arms: tuple[int, int, int, int]) -> None:
    assert two_proportion_p(*arms) is None


def test_median_hours_is_the_middle_wait_or_the_mean_of_the_middle_two() -> None:
    assert median_hours([timedelta(hours=5), timedelta(hours=1), timedelta(minutes=90)]) == 1.5
    assert median_hours([timedelta(hours=2), timedelta(hours=4)]) == 3.0
    assert median_hours([]) is None
