"""The templates every new tenant starts with, in Simplified Chinese (`zh-Hans`), Traditional
Chinese (`zh-Hant`, in Taiwan's usage) and English (`en`), for SMS, voice, email and webhook.

Wording rules (see docs/templates.md): say who is writing, the amount, the due date, how to
pay and where to get help; thank rather than warn; overdue wording assumes good faith and offers
to talk. SMS stays within two segments with the opt-out instruction; tips go to email and voice.
A voice script stands alone: the call may be the only message the customer gets, so it names
no text message or link, and always says where to get help.
"""

from typing import Any

from app.templates.schemas import TemplateIn

HANS, HANT, EN = "zh-Hans", "zh-Hant", "en"
LOCALES = (HANS, HANT, EN)
NAME = "{{ tenant.display_name }}"
SEVERAL = "loans and loans | length > 1"
"""A digest (app/enrollments) lists several loans; a reminder of one loan reads as always."""
AMOUNT = (
    f"{{% if {SEVERAL} %}}{{{{ loans | sum(attribute='amount') | money(loans[0].currency) }}}}"
    "{% else %}{{ amount | money }}{% endif %}"
)
DUE = (
    f"{{% if {SEVERAL} %}}{{{{ (loans | min(attribute='due_date')).due_date | date }}}}"
    "{% else %}{{ due_date | date }}{% endif %}"
)
"""Several loans: their total, in their own currency (they share one), and the earliest due
date, so an SMS stays short."""
N = "{{ loans | length }}"
COUNT = {
    locale: f"{{% if {SEVERAL} %}}{words}{{% endif %}}"
    for locale, words in {
        HANS: f"（{N}笔借款合计）",
        HANT: f"（{N}筆借款合計）",
        EN: f" (The total of your {N} loans; the earliest due date.)",
    }.items()
}
LOAN_LINE = {
    HANS: "{{ loan.loan_ref | mask }}：{{ loan.amount | money(loan.currency) }}，"
    "{{ loan.due_date | date }}到期",
    HANT: "{{ loan.loan_ref | mask }}：{{ loan.amount | money(loan.currency) }}，"
    "{{ loan.due_date | date }}到期",
    EN: "{{ loan.loan_ref | mask }}: {{ loan.amount | money(loan.currency) }}, "
    "due {{ loan.due_date | date }}",
}
"""One line of an email's list of a digest's loans."""
VOICES = {
    HANS: ("Polly.Zhiyu", "cmn-CN"),
    HANT: ("Google.cmn-TW-Standard-A", "cmn-TW"),
    EN: ("Polly.Joanna", "en-US"),
}
"""Voice and TTS language by locale, from Twilio's text-to-speech table."""

PAY = {
    HANS: "{% if pay_url %}还款链接：{{ pay_url }} 。{% else %}您可在App内完成还款。{% endif %}",
    HANT: "{% if pay_url %}繳款連結：{{ pay_url }} 。{% else %}您可以在App內完成繳款。{% endif %}",
    EN: "{% if pay_url %}Pay at {{ pay_url }} .{% else %}You can pay in the app.{% endif %}",
}
PAY_SPOKEN = {
    HANS: "您可以在我们的App内完成还款。",
    HANT: "您可以在我們的App內完成繳款。",
    EN: "You can pay in our app.",
}
HELP = {
    HANS: "{% if tenant.help_phone %}如有疑问，请致电{{ tenant.help_phone }}。{% endif %}",
    HANT: "{% if tenant.help_phone %}如有疑問，請撥打{{ tenant.help_phone }}。{% endif %}",
    EN: "{% if tenant.help_phone %} Questions? Call {{ tenant.help_phone }}.{% endif %}",
}
HELP_SPOKEN = {
    HANS: "{% if tenant.help_phone %}如有疑问，请致电{{ tenant.help_phone }}。"
    "{% else %}如有疑问，欢迎在App内联系我们的客服。{% endif %}",
    HANT: "{% if tenant.help_phone %}如有疑問，請撥打{{ tenant.help_phone }}。"
    "{% else %}如有疑問，歡迎在App內聯絡我們的客服。{% endif %}",
    EN: "{% if tenant.help_phone %}If you have any questions, please call us on "
    "{{ tenant.help_phone }}.{% else %}If you have any questions, our support team is glad "
    "to help in the app.{% endif %}",
}
SMS_OPT_OUT = {HANS: "回复TD退订", HANT: "回覆TD退訂", EN: " Reply STOP to opt out"}
EMAIL_OPT_OUT = {
    HANS: "如不希望再收到此类邮件，请使用本邮件末尾的退订链接。",
    HANT: "如不希望再收到此類郵件，請使用本郵件末尾的退訂連結。",
    EN: "To stop these emails, use the unsubscribe link at the end of this email.",
}
GREETING = {
    HANS: "您好，这里是{name}。",
    HANT: "您好，這裡是{name}。",
    EN: "Hello, this is {name}.",
}
THANKS = {
    HANS: "感谢您的信任与支持！",
    HANT: "感謝您的信任與支持！",
    EN: "Thank you for banking with us.",
}

# Per template: (description, sms/voice/email message, email subject, tip), each by locale.
WORDING: dict[str, dict[str, dict[str, str]]] = {
    "pre-due": {
        "description": {
            HANS: "到期前三天的温馨提醒",
            HANT: "到期前三天的溫馨提醒",
            EN: "A friendly note three days before the due date",
        },
        "message": {
            HANS: f"温馨提醒：您的本期还款{AMOUNT}将于{DUE}到期。",
            HANT: f"溫馨提醒：您本期應繳金額{AMOUNT}將於{DUE}到期。",
            EN: f"A friendly reminder that your payment of {AMOUNT} is due on {DUE}.",
        },
        "subject": {
            HANS: f"本期还款将于{DUE}到期",
            HANT: f"本期款項將於{DUE}到期",
            EN: f"Your payment is due on {DUE}",
        },
        "tip": {
            HANS: "小贴士：设置自动还款或日历提醒，可以帮助您按时还款，保持良好的信用记录。",
            HANT: "小叮嚀：設定自動扣繳或行事曆提醒，可以幫助您準時繳款，維持良好的信用紀錄。",
            EN: "Tip: automatic payments or a calendar reminder help you pay on time and keep "
            "a good credit record.",
        },
    },
    "due-today": {
        "description": {
            HANS: "到期当天的提醒", HANT: "到期當天的提醒", EN: "A reminder on the due date"
        },
        "message": {
            HANS: f"您的本期还款{AMOUNT}今天（{DUE}）到期，请记得在今日内完成还款。",
            HANT: f"您本期應繳金額{AMOUNT}於今天（{DUE}）到期，請記得於今日完成繳款。",
            EN: f"Your payment of {AMOUNT} is due today, {DUE}.",
        },
        "subject": {
            HANS: "您的本期还款今天到期",
            HANT: "您本期的款項今天到期",
            EN: "Your payment is due today",
        },
        "tip": {
            HANS: "小贴士：按时还款有助于积累良好的信用记录。",
            HANT: "小叮嚀：準時繳款有助於累積良好的信用紀錄。",
            EN: "Tip: paying on time helps you build a good credit history.",
        },
    },
    "overdue-early": {
        "description": {
            HANS: "逾期1至7天的提醒",
            HANT: "逾期1至7天的提醒",
            EN: "A reminder 1 to 7 days after the due date",
        },
        "message": {
            HANS: f"您应于{DUE}还款的{AMOUNT}目前尚未收到。如已还款，请忽略本消息。",
            HANT: f"您應於{DUE}繳納的{AMOUNT}目前尚未入帳。如已繳款，請忽略本訊息。",
            EN: f"We have not yet received your payment of {AMOUNT}, due on {DUE}. "
            "If you have already paid, please ignore this message.",
        },
        "subject": {
            HANS: "关于您的本期还款",
            HANT: "關於您本期的款項",
            EN: "About your recent payment",
        },
        "tip": {
            HANS: "小贴士：如果资金周转有困难，尽早与我们沟通，通常能找到更合适的安排。",
            HANT: "小叮嚀：如果資金週轉有困難，及早與我們聯絡，通常能找到更合適的安排。",
            EN: "Tip: if money is tight, talking to us early usually opens up more options.",
        },
    },
    "overdue-late": {
        "description": {
            HANS: "逾期30天以上的提醒",
            HANT: "逾期30天以上的提醒",
            EN: "A reminder 30 or more days after the due date",
        },
        "message": {
            HANS: f"您应于{DUE}还款的{AMOUNT}仍未结清。如有困难，我们愿与您商量还款方案。",
            HANT: f"您應於{DUE}繳納的{AMOUNT}尚未結清。如有困難，我們願與您商量還款方案。",
            EN: f"Your payment of {AMOUNT}, due on {DUE}, is still open. We understand things "
            "can be difficult and would be glad to work out a plan with you.",
        },
        "subject": {
            HANS: "我们愿意与您商量还款方案",
            HANT: "我們願意與您商量還款方案",
            EN: "Let us find a payment plan together",
        },
        "tip": {
            HANS: "小贴士：制定一份简单的月度预算，先安排必要开支和还款，计划会更容易执行。",
            HANT: "小叮嚀：擬定一份簡單的每月預算，先安排必要開支與還款，計畫會更容易執行。",
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
    "loans": {"type": "loans", "required": False},
}
"""Payment links are often long signed URLs, hence 500; a currency is an ISO 4217 code; `loans`
comes with a plan's reminders."""


def _variants(wording: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    variants: list[dict[str, Any]] = []
    for locale in LOCALES:
        chinese = locale != EN
        message, tip = wording["message"][locale], wording["tip"][locale]
        listed = f"{{% for loan in loans %}}\n- {LOAN_LINE[locale]}{{% endfor %}}"
        listed_html = (
            f"<ul>{{% for loan in loans %}}<li>{LOAN_LINE[locale]}</li>{{% endfor %}}</ul>"
        )
        greeting = GREETING[locale].format(name=NAME)
        space = "" if chinese else " "
        signature = f"【{NAME}】" if chinese else f"{NAME}: "
        sms = f"{signature}{message}{space}{PAY[locale]}{HELP[locale]}"
        message += COUNT[locale]  # an SMS has no room to say how many: its total is the sum
        paragraphs = [greeting, message, PAY[locale], HELP[locale].strip(), tip, THANKS[locale]]
        text = "\n\n".join([*paragraphs, EMAIL_OPT_OUT[locale]])
        html = "".join(f"<p>{p}</p>" for p in [*paragraphs, EMAIL_OPT_OUT[locale]])
        # A digest's email lists its loans after the message.
        text = text.replace(message, f"{message}{{% if {SEVERAL} %}}{listed}{{% endif %}}", 1)
        html = html.replace(
            f"{message}</p>", f"{message}</p>{{% if {SEVERAL} %}}{listed_html}{{% endif %}}", 1
        )
        voice, language = VOICES[locale]
        variants += [
            {"channel": "sms", "locale": locale, "body": sms + SMS_OPT_OUT[locale]},
            {
                "channel": "voice",
                "locale": locale,
                "script": space.join(
                    [greeting, message, PAY_SPOKEN[locale], HELP_SPOKEN[locale], tip]
                ),
                "voice": voice,
                "language": language,
            },
            {
                "channel": "email",
                "locale": locale,
                "subject": f"{NAME}{'：' if chinese else ': '}{wording['subject'][locale]}",
                "text": text,
                "html": html,
            },
        ]
    return variants


# Webhook variants: the lender's own system gets the facts as data (amount and date in ISO
# form, for machines) beside the words the customer would read.
WEBHOOK_CURRENCY = (
    f"{{% if {SEVERAL} %}}{{{{ loans[0].currency }}}}"
    "{% elif currency %}{{ currency }}{% else %}{{ tenant.default_currency }}{% endif %}"
)
WEBHOOK_AMOUNT = (
    f"{{% if {SEVERAL} %}}{{{{ loans | sum(attribute='amount') }}}}{{% else %}}{{{{ amount }}}}"
    "{% endif %}"
)
WEBHOOK_DUE = (
    f"{{% if {SEVERAL} %}}{{{{ (loans | min(attribute='due_date')).due_date }}}}"
    "{% else %}{{ due_date }}{% endif %}"
)
"""Several loans: their total in their own currency and the earliest due date, as the texts
say; `loans` lists each (app/templates/webhook.py sends a whole `{{ loans }}` as the list)."""


def _webhook_variants(key: str, wording: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    return [
        {
            "channel": "webhook",
            "locale": locale,
            "payload": {
                "event": key,
                "amount": WEBHOOK_AMOUNT,
                "currency": WEBHOOK_CURRENCY,
                "due_date": WEBHOOK_DUE,
                "loans": "{{ loans }}",
                "pay_url": "{% if pay_url %}{{ pay_url }}{% endif %}",
                "message": wording["message"][locale],
            },
        }
        for locale in LOCALES
    ]


STARTERS: dict[str, TemplateIn] = {
    key: TemplateIn.model_validate(
        {
            "description": f"{wording['description'][EN]} / {wording['description'][HANS]}",
            "variables": VARIABLES,
            "variants": _variants(wording) + _webhook_variants(key, wording),
        }
    )
    for key, wording in WORDING.items()
}
