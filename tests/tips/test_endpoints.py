"""Tip libraries over HTTP: saved whole per locale, read back, linted like templates."""

from typing import Any

from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
from app.models.tips import TipLibraryVersion
from app.tips.starters import STARTERS
from tests.conftest import Tenant, count

GENERAL = {
    "key": "set-aside",
    "situation": "any",
    "topic": "budgeting",
    "title": "先留出还款的钱",
    "body": "每月工资到账后，先把还款的钱留出来，再安排其他开支。",
    "short": "工资到账后，先留出还款的钱。",
}
OVERDUE = {
    "key": "talk-early",
    "situation": "just_overdue",
    "topic": "talk_to_lender",
    "title": "有困难，尽早沟通",
    "body": "如果一时周转不开，请尽早联系我们的官方客服，一起商量还款安排。",
    "short": "周转不开？请尽早联系官方客服。",
}


def library(*tips: dict[str, Any]) -> dict[str, Any]:
    return {"tips": list(tips)}


def test_a_locale_without_saved_tips_reads_the_starters(tenant: Tenant) -> None:
    response = tenant.client.get("/v1/tips/zh-CN")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["source"], body["version"], body["locale"]) == ("starter", None, "zh-CN")
    assert [tip["title"] for tip in body["tips"]] == [t.title for t in STARTERS["zh-Hans"]]
    assert tenant.client.get("/v1/tips").json() == []


def test_a_saved_library_is_read_back_as_a_new_version_each_save(tenant: Tenant) -> None:
    first = tenant.client.put("/v1/tips/zh-CN", json=library(GENERAL))
    second = tenant.client.put("/v1/tips/zh-CN", json=library(OVERDUE, GENERAL))

    assert first.status_code == 200, first.text
    assert (first.json()["version"], second.json()["version"]) == (1, 2)
    read = tenant.client.get("/v1/tips/zh-CN").json()
    assert (read["source"], read["version"]) == ("tenant", 2)
    assert [tip["key"] for tip in read["tips"]] == ["talk-early", "set-aside"]
    assert read["tips"][0] == OVERDUE
    [summary] = tenant.client.get("/v1/tips").json()
    assert (summary["locale"], summary["version"], summary["tip_count"]) == ("zh-CN", 2, 2)


def test_threatening_wording_is_refused_with_its_field_path_and_nothing_is_stored(
    tenant: Tenant, db: Session
) -> None:
    threat = {**OVERDUE, "body": "再不还钱，我们就联系你的家人和单位。"}

    response = tenant.client.put("/v1/tips/zh-CN", json=library(GENERAL, threat))

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"tips.1.body"}
    assert "prohibited-wording" in response.json()["errors"][0]["detail"]
    assert count(db, TipLibraryVersion) == 0


def test_the_tenants_own_prohibited_phrases_apply_to_tips(tenant: Tenant) -> None:
    lint = {"extra_phrases": {"zh": ["最后通牒"]}, "sms_segment_limit": 2}
    assert tenant.client.put("/v1/templates/_lint", json=lint).status_code == 200

    titled = {**GENERAL, "title": "最 后 通 牒"}
    response = tenant.client.put("/v1/tips/zh-CN", json=library(titled))

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["tips.0.title"]


def test_an_sms_form_too_long_or_not_gsm_in_english_is_refused(tenant: Tenant) -> None:
    english = {
        "key": "autopay",
        "topic": "late_fees",
        "title": "Pay on time",
        "body": "Autopay helps you pay on time.",
        "short": "Autopay helps you pay on time \u2019",
    }
    long_chinese = {**GENERAL, "short": "收" * 31}

    refused_en = tenant.client.put("/v1/tips/en", json=library(english))
    refused_zh = tenant.client.put("/v1/tips/zh-CN", json=library(long_chinese))

    assert [e["field"] for e in refused_en.json()["errors"]] == ["tips.0.short"]
    assert "GSM-7" in refused_en.json()["errors"][0]["detail"]
    assert [e["field"] for e in refused_zh.json()["errors"]] == ["tips.0.short"]
    assert "at most 30" in refused_zh.json()["errors"][0]["detail"]


def test_a_library_with_a_key_twice_or_an_unknown_situation_is_refused(tenant: Tenant) -> None:
    twice = tenant.client.put("/v1/tips/en", json=library(GENERAL, GENERAL))
    unknown = tenant.client.put("/v1/tips/en", json=library({**GENERAL, "situation": "late"}))
    bad_locale = tenant.client.put("/v1/tips/xx-nope-!", json=library(GENERAL))

    assert [e["field"] for e in twice.json()["errors"]] == ["tips"]
    assert [e["field"] for e in unknown.json()["errors"]] == ["tips.0.situation"]
    assert bad_locale.status_code == 422
    assert [e["field"] for e in bad_locale.json()["errors"]] == ["path.locale"]


def test_a_locale_with_neither_saved_tips_nor_starters_is_not_found(tenant: Tenant) -> None:
    assert tenant.client.get("/v1/tips/fr").status_code == 404


def test_saving_tips_needs_the_templates_write_scope(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    reader = tenant.key(db, clock, Scope.REMINDERS_READ)

    assert reader.put("/v1/tips/en", json=library(GENERAL)).status_code == 403
    assert reader.get("/v1/tips/en").status_code == 200
