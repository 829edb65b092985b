"""Where a customer's jurisdiction requires an opt-out instruction, and the words for it.

One table, so the contact-policy presets can read the same rules the templates apply.
"""

from dataclasses import dataclass

from app.templates.locales import in_script
from channels.base import Channel


@dataclass(frozen=True)
class OptOutRule:
    footers: dict[str, str]
    """Footer by language, or language and script (`zh-Hant`) where the script changes the
    words; the first entry is used when the message's language has none."""
    markers: tuple[str, ...]
    """Words whose presence (case-insensitive) means the message already says how to opt out."""

    def footer(self, locale: str) -> str:
        return in_script(self.footers, locale)


OPT_OUT: dict[tuple[str, Channel], OptOutRule] = {
    ("CN", Channel.SMS): OptOutRule(
        footers={"zh": "回复TD退订", "zh-Hant": "回覆TD退訂", "en": "Reply TD to opt out"},
        markers=("退订", "退訂", "reply td"),
    ),
    ("US", Channel.SMS): OptOutRule(
        footers={"en": "Reply STOP to opt out", "zh": "回复STOP退订", "zh-Hant": "回覆STOP退訂"},
        markers=("stop",),
    ),
    ("US", Channel.EMAIL): OptOutRule(
        footers={
            "en": "To stop these emails, use the unsubscribe link at the end of this email.",
            "zh": "如不希望再收到此类邮件，请使用本邮件末尾的退订链接。",
            "zh-Hant": "如不希望再收到此類郵件，請使用本郵件末尾的退訂連結。",
        },
        markers=("unsubscribe", "退订", "退訂"),
    ),
}


def rule_for(jurisdiction: str | None, channel: Channel) -> OptOutRule | None:
    return OPT_OUT.get((jurisdiction.upper(), channel)) if jurisdiction else None


def mentions_opt_out(rule: OptOutRule, text: str) -> bool:
    lowered = text.casefold()
    return any(marker in lowered for marker in rule.markers)
