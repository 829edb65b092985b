"""Policies over HTTP: saving, reading, presets, and the dry run."""

from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
from tests.conftest import Tenant
from tests.factories import customer, reminder

GENTLE = {
    "windows": {
        "any": [{"days": "mon-sun", "start": "09:00", "end": "20:00"}],
        "voice": [{"days": "mon-fri", "start": "10:00", "end": "18:00"}],
    },
    "holidays": {"country": "CN", "mode": "block"},
    "caps": [
        {"channel": "any", "max": 2, "window": "P1D"},
        {"channel": "any", "max": 5, "window": "P7D"},
    ],
    "min_gap": "PT4H",
    "on_block": "defer",
    "spread": "PT10M",
}


def test_a_saved_policy_reads_back_with_iso_durations(tenant: Tenant) -> None:
    saved = tenant.client.put("/v1/policies/gentle", json=GENTLE)
    assert saved.status_code == 200
    read = tenant.client.get("/v1/policies/gentle").json()
    assert read["preset"] is False
    assert read["policy"]["min_gap"] == "PT4H"
    assert read["policy"]["caps"][1]["window"] == "P7D"
    assert (
        read["policy"]["windows"]["voice"][0]["start"] == "10:00"
    )  # as written: a wall-clock time, not an RFC 3339 time


def test_presets_are_listed_readable_and_read_only(tenant: Tenant) -> None:
    names = {item["name"]: item for item in tenant.client.get("/v1/policies").json()["items"]}
    assert {"cn", "us-regf", "in-rbi", "default"} <= names.keys()
    assert "Regulation F" in names["us-regf"]["description"]
    assert tenant.client.get("/v1/policies/cn").json()["preset"] is True
    assert tenant.client.put("/v1/policies/cn", json=GENTLE).status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"windows": {"voice": []}}, "windows"),
        (
            {"windows": {"any": [{"days": "mon-funday", "start": "08:00", "end": "21:00"}]}},
            "windows.any.0.days",
        ),
        ({"caps": [{"channel": "any", "max": 2, "window": "PT0S"}]}, "caps.0.window"),
        ({"caps": [{"channel": "fax", "max": 2, "window": "P1D"}]}, "caps.0.channel"),
        ({"caps": [{"channel": "any", "max": 2**31, "window": "P1D"}]}, "caps.0.max"),
        ({"caps": [{"channel": "any", "max": 2, "window": "P999999999D"}]}, "caps.0.window"),
        ({"min_gap": "P367D"}, "min_gap"),
        ({"after_conversation": "P999999999D"}, "after_conversation"),
        ({"spread": "-PT10M"}, "spread"),
        ({"holidays": {"country": "XX"}}, "holidays"),
        ({"on_block": "shout"}, "on_block"),
        ({"cadence": "often"}, "cadence"),
    ],
)
def test_an_invalid_policy_is_rejected_with_a_field_path(
    tenant: Tenant, change: dict[str, Any], field: str
) -> None:
    response = tenant.client.put("/v1/policies/broken", json=GENTLE | change)
    assert response.status_code == 422
    fields = [error["field"] for error in response.json()["errors"]]
    assert any(f == field or f.startswith(field + ".") for f in fields), fields
    assert tenant.client.get("/v1/policies/broken").status_code == 404


def test_only_admins_change_policies(tenant: Tenant, db: Session, clock: FrozenClock) -> None:
    reader = tenant.key(db, clock, Scope.REMINDERS_READ)
    assert reader.put("/v1/policies/gentle", json=GENTLE).status_code == 403
    assert reader.get("/v1/policies/cn").status_code == 200


def test_policies_are_per_tenant(tenant: Tenant, new_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant.client.put("/v1/policies/gentle", json=GENTLE)
    assert new_tenant("other").client.get("/v1/policies/gentle").status_code == 404


def test_a_reminder_naming_an_unknown_policy_is_rejected(tenant: Tenant) -> None:
    response = tenant.client.post("/v1/reminders", json=reminder(policy="nope"))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["policy"]
    tenant.client.put("/v1/policies/gentle", json=GENTLE)
    assert tenant.client.post("/v1/reminders", json=reminder(policy="gentle")).status_code == 202


def test_dry_run_for_a_stored_customer_at_night_names_quiet_hours_and_the_local_morning(
    tenant: Tenant,
) -> None:
    tenant.client.post("/v1/reminders", json=reminder())
    answer = tenant.client.post(
        "/v1/policy/evaluate",
        json={"customer_ref": "cust-1", "channel": "sms", "at": "2026-12-02T22:30:00+08:00"},
    ).json()
    assert answer == {
        "allowed": False,
        "action": "defer",
        "reason": "QUIET_HOURS",
        "next_allowed_at": "2026-12-03T00:00:00Z",
        "next_allowed_local": "2026-12-03T08:00:00+08:00",
        "timezone": "Asia/Shanghai",
        "timezones": ["Asia/Shanghai"],
        "policy": "cn",
    }


def test_dry_run_for_an_inline_us_number_uses_every_zone_it_may_be_in(tenant: Tenant) -> None:
    answer = tenant.client.post(
        "/v1/policy/evaluate",
        json={
            "customer": {"ref": "nd-1", "phone": "+17015550123", "jurisdiction": "US"},
            "channel": "sms",
            "at": "2026-12-02T14:30:00Z",
        },
    ).json()  # 07:30 Denver, 08:30 Central
    assert answer["allowed"] is False
    assert set(answer["timezones"]) == {"America/Denver", "America/North_Dakota/Center"}
    assert answer["next_allowed_at"] == "2026-12-02T15:00:00Z"
    assert answer["policy"] == "us-regf"


def test_dry_run_uses_the_tenants_default_policy_when_nothing_else_applies(
    tenant: Tenant,
) -> None:
    tenant.client.put("/v1/policies/gentle", json=GENTLE)
    settings = tenant.client.get("/v1/tenant").json() | {"default_policy": "gentle"}
    assert tenant.client.put("/v1/tenant", json=settings).status_code == 200
    answer = tenant.client.post(
        "/v1/policy/evaluate",
        json={
            "customer": customer(jurisdiction=None, phone="+442071234567"),  # unmapped GB
            "channel": "email",
        },
    ).json()
    assert answer["policy"] == "gentle"


def test_dry_run_reports_an_opt_out(tenant: Tenant) -> None:
    tenant.client.post("/v1/reminders", json=reminder())
    tenant.client.post("/v1/opt-outs", json={"customer_ref": "cust-1", "channel": "voice"})
    answer = tenant.client.post(
        "/v1/policy/evaluate", json={"customer_ref": "cust-1", "channel": "voice"}
    ).json()
    assert (answer["allowed"], answer["reason"]) == (False, "OPTED_OUT")


def test_dry_run_for_an_unknown_customer_is_a_field_error(tenant: Tenant) -> None:
    response = tenant.client.post(
        "/v1/policy/evaluate", json={"customer_ref": "ghost", "channel": "sms"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "customer_ref"
