"""Listing reminders: filters and keyset pages that stay stable while reminders arrive."""

from datetime import timedelta

from app.clock import FrozenClock
from tests.conftest import Tenant
from tests.factories import customer, reminder


def submit(tenant: Tenant, clock: FrozenClock, n: int, **fields: str) -> list[str]:
    ids = []
    for _ in range(n):
        clock.advance(timedelta(seconds=1))
        body = reminder(
            customer=customer(ref=fields.get("customer_ref", "cust-1")),
            loan_ref=fields.get("loan_ref", "loan-1"),
        )
        ids.append(tenant.client.post("/v1/reminders", json=body).json()["id"])
    return ids


def test_pages_walk_every_reminder_newest_first_then_end(
    tenant: Tenant, clock: FrozenClock
) -> None:
    ids = submit(tenant, clock, 5)
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = tenant.client.get("/v1/reminders", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))


def test_a_page_is_stable_while_new_reminders_arrive(tenant: Tenant, clock: FrozenClock) -> None:
    ids = submit(tenant, clock, 4)
    first = tenant.client.get("/v1/reminders", params={"limit": 2}).json()
    submit(tenant, clock, 3)
    second = tenant.client.get(
        "/v1/reminders", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [item["id"] for item in second["items"]] == [ids[1], ids[0]]


def test_list_filters_by_customer_loan_and_status(tenant: Tenant, clock: FrozenClock) -> None:
    mine = submit(tenant, clock, 2, customer_ref="alice", loan_ref="loan-a")
    submit(tenant, clock, 2, customer_ref="bob", loan_ref="loan-b")
    tenant.client.post(f"/v1/reminders/{mine[0]}/cancel")

    def ids(**params: str) -> list[str]:
        return [
            item["id"] for item in tenant.client.get("/v1/reminders", params=params).json()["items"]
        ]

    assert ids(customer_ref="alice") == list(reversed(mine))
    assert ids(loan_ref="loan-a") == list(reversed(mine))
    assert ids(customer_ref="alice", status="cancelled") == [mine[0]]
    assert ids(customer_ref="alice", status="scheduled") == [mine[1]]
    assert ids(customer_ref="nobody") == []


def test_a_cursor_not_given_out_by_the_api_is_rejected(tenant: Tenant) -> None:
    response = tenant.client.get("/v1/reminders", params={"cursor": "not-a-cursor"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.cursor"


def test_list_never_shows_another_tenants_reminders(tenant: Tenant, new_tenant, clock) -> None:  # type: ignore[no-untyped-def]
    other = new_tenant("other")
    submit(other, clock, 2)
    assert tenant.client.get("/v1/reminders").json() == {"items": [], "next_cursor": None}
