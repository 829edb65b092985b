"""The CSV export: the listing's filters, a header, and flat memory at 100,000 rows."""

import csv
import io
import tracemalloc
from datetime import timedelta
from typing import Any

import httpx

from app.deliveries.csv_export import COLUMNS
from tests.conftest import Tenant
from tests.deliveries.conftest import BODY, PHONE, Log


def export(client: httpx.Client, **params: str) -> list[dict[str, str]]:
    response = client.get("/v1/deliveries.csv", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="deliveries.csv"'
    return list(csv.DictReader(io.StringIO(response.text)))


def test_the_export_has_a_header_and_the_filtered_rows_newest_first(
    tenant: Tenant, log_for: Any
) -> None:
    log: Log = log_for(tenant.id)
    customer = log.customer()
    reminder_id = log.reminder(customer, loan_ref="loan-9")
    old, new = log.attempts(reminder_id, customer, 2)
    log.attempts(reminder_id, customer, channel="email", recipient="w@example.com")

    assert tenant.client.get("/v1/deliveries.csv").text.splitlines()[0] == ",".join(COLUMNS)
    rows = export(tenant.client, channel="sms")
    assert [r["id"] for r in rows] == [str(new), str(old)]
    assert rows[0] | {"id": "", "provider_message_id": ""} == {
        "id": "",
        "reminder_id": str(reminder_id),
        "customer_ref": "cust-1",
        "loan_ref": "loan-9",
        "template": "pre-due",
        "channel": "sms",
        "provider": "twilio_sms",
        "provider_message_id": "",
        "status": "delivered",
        "provider_status": "delivered",
        "error_kind": "",
        "error_code": "",
        "error_message": "",
        "recipient": "'" + PHONE,  # a leading + would make a spreadsheet formula
        "body": BODY,
        "locale": "",
        "body_sha256": "",
        "started_at": "2026-11-27T09:30:01Z",
        "finished_at": "2026-11-27T09:30:01.120000Z",
        "latency_ms": "120",
        "worker": "worker-1",
        "cost_amount": "",
        "cost_currency": "",
    }


def peak_growth_while_exporting(client: httpx.Client) -> tuple[int, int]:
    """(rows received, peak bytes allocated above the start) over the whole test process,
    which includes the server's thread; the client reads in pieces and keeps only a count."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        lines = 0
        with client.stream("GET", "/v1/deliveries.csv") as response:
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                lines += chunk.count(b"\r\n")
        return lines - 1, tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()


def test_exporting_100000_rows_takes_no_more_memory_than_10000(
    tenant: Tenant, log_for: Any
) -> None:
    log: Log = log_for(tenant.id)
    customer = log.customer()
    reminder_id = log.reminder(customer)
    start = log.now - timedelta(days=30)
    log.attempts(reminder_id, customer, 10_000, start=start)
    peak_growth_while_exporting(tenant.client)  # warm caches: compiled SQL, pools, imports
    rows, small = peak_growth_while_exporting(tenant.client)
    assert rows == 10_000

    log.attempts(reminder_id, customer, 90_000, start=start + timedelta(days=1))
    rows, large = peak_growth_while_exporting(tenant.client)
    assert rows == 100_000
    assert large < 2 * small, f"10k rows peaked at {small} bytes, 100k at {large}"


def test_cells_a_spreadsheet_would_run_as_formulas_are_exported_as_text(
    tenant: Tenant, log_for: Any
) -> None:
    log: Log = log_for(tenant.id)
    customer = log.customer(ref='=HYPERLINK("https://evil.example","click")')
    reminder_id = log.reminder(customer, loan_ref="@SUM(1)")
    hostile = {
        "=1+1": "'=1+1",
        "+1+1": "'+1+1",
        "-1+1": "'-1+1",
        "@SUM(1)": "'@SUM(1)",
        "\t=1": "'\t=1",
        "\r=1": "'\r=1",
        "plain text, = later": "plain text, = later",
    }
    for error_message in hostile:
        log.attempts(reminder_id, customer, error_message=error_message)
    rows = export(tenant.client)
    assert {row["error_message"]: row["error_message"] for row in rows} == {
        shown: shown for shown in hostile.values()
    }
    assert {row["customer_ref"] for row in rows} == {'\'=HYPERLINK("https://evil.example","click")'}
    assert {row["loan_ref"] for row in rows} == {"'@SUM(1)"}
    assert {row["recipient"] for row in rows} == {"'" + PHONE}
