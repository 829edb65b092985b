"""Valid request bodies, to be varied one field at a time by each test."""

from typing import Any


def reminder(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer": {
            "ref": "cust-1",
            "phone": "+8613812345678",
            "email": "wang.fang@example.com",
            "locale": "zh-CN",
            "timezone": "Asia/Shanghai",
            "jurisdiction": "CN",
        },
        "loan_ref": "loan-1",
        "template": "pre-due",
        "channels": ["sms", "email"],
        "variables": {"amount": "1234.50", "due_date": "2026-12-01"},
    }
    body.update(overrides)
    return body


def customer(**overrides: Any) -> dict[str, Any]:
    return {**reminder()["customer"], **overrides}
