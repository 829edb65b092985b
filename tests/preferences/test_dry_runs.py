"""The dry runs show the borrower's say as the dispatcher obeys it: `POST /v1/policy/evaluate`
and `POST /v1/plans/{key}/simulate` run the same gate."""

from tests.conftest import Tenant
from tests.factories import customer
from tests.helpers.api import submit

BERLINER = customer(
    ref="berlin-1", phone="+4915112345678", timezone="Europe/Berlin", jurisdiction="DE"
)


def state(tenant: Tenant, **fields: object) -> None:
    """The lender sets them for the borrower through the API."""
    submit(tenant, customer=BERLINER, channels=["sms"], send_at="2026-12-31T10:00:00Z")
    answer = tenant.client.put(f"/v1/customers/{BERLINER['ref']}/preferences", json=fields)
    assert answer.status_code == 200, answer.text


def test_evaluate_refuses_a_channel_turned_off_and_defers_an_inconvenient_time(
    tenant: Tenant,
) -> None:
    # Friday 27 November 2026, 10:30 in Berlin; Fridays 10:00-12:00 are inconvenient
    state(
        tenant,
        channels_off=["sms"],
        inconvenient=[{"weekdays": [4], "start": "10:00", "end": "12:00"}],
    )
    asked = {"customer_ref": BERLINER["ref"], "at": "2026-11-27T09:30:00Z"}
    off = tenant.client.post("/v1/policy/evaluate", json=asked | {"channel": "sms"}).json()
    assert (off["allowed"], off["action"], off["reason"]) == (
        False,
        "suppress",
        "BORROWER_RESTRICTED",
    )
    later = tenant.client.post("/v1/policy/evaluate", json=asked | {"channel": "email"}).json()
    assert (later["action"], later["reason"]) == ("defer", "BORROWER_RESTRICTED")
    assert later["next_allowed_local"] == "2026-11-27T12:00:00+01:00"


def test_a_simulated_plan_passes_over_a_channel_turned_off_and_sends_on_the_preferred(
    tenant: Tenant,
) -> None:
    state(tenant, channels_off=["voice"], preferred=["email"])
    steps = [
        {"key": "d0", "offset": "0d", "at": "10:00", "channels": ["voice"], "template": "pre-due"},
        {
            "key": "d1",
            "offset": "+1d",
            "at": "10:00",
            "channels": ["sms", "email"],
            "template": "pre-due",
        },
    ]
    assert tenant.client.put("/v1/plans/p", json={"steps": steps}).status_code == 200
    simulated = tenant.client.post(
        "/v1/plans/p/simulate",
        json={"customer": {"ref": BERLINER["ref"]}, "due_date": "2026-12-10"},
    )
    assert simulated.status_code == 200, simulated.text
    [first, second] = simulated.json()["steps"]
    assert (first["outcome"], first["reason"]) == ("suppress", "BORROWER_RESTRICTED")
    assert (second["outcome"], second["channel"]) == ("send", "email")
