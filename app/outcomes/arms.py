"""Which arm of an experiment a customer is in: a pure function of who and what is asked.

The arm comes from SHA-256 of the tenant, plan, experiment and customer, never from Python's
`hash` (salted per process) or a random draw, so every replica, retry and re-enrolment of the
same customer lands in the same arm, and the split follows the weights without a stored table.
A plan's holdout is one more arm (`app.plans.schemas.PlanIn.arms`).
"""

import hashlib
import json
import math
import uuid
from collections.abc import Mapping

_SCALE = 2**64


def position(
    *, tenant_id: uuid.UUID | str, plan_key: str, experiment: str, customer_ref: str
) -> float:
    """A point in [0, 1) fixed by the four names (JSON-encoded, so no two tuples collide)."""
    names = json.dumps([str(tenant_id), plan_key, experiment, customer_ref], ensure_ascii=False)
    digest = hashlib.sha256(names.encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def choose(
    *,
    tenant_id: uuid.UUID | str,
    plan_key: str,
    experiment: str,
    customer_ref: str,
    weights: Mapping[str, int | float],
) -> str:
    """The arm whose share of [0, 1) holds this customer's position.

    Arms are laid out in name order, so the answer does not depend on the mapping's order.
    ValueError when no weight is positive or one is negative or not finite.
    """
    arms = sorted((name, float(weight)) for name, weight in weights.items())
    if any(not math.isfinite(weight) or weight < 0 for _, weight in arms):
        raise ValueError("arm weights must be finite and not negative")
    total = math.fsum(weight for _, weight in arms)
    if total <= 0:
        raise ValueError("at least one arm needs a positive weight")
    point = (
        position(
            tenant_id=tenant_id, plan_key=plan_key, experiment=experiment, customer_ref=customer_ref
        )
        * total
    )
    reached = 0.0
    for name, weight in arms:
        reached += weight
        if weight > 0 and point < reached:
            return name
    return next(name for name, weight in reversed(arms) if weight > 0)
