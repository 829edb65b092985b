"""The template API: versioned saves, reads, preview, and what a save refuses."""

import copy
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.auth import Scope
from app.clock import FrozenClock
from app.templates.examples import PREVIEW_IN_EN, PREVIEW_IN_ZH, PREVIEW_OUT_EN, PREVIEW_OUT_ZH
from tests.conftest import Tenant
from tests.helpers.api import template

ZH_TENANT = {
    "display_name": "阳光小贷",
    "help_phone": "+864001234567",
    "default_locale": "zh-CN",
    "default_timezone": "Asia/Shanghai",
    "default_currency": "CNY",
}


def with_variant_field(index: int, field: str, source: str) -> dict[str, Any]:
    body = template()
    body["variants"][index][field] = source
    return body


def test_a_new_tenant_has_the_four_starter_templates_at_version_1(tenant: Tenant) -> None:
    listed = tenant.client.get("/v1/templates").json()
    assert [(t["key"], t["version"]) for t in listed] == [
        ("due-today", 1),
        ("overdue-early", 1),
        ("overdue-late", 1),
        ("pre-due", 1),
    ]
    assert all(t["channels"] == ["email", "sms", "voice", "webhook"] for t in listed)
    assert all(t["locales"] == ["en", "zh-Hans", "zh-Hant"] for t in listed)


def test_each_put_adds_a_version_and_old_versions_stay_readable(tenant: Tenant) -> None:
    first = tenant.client.put("/v1/templates/due-soon", json=template())
    assert first.status_code == 200
    assert first.json()["version"] == 1
    second = tenant.client.put("/v1/templates/due-soon", json=template(description="edited"))
    assert second.json()["version"] == 2

    assert tenant.client.get("/v1/templates/due-soon").json()["description"] == "edited"
    old = tenant.client.get("/v1/templates/due-soon", params={"version": 1}).json()
    assert (old["version"], old["description"]) == (1, "due soon")
    versions = tenant.client.get("/v1/templates/due-soon/versions").json()
    assert [v["version"] for v in versions] == [2, 1]


def test_unknown_templates_and_versions_are_404(tenant: Tenant) -> None:
    assert tenant.client.get("/v1/templates/nope").status_code == 404
    assert tenant.client.get("/v1/templates/nope/versions").status_code == 404
    assert tenant.client.get("/v1/templates/pre-due", params={"version": 9}).status_code == 404


@pytest.mark.parametrize("version", [2**31, 99999999999999999999])
def test_a_version_beyond_what_is_stored_is_a_422_naming_it(tenant: Tenant, version: int) -> None:
    read = tenant.client.get("/v1/templates/pre-due", params={"version": version})
    preview = tenant.client.post(
        "/v1/templates/pre-due/preview",
        json={"channel": "sms", "locale": "en-US", "version": version},
    )
    for response, field in ((read, "query.version"), (preview, "version")):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert [error["field"] for error in response.json()["errors"]] == [field]
    largest = tenant.client.get("/v1/templates/pre-due", params={"version": 2**31 - 1})
    assert largest.status_code == 404


def test_templates_are_per_tenant(tenant: Tenant, new_tenant: Any) -> None:
    tenant.client.put("/v1/templates/due-soon", json=template())
    assert new_tenant("other").client.get("/v1/templates/due-soon").status_code == 404


def test_changing_needs_templates_write_and_reading_needs_reminders_read(
    tenant: Tenant, db: Session, clock: FrozenClock
) -> None:
    reader = tenant.key(db, clock, Scope.REMINDERS_READ)
    assert reader.get("/v1/templates/pre-due").status_code == 200
    assert reader.put("/v1/templates/due-soon", json=template()).status_code == 403
    writer = tenant.key(db, clock, Scope.TEMPLATES_WRITE)
    assert writer.put("/v1/templates/due-soon", json=template()).status_code == 200
    assert writer.get("/v1/templates/due-soon").status_code == 403


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ self._TemplateReference__context }}",
        "{{ amount['__class__'] }}",
        "{% include 'other' %}",
        "{{ undeclared }}",
        "{{ amount | money",
        "{{ amount | nosuchfilter }}",
        "{{ 'x' * 1000000000 }}",
        "{{ 10 ** 10 ** 10 }}",
    ],
)
def test_sandbox_escapes_and_broken_templates_are_refused_on_save_naming_the_field(
    tenant: Tenant, source: str
) -> None:
    response = tenant.client.put(
        "/v1/templates/due-soon", json=with_variant_field(2, "script", source)
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"variants.2.script"}
    assert tenant.client.get("/v1/templates/due-soon").status_code == 404


def test_printing_an_optional_variable_without_a_check_is_refused_on_save(tenant: Tenant) -> None:
    body = template()
    body["variables"]["pay_url"] = {"type": "url", "required": False}
    body["variants"][1]["text"] = "Pay at {{ pay_url }}"
    response = tenant.client.put("/v1/templates/due-soon", json=body)
    assert [e["field"] for e in response.json()["errors"]] == ["variants.1.text"]
    body["variants"][1]["text"] = "{% if pay_url %}Pay at {{ pay_url }}{% endif %}"
    assert tenant.client.put("/v1/templates/due-soon", json=body).status_code == 200


def test_lint_errors_refuse_the_save_listing_each_finding(tenant: Tenant) -> None:
    body = with_variant_field(0, "body", "再不还款我们将联系你的家 人并报警!!!")
    body["variants"][1]["html"] = "<p>We will tell <b>YOUR EMPLOYER</b> today</p>"
    response = tenant.client.put("/v1/templates/due-soon", json=body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {e["field"] for e in errors} == {"variants.0.body", "variants.1.html"}
    details = " ".join(e["detail"] for e in errors)
    for quoted in ("'联系你的家人'", "'报警'", "'tell your employer'", "shouting"):
        assert quoted in details


def test_an_sms_over_the_segment_limit_is_refused_counting_the_opt_out_footer(
    tenant: Tenant,
) -> None:
    body = with_variant_field(0, "body", "您" * 130)  # 130 + 回复TD退订 = 136 > 2 x 67
    response = tenant.client.put("/v1/templates/due-soon", json=body)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "variants.0.body"
    assert "3 UCS-2 segments" in error["detail"]


def test_a_missing_opt_out_is_a_warning_naming_the_footer_that_will_be_added(
    tenant: Tenant,
) -> None:
    saved = tenant.client.put("/v1/templates/due-soon", json=template()).json()
    assert [(w["rule"], w["field"]) for w in saved["warnings"]] == [
        ("missing-opt-out", "variants.0.body"),
        ("missing-opt-out", "variants.1.text"),
    ]
    assert "回复TD退订" in saved["warnings"][0]["detail"]


def test_tenants_extend_the_prohibited_wording_and_the_segment_limit(tenant: Tenant) -> None:
    settings = {"extra_phrases": {"zh": ["砍头息"]}, "sms_segment_limit": 3}
    assert tenant.client.put("/v1/templates/_lint", json=settings).json() == settings
    assert tenant.client.get("/v1/templates/_lint").json() == settings
    refused = tenant.client.put(
        "/v1/templates/due-soon", json=with_variant_field(0, "body", "没有砍　头　息")
    )
    assert [e["field"] for e in refused.json()["errors"]] == ["variants.0.body"]
    longer = tenant.client.put(
        "/v1/templates/due-soon", json=with_variant_field(0, "body", "您" * 130)
    )
    assert longer.status_code == 200


@pytest.mark.parametrize(
    ("request_body", "expected", "settings"),
    [
        (PREVIEW_IN_ZH, PREVIEW_OUT_ZH, ZH_TENANT),
        (
            PREVIEW_IN_EN,
            PREVIEW_OUT_EN,
            {"display_name": "Sunrise Lending", "help_phone": "+12025550123"},
        ),
    ],
)
def test_the_documented_preview_examples_are_what_the_api_answers(
    tenant: Tenant, request_body: Any, expected: Any, settings: Any
) -> None:
    tenant.client.put("/v1/tenant", json=settings)
    response = tenant.client.post("/v1/templates/pre-due/preview", json=request_body)
    assert response.status_code == 200, response.text
    answer = {k: v for k, v in response.json().items() if v is not None}
    assert answer == expected


def test_preview_falls_back_and_reports_the_chosen_locale_footer_and_findings(
    tenant: Tenant,
) -> None:
    tenant.client.put("/v1/tenant", json=ZH_TENANT)
    body = with_variant_field(0, "body", "您" * 66)
    tenant.client.put("/v1/templates/due-soon", json=body)
    preview = tenant.client.post(
        "/v1/templates/due-soon/preview",
        json={
            "channel": "sms",
            "locale": "zh-SG",
            "jurisdiction": "CN",
            "variables": {"amount": "1.00", "due_date": "2026-12-01"},
        },
    ).json()
    assert (preview["locale"], preview["segments"], preview["opt_out_footer"]) == (
        "zh-CN",
        2,
        "回复TD退订",
    )
    assert [f["rule"] for f in preview["findings"]] == ["missing-opt-out"]
    assert "2 segments" in preview["findings"][0]["detail"]


def test_preview_of_the_email_and_voice_variants(tenant: Tenant) -> None:
    tenant.client.put("/v1/tenant", json=ZH_TENANT)
    variables = {"amount": "1234.50", "due_date": "2026-12-01"}
    email = tenant.client.post(
        "/v1/templates/pre-due/preview",
        json={"channel": "email", "locale": "en-US", "jurisdiction": "US", "variables": variables},
    ).json()
    assert email["subject"] == "阳光小贷: Your payment is due on December 1, 2026"
    assert "CN¥1,234.50" in email["text"]
    assert "unsubscribe" in email["html"]
    voice = tenant.client.post(
        "/v1/templates/pre-due/preview",
        json={"channel": "voice", "locale": "zh-CN", "variables": variables},
    ).json()
    assert "¥1,234.50将于2026年12月1日到期" in voice["script"]
    assert (voice["locale"], voice["voice"], voice["language"]) == (
        "zh-Hans",
        "Polly.Zhiyu",
        "cmn-CN",
    )


def test_preview_of_the_webhook_variant_shows_the_payload_the_lender_receives(
    tenant: Tenant,
) -> None:
    tenant.client.put("/v1/tenant", json=ZH_TENANT)
    preview = tenant.client.post(
        "/v1/templates/pre-due/preview",
        json={
            "channel": "webhook",
            "locale": "zh-TW",
            "variables": {"amount": "1234.50", "due_date": "2026-12-01"},
        },
    )
    assert preview.status_code == 200, preview.text
    answer = preview.json()
    assert answer["locale"] == "zh-Hant"
    assert answer["payload"]["amount"] == "1234.50"
    assert answer["payload"]["currency"] == "CNY"
    assert "2026年12月1日" in answer["payload"]["message"]


@pytest.mark.parametrize(
    ("locale", "used", "jurisdiction", "words"),
    [
        ("zh-HK", "zh-Hant", "HK", "如有疑問，請撥打+86 400 123 4567。"),
        ("zh-TW", "zh-Hant", "CN", "如有疑問，請撥打400 123 4567。"),
        ("zh-SG", "zh-Hans", "SG", "如有疑问，请致电+86 400 123 4567。"),
        ("en-GB", "en", "GB", "Questions? Call +86 400 123 4567."),
    ],
)
def test_preview_shows_the_negotiated_locale_and_the_help_line_as_the_customer_dials_it(
    tenant: Tenant, locale: str, used: str, jurisdiction: str, words: str
) -> None:
    tenant.client.put("/v1/tenant", json=ZH_TENANT)
    preview = tenant.client.post(
        "/v1/templates/pre-due/preview",
        json={
            "channel": "sms",
            "locale": locale,
            "jurisdiction": jurisdiction,
            "variables": {"amount": "1234.50", "due_date": "2026-12-01"},
        },
    ).json()
    assert preview["locale"] == used
    assert words in preview["body"]


def test_preview_refuses_bad_variables_with_field_paths(tenant: Tenant) -> None:
    response = tenant.client.post(
        "/v1/templates/pre-due/preview",
        json={"channel": "sms", "locale": "zh-CN", "variables": {"amount": 12.5}},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {
        "variables.amount",
        "variables.due_date",
    }


def test_preview_refuses_values_the_template_fails_with_instead_of_erring(
    tenant: Tenant,
) -> None:
    body = template()
    body["variables"]["n"] = {"type": "int", "required": True}
    body["variants"][0]["body"] = "每期{{ 600 // (n - 6) }}元"
    tenant.client.put("/v1/templates/due-soon", json=body)
    variables = {"amount": "1.00", "due_date": "2026-12-01", "n": 6}
    response = tenant.client.post(
        "/v1/templates/due-soon/preview",
        json={"channel": "sms", "locale": "zh-CN", "variables": variables},
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "variables"
    assert error["detail"].startswith("render-failed: version 1, sms variant: the render fails")


def test_the_openapi_document_shows_preview_examples_in_chinese_and_english(
    tenant: Tenant,
) -> None:
    spec = tenant.client.get("/openapi.json").json()
    operation = spec["paths"]["/v1/templates/{key}/preview"]["post"]
    requests = operation["requestBody"]["content"]["application/json"]["examples"]
    responses = operation["responses"]["200"]["content"]["application/json"]["examples"]
    assert requests["zh-CN"]["value"] == PREVIEW_IN_ZH
    assert responses["en-US"]["value"] == PREVIEW_OUT_EN
    assert copy.deepcopy(spec["components"]["schemas"]["PreviewIn"]["examples"]) == [
        PREVIEW_IN_ZH,
        PREVIEW_IN_EN,
    ]
