"""The templates every new tenant starts with, in zh-CN and en-US, for SMS, voice, email and
webhook.

Wording rules (see docs/templates.md): say who is writing, the amount, the due date, how to
pay and where to get help; thank rather than warn; overdue wording assumes good faith and offers
to talk. SMS stays within two segments with the opt-out instruction; tips go to email and voice.
"""

from typing import Any

from app.templates.schemas import TemplateIn

ZH, EN = "zh-CN", "en-US"
NAME = "{{ tenant.display_name }}"
AMOUNT, DUE = "{{ amount | money }}", "{{ due_date | date }}"
VOICES = {ZH: "Polly.Zhiyu", EN: "Polly.Joanna"}

PAY = {
    ZH: "{% if pay_url %}还款链接：{{ pay_url }} 。{% else %}您可在App内完成还款。{% endif %}",
    EN: "{% if pay_url %}Pay at {{ pay_url }} .{% else %}You can pay in the app.{% endif %}",
}
PAY_SPOKEN = {
    ZH: "您可以通过短信中的链接或App完成还款。",
    EN: "You can pay with the link in our text message, or in the app.",
}
HELP = {
    ZH: "{% if tenant.help_phone %}如有疑问，请致电{{ tenant.help_phone }}。{% endif %}",
    EN: "{% if tenant.help_phone %} Questions? Call {{ tenant.help_phone }}.{% endif %}",
}
SMS_OPT_OUT = {ZH: "回复TD退订", EN: " Reply STOP to opt out"}
EMAIL_OPT_OUT = {
    ZH: "如不希望再收到此类邮件，请回复“退订”。",
    EN: "To stop these emails, reply with the word unsubscribe.",
}
GREETING = {ZH: "您好，这里是{name}。", EN: "Hello, this is {name}."}
THANKS = {ZH: "感谢您的信任与支持！", EN: "Thank you for banking with us."}

# Per template: (description, sms/voice/email message, email subject, tip), each by locale.
WORDING: dict[str, dict[str, dict[str, str]]] = {
    "pre-due": {
        "description": {
            ZH: "到期前三天的温馨提醒", EN: "A friendly note three days before the due date"
        },
        "message": {
            ZH: f"温馨提醒：您的本期还款{AMOUNT}将于{DUE}到期。",
            EN: f"A friendly reminder that your payment of {AMOUNT} is due on {DUE}.",
        },
        "subject": {ZH: f"本期还款将于{DUE}到期", EN: f"Your payment is due on {DUE}"},
        "tip": {
            ZH: "小贴士：设置自动还款或日历提醒，可以帮助您按时还款，保持良好的信用记录。",
            EN: "Tip: automatic payments or a calendar reminder help you pay on time and keep "
            "a good credit record.",
        },
    },
    "due-today": {
        "description": {ZH: "到期当天的提醒", EN: "A reminder on the due date"},
        "message": {
            ZH: f"您的本期还款{AMOUNT}今天（{DUE}）到期，请记得在今日内完成还款。",
            EN: f"Your payment of {AMOUNT} is due today, {DUE}.",
        },
        "subject": {ZH: "您的本期还款今天到期", EN: "Your payment is due today"},
        "tip": {
            ZH: "小贴士：按时还款有助于积累良好的信用记录。",
            EN: "Tip: paying on time helps you build a good credit history.",
        },
    },
    "overdue-early": {
        "description": {ZH: "逾期1至7天的提醒", EN: "A reminder 1 to 7 days after the due date"},
        "message": {
            ZH: f"您应于{DUE}还款的{AMOUNT}目前尚未收到。如已还款，请忽略本消息。",
            EN: f"We have not yet received your payment of {AMOUNT}, due on {DUE}. "
            "If you have already paid, please ignore this message.",
        },
        "subject": {ZH: "关于您的本期还款", EN: "About your recent payment"},
        "tip": {
            ZH: "小贴士：如果资金周转有困难，尽早与我们沟通，通常能找到更合适的安排。",
            EN: "Tip: if money is tight, talking to us early usually opens up more options.",
        },
    },
    "overdue-late": {
        "description": {
            ZH: "逾期30天以上的提醒", EN: "A reminder 30 or more days after the due date"
        },
        "message": {
            ZH: f"您应于{DUE}还款的{AMOUNT}仍未结清。如有困难，我们愿与您一起商量还款方案。",
            EN: f"Your payment of {AMOUNT}, due on {DUE}, is still open. We understand things "
            "can be difficult and would be glad to work out a plan with you.",
        },
        "subject": {ZH: "我们愿意与您商量还款方案", EN: "Let us find a payment plan together"},
        "tip": {
            ZH: "小贴士：制定一份简单的月度预算，先安排必要开支和还款，计划会更容易执行。",
            EN: "Tip: a simple monthly budget that puts essentials and repayments first makes "
            "a plan easier to keep.",
        },
    },
}  # fmt: skip

VARIABLES = {
    "amount": {"type": "money", "required": True},
    "currency": {"type": "text", "required": False, "max_length": 3},
    "due_date": {"type": "date", "required": True},
    "pay_url": {"type": "url", "required": False, "max_length": 500},
}
"""Payment links are often long signed URLs, hence 500; a currency is an ISO 4217 code."""


def _variants(wording: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    variants: list[dict[str, Any]] = []
    for locale in (ZH, EN):
        message, tip = wording["message"][locale], wording["tip"][locale]
        greeting = GREETING[locale].format(name=NAME)
        space = "" if locale == ZH else " "
        signature = f"【{NAME}】" if locale == ZH else f"{NAME}: "
        sms = f"{signature}{message}{space}{PAY[locale]}{HELP[locale]}"
        paragraphs = [greeting, message, PAY[locale], HELP[locale].strip(), tip, THANKS[locale]]
        variants += [
            {"channel": "sms", "locale": locale, "body": sms + SMS_OPT_OUT[locale]},
            {
                "channel": "voice",
                "locale": locale,
                "script": space.join(
                    [greeting, message, PAY_SPOKEN[locale], HELP[locale].strip(), tip]
                ),
                "voice": VOICES[locale],
            },
            {
                "channel": "email",
                "locale": locale,
                "subject": f"{NAME}{'：' if locale == ZH else ': '}{wording['subject'][locale]}",
                "text": "\n\n".join([*paragraphs, EMAIL_OPT_OUT[locale]]),
                "html": "".join(f"<p>{p}</p>" for p in [*paragraphs, EMAIL_OPT_OUT[locale]]),
            },
        ]
    return variants


# Webhook variants: the lender's own system gets the facts as data (amount and date in ISO
# form, for machines) beside the words the customer would read.
WEBHOOK_CURRENCY = (
    "{% if currency %}{{ currency }}{% else %}{{ tenant.default_currency }}{% endif %}"
)


def _webhook_variants(key: str, wording: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    return [
        {
            "channel": "webhook",
            "locale": locale,
            "payload": {
                "event": key,
                "amount": "{{ amount }}",
                "currency": WEBHOOK_CURRENCY,
                "due_date": "{{ due_date }}",
                "pay_url": "{% if pay_url %}{{ pay_url }}{% endif %}",
                "message": wording["message"][locale],
            },
        }
        for locale in (ZH, EN)
    ]


STARTERS: dict[str, TemplateIn] = {
    key: TemplateIn.model_validate(
        {
            "description": f"{wording['description'][EN]} / {wording['description'][ZH]}",
            "variables": VARIABLES,
            "variants": _variants(wording) + _webhook_variants(key, wording),
        }
    )
    for key, wording in WORDING.items()
}
