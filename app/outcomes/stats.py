"""The statistics the outcomes report shows, in closed form: pure, no I/O, no numeric library.

- Conversion intervals are Wilson score intervals (Wilson 1927; Newcombe 1998 recommends them
  over the Wald interval, which collapses to a point at 0% and 100% and undercovers for small
  arms).
- A challenger is compared with its baseline by the pooled two-proportion z-test, two-sided:
  the test `statsmodels.stats.proportion.proportions_ztest` and R's `prop.test(correct=FALSE)`
  run (the latter as its equivalent chi-square).
"""

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from statistics import NormalDist

CONFIDENCE = 0.95
Z = NormalDist().inv_cdf(1 - (1 - CONFIDENCE) / 2)
"""1.959963984540054: the normal quantile of a two-sided 95% interval."""


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson(successes: int, trials: int) -> Interval | None:
    """The 95% Wilson score interval of `successes / trials`; None when there are no trials."""
    if trials == 0:
        return None
    share = successes / trials
    z2 = Z * Z
    centre = (share + z2 / (2 * trials)) / (1 + z2 / trials)
    half = (
        Z * math.sqrt(share * (1 - share) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    )
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def two_proportion_p(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int
) -> float | None:
    """The two-sided p-value that both arms convert alike, from the pooled z statistic.

    None when an arm is empty or neither arm varies (all converted or none did): the
    statistic's standard error is zero and there is nothing to test.
    """
    if trials_a == 0 or trials_b == 0:
        return None
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    error = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    if error == 0:
        return None
    z = (successes_a / trials_a - successes_b / trials_b) / error
    return 2 * NormalDist().cdf(-abs(z))


def median_hours(waits: Iterable[timedelta]) -> float | None:
    """The median of `waits` in hours; None when there are none."""
    hours = [wait.total_seconds() / 3600 for wait in waits]
    return statistics.median(hours) if hours else None
