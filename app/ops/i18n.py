"""The dashboard's words in English and Chinese; the browser's Accept-Language picks."""

from babel import negotiate_locale

DEFAULT = "en"

CATALOGUE: dict[str, dict[str, str]] = {
    "en": {
        "title": "Nudge ops",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "api_key": "API key",
        "sign_in_hint": "Use an API key with the deliveries:read scope.",
        "bad_key": "That API key is unknown or revoked.",
        "no_scope": "That API key lacks the deliveries:read scope.",
        "bad_csrf": "The form expired or came from another site; please try again.",
        "throttled": "Too many failed sign-ins; please wait a minute and try again.",
        "deliveries": "Delivery log",
        "chart": "Sends, last 14 days",
        "backlog": "Due backlog",
        "customer_ref": "Customer",
        "loan_ref": "Loan",
        "channel": "Channel",
        "status": "Status",
        "since": "From",
        "until": "Until",
        "any": "any",
        "filter": "Filter",
        "clear_filters": "Clear",
        "when": "When",
        "contact": "Contact",
        "provider": "Provider",
        "error": "Error",
        "reminder": "Reminder",
        "next_page": "Older",
        "first_page": "Newest",
        "no_rows": "Nothing matches.",
        "timeline": "Timeline",
        "template": "Template",
        "events": "Events",
        "attempts": "Attempts",
        "borrower": "The borrower's say",
        "channels_off": "Channels turned off",
        "preferred": "Preferred channels",
        "inconvenient": "Inconvenient times (0 = Monday, their time)",
        "language": "Language",
        "source": "Source",
        "kind": "What",
        "reason": "Why",
        "detail": "Detail",
        "body": "Words sent",
        "sends": "Sends",
        "delivery_rate": "Delivery rate",
        "day": "Day",
        "rate_note": "Delivery rate: delivered or answered, over attempts with a final status.",
        "bucket": "Due",
        "oldest_due": "Oldest due",
        "minutes_ago": "{n} min ago",
        "nothing_due": "Nothing is due.",
        "overdue_hour": "Overdue over 1 h",
        "overdue": "Overdue up to 1 h",
        "next_hour": "Next hour",
        "next_day": "Next 24 h",
        "later": "Later",
        "not_found": "No such reminder.",
        "outcomes": "Outcomes",
        "outcomes_note": "Reminders plans made, by when they were scheduled. A repayment counts "
        "for the loan's last delivered reminder before it, within the plan's attribution window "
        "(72 h unless the plan says); the holdout from when its steps would have gone out. "
        "Conversion: enrolments repaid over enrolments, with its 95% Wilson interval; each arm "
        "against its plan's champion (or the holdout) by a two-proportion z-test.",
        "group_by": "Group by",
        "plan": "Plan",
        "step": "Step",
        "arm": "Arm",
        "segment": "Segment",
        "enrolled": "Enrolled",
        "sent": "Sent",
        "delivered": "Delivered",
        "repaid": "Repaid",
        "repaid_amount": "Amount repaid",
        "conversion": "Conversion",
        "interval": "95% interval",
        "median_hours": "Median hours to repay",
        "compared_with": "Against",
        "difference": "Difference",
        "points": "pts",
        "p_value": "p-value",
        "total": "Total",
    },
    "zh": {
        "title": "Nudge 运营",
        "sign_in": "登录",
        "sign_out": "退出",
        "api_key": "API 密钥",
        "sign_in_hint": "请使用具有 deliveries:read 权限的 API 密钥。",
        "bad_key": "该 API 密钥不存在或已被吊销。",
        "no_scope": "该 API 密钥没有 deliveries:read 权限。",
        "bad_csrf": "表单已过期或来自其他网站，请重试。",
        "throttled": "登录失败次数过多，请稍等一分钟后再试。",
        "deliveries": "发送记录",
        "chart": "近 14 天发送量",
        "backlog": "待发送积压",
        "customer_ref": "客户",
        "loan_ref": "借款",
        "channel": "渠道",
        "status": "状态",
        "since": "开始时间",
        "until": "结束时间",
        "any": "全部",
        "filter": "筛选",
        "clear_filters": "清除",
        "when": "时间",
        "contact": "联系方式",
        "provider": "服务商",
        "error": "错误",
        "reminder": "提醒",
        "next_page": "更早",
        "first_page": "最新",
        "no_rows": "没有匹配的记录。",
        "timeline": "时间线",
        "template": "模板",
        "events": "事件",
        "attempts": "发送尝试",
        "borrower": "借款人的选择",
        "channels_off": "已关闭的渠道",
        "preferred": "首选渠道",
        "inconvenient": "不便联系的时间（0 = 周一，借款人当地时间）",
        "language": "语言",
        "source": "来源",
        "kind": "事件",
        "reason": "原因",
        "detail": "详情",
        "body": "发送内容",
        "sends": "发送量",
        "delivery_rate": "送达率",
        "day": "日期",
        "rate_note": "送达率：已送达或已接听的次数 ÷ 已有最终状态的发送次数。",
        "bucket": "到期",
        "oldest_due": "最早到期",
        "minutes_ago": "{n} 分钟前",
        "nothing_due": "没有到期的提醒。",
        "overdue_hour": "逾期超过 1 小时",
        "overdue": "逾期 1 小时内",
        "next_hour": "1 小时内",
        "next_day": "24 小时内",
        "later": "更晚",
        "not_found": "没有这条提醒。",
        "outcomes": "还款成效",
        "outcomes_note": "按计划发送时间统计各还款计划生成的提醒。"
        "一笔还款计入该借款在还款前最后一条已送达的提醒，"
        "须在计划的归因时间窗内（默认 72 小时）。对照组按其步骤本应发送的时间计算。"
        "转化率：已还款的登记借款数 ÷ 登记借款数，附 95% Wilson 置信区间。"
        "各实验组与本计划的冠军组（或对照组）做双比例 z 检验。",
        "group_by": "分组",
        "plan": "计划",
        "step": "步骤",
        "arm": "实验组",
        "segment": "客群",
        "enrolled": "登记借款",
        "sent": "已发送",
        "delivered": "已送达",
        "repaid": "已还款",
        "repaid_amount": "还款金额",
        "conversion": "转化率",
        "interval": "95% 置信区间",
        "median_hours": "还款时长中位数（小时）",
        "compared_with": "对比组",
        "difference": "差值",
        "points": "个百分点",
        "p_value": "p 值",
        "total": "合计",
    },
}


def preferred_languages(accept_language: str | None) -> list[str]:
    """`zh-CN,zh;q=0.9,en;q=0.8` -> `["zh-CN", "zh", "en"]`, highest quality first."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def pick_language(accept_language: str | None) -> str:
    chosen = negotiate_locale(preferred_languages(accept_language), list(CATALOGUE), sep="-")
    language = (chosen or DEFAULT).lower()
    return language if language in CATALOGUE else DEFAULT


def translator(language: str) -> dict[str, str]:
    return CATALOGUE[language]
