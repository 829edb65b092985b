"""A lender's own Aliyun SMS account and approved template, as tests set them up."""

from typing import Any
from urllib.parse import urlsplit

from channels.aliyun.settings import AliyunSettings
from tests.conftest import Tenant
from tests.fakes.aliyun_server import FakeAliyun
from tests.helpers.api import template

APPROVED = "您的本期还款${amount}将于${date}到期。回复TD退订"
ACCOUNTS = {
    "alpha": {
        "access_key_id": "LTAI5tLenderAlpha001",
        "access_key_secret": "Qm8v2Zt7Kc4Rn1Xw9Lp3Hd6Jy5Bs0F",
        "sign_name": "阿尔法金融",
    },
    "beta": {
        "access_key_id": "LTAI5tLenderBeta0002",
        "access_key_secret": "Hc3Xr9Lw1Tq7Vm5Zb2Nk8Pj4Fd6Ys0",
        "sign_name": "贝塔小贷",
    },
}
ALIYUN_PART = {
    "template_code": "SMS_4711",
    "params": {"amount": "{{ amount | money }}", "date": "{{ due_date | date }}"},
    "approved_text": APPROVED,
}
PHONE = "+8613812345678"


def own_aliyun(tenant: Tenant, aliyun: FakeAliyun, name: str) -> dict[str, str]:
    """The tenant's own account, known to the fake with its approved template; the push URLs."""
    account = ACCOUNTS[name]
    aliyun.add_account(
        account["access_key_id"],
        account["access_key_secret"],
        sign_name=account["sign_name"],
        templates={"SMS_4711": APPROVED},
    )
    stored = tenant.client.put("/v1/tenant/providers/aliyun", json=account)
    assert stored.status_code == 200, stored.text
    urls = stored.json()["callback_urls"]
    return {purpose: urlsplit(url).path for purpose, url in urls.items()}


def on(aliyun: FakeAliyun) -> AliyunSettings:
    """Aliyun's API, as the dispatcher is given it: the fake."""
    return AliyunSettings(_env_file=None, api_base=aliyun.url)  # type: ignore[call-arg]


def aliyun_template(tenant: Tenant, key: str = "pre-due", **aliyun_part: Any) -> None:
    body = template()
    body["variants"][0]["aliyun"] = ALIYUN_PART | aliyun_part
    saved = tenant.client.put(f"/v1/templates/{key}", json=body)
    assert saved.status_code == 200, saved.text
