"""The per-key rate limit, over HTTP on each database, on a server with the shipped limits
(20 requests a second, a burst of 100) and a clock the tests move."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
from app.errors import PROBLEM_MEDIA_TYPE
from app.main import create_app
from app.ratelimit import FailureThrottle, TokenBuckets
from tests.conftest import Server, Tenant, app_settings, default_limits
from tests.helpers.api import items
from tests.servers import serving

BURST = default_limits()["rate_limit_burst"]
PER_SECOND = default_limits()["rate_limit_per_second"]


@pytest.fixture
def server(database_url: str, clock: FrozenClock) -> Iterator[Server]:
    """A server of its own per test, so no other test's requests fill its buckets."""
    app = create_app(app_settings(database_url, **default_limits()), clock)
    with serving(app) as url:
        yield Server(url=url, app=app)


def spend(client: httpx.Client, times: int) -> list[int]:
    return [client.get("/v1/tenant").status_code for _ in range(times)]


def test_the_shipped_limit_is_20_a_second_with_a_burst_of_100() -> None:
    assert (PER_SECOND, BURST) == (20.0, 100)


def test_the_request_after_the_burst_is_429_problem_json_with_retry_after(
    tenant: Tenant,
) -> None:
    assert spend(tenant.client, BURST) == [200] * BURST
    refused = tenant.client.get("/v1/tenant")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert refused.headers["retry-after"] == "1"  # one token comes back in 1/20 s: rounded up
    problem = refused.json()
    assert (problem["type"], problem["status"]) == ("/problems/rate-limited", 429)
    assert "errors" not in problem
    assert "Retry-After" in problem["detail"]


def test_a_limited_key_is_served_again_as_the_clock_refills_its_bucket(
    tenant: Tenant, clock: FrozenClock
) -> None:
    spend(tenant.client, BURST)
    assert tenant.client.get("/v1/tenant").status_code == 429
    clock.advance(timedelta(seconds=1))
    assert spend(tenant.client, 21) == [200] * 20 + [429]
    clock.advance(timedelta(hours=1))  # an idle bucket fills up to the burst, no further
    assert spend(tenant.client, BURST + 1) == [200] * BURST + [429]


def test_another_key_of_the_same_tenant_has_its_own_bucket(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    spend(tenant.client, BURST)
    assert tenant.client.get("/v1/tenant").status_code == 429
    other = tenant.key(db, clock, Scope.ADMIN)
    assert other.get("/v1/tenant").status_code == 200
    other.close()


def test_unknown_keys_are_401_and_never_spend_a_real_keys_tokens(
    tenant: Tenant, anonymous: httpx.Client
) -> None:
    guessed = {"Authorization": "Bearer nudge_guessed"}
    assert {anonymous.get("/v1/tenant", headers=guessed).status_code for _ in range(120)} == {401}
    assert spend(tenant.client, BURST) == [200] * BURST


def test_a_batch_of_many_reminders_spends_one_token(tenant: Tenant) -> None:
    spend(tenant.client, BURST - 1)
    batch = tenant.client.post("/v1/reminders/batch", json={"items": items(50)})
    assert batch.status_code == 202, batch.text
    assert tenant.client.get("/v1/tenant").status_code == 429


AT = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def test_the_bucket_map_stays_bounded_and_forgets_the_least_recently_used_key() -> None:
    buckets = TokenBuckets[str](per_second=1, burst=1, max_keys=2)
    assert buckets.take("a", AT) is None
    assert buckets.take("b", AT) is None
    assert buckets.take("a", AT) == 1  # "a" is now the most recently used
    assert buckets.take("c", AT) is None  # evicts "b", idle longest
    assert len(buckets._buckets) == 2
    assert buckets.take("a", AT) == 1


def test_retry_after_is_the_whole_seconds_until_a_token_is_back() -> None:
    buckets = TokenBuckets[str](per_second=0.25, burst=1)
    assert buckets.take("k", AT) is None
    assert buckets.take("k", AT) == 4
    assert buckets.take("k", AT + timedelta(seconds=3.5)) == 1
    assert buckets.take("k", AT + timedelta(seconds=4)) is None


def test_a_failure_window_refuses_until_it_ends_then_starts_afresh() -> None:
    throttle = FailureThrottle(max_failures=2, window_seconds=60)
    throttle.fail("x", AT)
    assert throttle.penalty("x", AT) is None
    throttle.fail("x", AT + timedelta(seconds=10))
    assert throttle.penalty("x", AT + timedelta(seconds=10)) == 50
    assert throttle.penalty("y", AT) is None
    assert throttle.penalty("x", AT + timedelta(seconds=60)) is None
