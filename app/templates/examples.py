"""Worked preview examples for the OpenAPI document, in Chinese and in English.

`tests/templates/test_endpoints.py` renders them through the API, so they cannot drift.
"""

from typing import Any

PREVIEW_IN_ZH: dict[str, Any] = {
    "channel": "sms",
    "locale": "zh-CN",
    "jurisdiction": "CN",
    "timezone": "Asia/Shanghai",
    "variables": {
        "amount": "1234.50",
        "due_date": "2026-12-01",
        "pay_url": "https://pay.example.com/loan-7788",
    },
}
PREVIEW_OUT_ZH: dict[str, Any] = {
    "channel": "sms",
    "locale": "zh-Hans",
    "version": 1,
    "body": "【阳光小贷】温馨提醒：您的本期还款¥1,234.50将于2026年12月1日到期。"
    "还款链接：https://pay.example.com/loan-7788 。如有疑问，请致电400 123 4567。回复TD退订",
    "encoding": "UCS-2",
    "segments": 2,
    "findings": [],
}
PREVIEW_IN_EN: dict[str, Any] = {
    "channel": "sms",
    "locale": "en-US",
    "jurisdiction": "US",
    "timezone": "America/New_York",
    "variables": {
        "amount": "1234.50",
        "currency": "USD",
        "due_date": "2026-12-01",
        "pay_url": "https://pay.example.com/loan-7788",
    },
}
PREVIEW_OUT_EN: dict[str, Any] = {
    "channel": "sms",
    "locale": "en",
    "version": 1,
    "body": "Sunrise Lending: A friendly reminder that your payment of $1,234.50 is due on "
    "December 1, 2026. Pay at https://pay.example.com/loan-7788 . Questions? Call "
    "(202) 555-0123. Reply STOP to opt out",
    "encoding": "GSM-7",
    "segments": 2,
    "findings": [],
}
