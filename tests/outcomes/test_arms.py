"""Arm assignment: deterministic, the same in every process, and split as weighted."""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest

from app.outcomes.arms import choose, position

ROOT = Path(__file__).resolve().parents[2]
TENANT = uuid.UUID("6f1c2b0e-8a4d-4e8f-9b1a-3c5d7e9f0a21")
WEIGHTS = {"champion": 50, "challenger": 30, "holdout": 20}

_IN_A_PROCESS = """
import json, sys, uuid
from app.outcomes.arms import choose
tenant, weights, refs = json.loads(sys.stdin.read())
print(json.dumps([
    choose(tenant_id=uuid.UUID(tenant), plan_key="low-risk", experiment="variants",
           customer_ref=ref, weights=weights)
    for ref in refs
]))
"""


def arms_in_a_process(refs: list[str], *, hash_seed: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _IN_A_PROCESS],
        input=json.dumps([str(TENANT), WEIGHTS, refs]),
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return list(json.loads(done.stdout))


def test_two_processes_with_different_hash_seeds_choose_the_same_arms() -> None:
    refs = [f"cust-{number}" for number in range(500)]
    first = arms_in_a_process(refs, hash_seed="1")
    second = arms_in_a_process(refs, hash_seed="4242")
    here = [
        choose(
            tenant_id=TENANT,
            plan_key="low-risk",
            experiment="variants",
            customer_ref=ref,
            weights=WEIGHTS,
        )
        for ref in refs
    ]
    assert first == second == here
    assert set(here) == set(WEIGHTS)


def test_an_arm_is_pinned_to_sha256_of_the_four_names() -> None:
    """Changing the hash would move live customers between arms mid-experiment."""
    names = json.dumps([str(TENANT), "low-risk", "variants", "cust-1"]).encode()
    first_eight = int.from_bytes(hashlib.sha256(names).digest()[:8], "big")
    assert (
        position(
            tenant_id=TENANT, plan_key="low-risk", experiment="variants", customer_ref="cust-1"
        )
        == pytest.approx(0.0654101084)
        == first_eight / 2**64
    )
    assert [
        choose(
            tenant_id=TENANT,
            plan_key="low-risk",
            experiment="variants",
            customer_ref=f"cust-{number}",
            weights=WEIGHTS,
        )
        for number in range(8)
    ] == [
        "holdout",
        "challenger",
        "champion",
        "champion",
        "champion",
        "holdout",
        "challenger",
        "holdout",
    ]


@pytest.mark.parametrize(
    "weights",
    [
        {"champion": 50, "challenger": 50},
        {"champion": 70, "challenger": 30},
        {"a": 0.6, "b": 0.3, "holdout": 0.1},
        {"champion": 1, "challenger": 1, "third": 2},
    ],
)
def test_the_split_over_ten_thousand_customers_is_within_two_points_of_the_weights(
    weights: dict[str, float],
) -> None:
    counts = Counter(
        choose(
            tenant_id=TENANT,
            plan_key="collections",
            experiment="variants",
            customer_ref=f"loan-holder-{number}",
            weights=weights,
        )
        for number in range(10_000)
    )
    total = sum(weights.values())
    for arm, weight in weights.items():
        assert abs(counts[arm] / 10_000 - weight / total) < 0.02, (arm, counts)


def test_the_arm_does_not_depend_on_the_order_the_weights_are_listed_in() -> None:
    reordered = dict(reversed(list(WEIGHTS.items())))
    for number in range(200):
        ref = str(number)
        assert choose(
            tenant_id=TENANT, plan_key="p", experiment="e", customer_ref=ref, weights=WEIGHTS
        ) == choose(
            tenant_id=TENANT, plan_key="p", experiment="e", customer_ref=ref, weights=reordered
        )


def test_another_experiment_or_tenant_draws_independently() -> None:
    refs = [f"c{number}" for number in range(2_000)]
    weights = {"a": 1, "b": 1}
    base = [
        choose(tenant_id=TENANT, plan_key="p", experiment="e1", customer_ref=ref, weights=weights)
        for ref in refs
    ]
    other_experiment = [
        choose(tenant_id=TENANT, plan_key="p", experiment="e2", customer_ref=ref, weights=weights)
        for ref in refs
    ]
    other_tenant = [
        choose(
            tenant_id=uuid.uuid4(), plan_key="p", experiment="e1", customer_ref=ref, weights=weights
        )
        for ref in refs
    ]
    for other in (other_experiment, other_tenant):
        agree = sum(x == y for x, y in zip(base, other, strict=True)) / len(refs)
        assert 0.45 < agree < 0.55


def test_an_arm_with_no_weight_gets_nobody() -> None:
    weights = {"a": 0, "b": 3, "c": 0}
    assert {
        choose(tenant_id=TENANT, plan_key="p", experiment="e", customer_ref=str(n), weights=weights)
        for n in range(300)
    } == {"b"}


@pytest.mark.parametrize(
    "weights", [{}, {"a": 0}, {"a": -1, "b": 2}, {"a": float("nan")}, {"a": float("inf")}]
)
def test_weights_that_cannot_split_are_refused(weights: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="weight"):
        choose(tenant_id=TENANT, plan_key="p", experiment="e", customer_ref="c", weights=weights)
