"""The tips every tenant has until it saves its own for a locale, in the templates' locales:
Simplified Chinese (`zh-Hans`), Traditional Chinese (`zh-Hant`, in Taiwan's usage) and English.

Wording rules (docs/templates.md, "Tips"): say what helps, not what happens to those who do not
pay; assume good faith; point only to the lender's official channels; hedge what depends on the
contract ("usually", "may"). Each situation has tips of its own, and two (scams, budgeting)
suit every situation.
"""

from app.tips.schemas import Situation, TipIn, Topic

HANS, HANT, EN = "zh-Hans", "zh-Hant", "en"
B, J, L, A = (
    Situation.BEFORE_DUE,
    Situation.JUST_OVERDUE,
    Situation.LONG_OVERDUE,
    Situation.ANY,
)

# key, situation, topic, then (title, body, short) by locale.
_TIPS: list[tuple[str, Situation, Topic, dict[str, tuple[str, str, str]]]] = [
    (
        "autopay",
        B,
        Topic.LATE_FEES,
        {
            HANS: (
                "设好提醒，按时还款",
                "开通自动还款，或在手机日历里设一个还款日前一两天的提醒，"
                "就不容易错过还款日，也能避免产生滞纳金。",
                "开通自动还款或设个日历提醒，按时还款，避免滞纳金。",
            ),
            HANT: (
                "設好提醒，準時繳款",
                "設定自動扣繳，或在手機行事曆設一個繳款日前一兩天的提醒，"
                "就不容易錯過繳款日，也能避免產生違約金。",
                "設定自動扣繳或行事曆提醒，準時繳款，避免違約金。",
            ),
            EN: (
                "Set a reminder, pay on time",
                "Turn on automatic payments, or put a reminder in your phone's calendar a day "
                "or two before the due date. A missed due date, and the late fee that comes "
                "with it, becomes much less likely.",
                "Autopay or a calendar alert helps you avoid late fees.",
            ),
        },
    ),
    (
        "check-balance",
        B,
        Topic.LATE_FEES,
        {
            HANS: (
                "还款前核对金额",
                "还款前，请在官方App或账单里核对本期应还金额和到期日。"
                "账户余额不足可能导致扣款失败，建议提前一天确认余额。",
                "还款前一天确认账户余额充足，避免扣款失败。",
            ),
            HANT: (
                "繳款前核對金額",
                "繳款前，請在官方App或帳單裡核對本期應繳金額和到期日。"
                "帳戶餘額不足可能導致扣款失敗，建議提前一天確認餘額。",
                "繳款前一天確認帳戶餘額充足，避免扣款失敗。",
            ),
            EN: (
                "Check the amount before you pay",
                "Check this period's amount and due date in the official app or on your "
                "statement. If your account runs short the payment may fail, so checking your "
                "balance the day before helps.",
                "Check your balance a day early so the payment goes through.",
            ),
        },
    ),
    (
        "credit-record",
        B,
        Topic.CREDIT_RECORD,
        {
            HANS: (
                "按时还款，守护信用",
                "您的还款情况可能会报送征信系统。按时还款有助于保持良好的信用记录，"
                "以后申请贷款、办信用卡都会更顺利。",
                "按时还款，有助于保持良好的信用记录。",
            ),
            HANT: (
                "準時繳款，守護信用",
                "您的繳款紀錄可能會報送聯徵中心。準時繳款有助於維持良好的信用紀錄，"
                "日後申辦貸款、信用卡都會更順利。",
                "準時繳款，有助於維持良好的信用紀錄。",
            ),
            EN: (
                "Paying on time protects your credit",
                "Your repayment history may be reported to credit bureaus. Paying on time "
                "helps keep a good credit record, which makes future loans and cards easier "
                "to get.",
                "Paying on time helps keep your credit record in good shape.",
            ),
        },
    ),
    (
        "late-charges",
        J,
        Topic.INTEREST,
        {
            HANS: (
                "逾期费用按天累计",
                "逾期后，罚息通常按天计算，拖得越久，要多付的钱就越多；越早还清，额外费用越少。"
                "具体计算方式以您的借款合同为准。",
                "逾期罚息通常按天累计，越早还款，多付的费用越少。",
            ),
            HANT: (
                "逾期費用按日累計",
                "逾期後，遲延利息通常按日計算，拖得越久，要多付的錢就越多；"
                "越早繳清，額外費用越少。實際計算方式以您的借款契約為準。",
                "遲延利息通常按日累計，越早繳款，多付的費用越少。",
            ),
            EN: (
                "Late charges add up day by day",
                "Once a payment is late, penalty interest is usually charged for each day it "
                "stays unpaid, so the sooner it is paid, the less extra it costs. Your loan "
                "agreement sets out exactly how it is worked out.",
                "Late interest usually grows daily: paying sooner costs less.",
            ),
        },
    ),
    (
        "talk-early",
        J,
        Topic.TALK_TO_LENDER,
        {
            HANS: (
                "有困难，尽早沟通",
                "如果一时周转不开，请尽早通过官方客服电话或App联系我们，说说您的情况。"
                "我们可以一起看看有没有合适的还款安排。",
                "一时周转不开？请尽早联系官方客服，一起商量还款安排。",
            ),
            HANT: (
                "有困難，及早溝通",
                "如果一時周轉不過來，請及早透過官方客服電話或App與我們聯絡，說說您的情況。"
                "我們可以一起看看有沒有合適的還款安排。",
                "一時周轉不過來？請及早聯絡官方客服，一起商量還款安排。",
            ),
            EN: (
                "Struggling? Talk to us early",
                "If money is tight right now, please contact us as early as you can through "
                "our official phone line or app and tell us what is happening. Together we can "
                "look for a repayment arrangement that works for you.",
                "Money tight? Contact us early and we can agree a plan.",
            ),
        },
    ),
    (
        "repayment-plan",
        L,
        Topic.TALK_TO_LENDER,
        {
            HANS: (
                "商量一个做得到的还款计划",
                "逾期时间较长时，更需要主动和我们联系。告诉我们您的实际情况和每月能承担的金额，"
                "我们会认真评估分期、延期等方案，帮您一步步还清。",
                "主动联系官方客服说明情况，一起商量做得到的还款计划。",
            ),
            HANT: (
                "商量一個做得到的還款計畫",
                "逾期時間較長時，更需要主動與我們聯絡。告訴我們您的實際情況和每月能負擔的金額，"
                "我們會認真評估分期、展延等方案，協助您一步步還清。",
                "主動聯絡官方客服說明情況，一起商量做得到的還款計畫。",
            ),
            EN: (
                "Agree a plan you can keep",
                "When a payment has been overdue for a while, getting in touch matters even "
                "more. Tell us about your situation and what you can afford each month, and we "
                "will look carefully at options such as instalments or more time.",
                "Tell us what you can afford and we can agree a plan.",
            ),
        },
    ),
    (
        "sooner-lighter",
        L,
        Topic.INTEREST,
        {
            HANS: (
                "越早处理，负担越轻",
                "长期逾期会让罚息和费用不断累积，也会影响您的信用记录。"
                "越早开始还款，需要承担的额外费用就越少。",
                "逾期越久，罚息越多；越早开始还款，负担越轻。",
            ),
            HANT: (
                "越早處理，負擔越輕",
                "長期逾期會讓遲延利息和費用不斷累積，也會影響您的信用紀錄。"
                "越早開始還款，需要負擔的額外費用就越少。",
                "逾期越久，利息越多；越早開始還款，負擔越輕。",
            ),
            EN: (
                "The sooner, the lighter",
                "A balance that stays overdue keeps gathering penalty interest and fees, and it "
                "can weigh on your credit record. The sooner repayments start, the less extra "
                "you pay.",
                "Overdue costs keep growing: repaying sooner costs less.",
            ),
        },
    ),
    (
        "your-rights",
        L,
        Topic.RIGHTS,
        {
            HANS: (
                "了解您的权利",
                "正规的催收应当文明、礼貌，只和您本人沟通您的借款。"
                "如果遇到不当催收，您可以向我们的官方客服投诉，也可以向当地金融监管部门反映。",
                "正规催收应当文明礼貌；遇到不当催收，可向官方客服投诉。",
            ),
            HANT: (
                "了解您的權利",
                "合法的催收應當文明、有禮，只和您本人溝通您的借款。"
                "如果遇到不當催收，您可以向我們的官方客服申訴，也可以向金融主管機關反映。",
                "合法催收應當文明有禮；遇到不當催收，可向官方客服申訴。",
            ),
            EN: (
                "Know your rights",
                "Fair debt collection is polite and discusses your loan only with you. If you "
                "are ever treated unfairly, you can complain to our official support team or "
                "to your financial regulator.",
                "Collection must be polite and fair. Tell us if it is not.",
            ),
        },
    ),
    (
        "spot-scams",
        A,
        Topic.SCAMS,
        {
            HANS: (
                "谨防冒充催收的诈骗",
                "请只通过官方App、官方客服电话或借款合同上的账户还款。"
                "凡是要求您转账到个人账户、索要验证码或密码的，都不是我们。"
                "如有疑问，请先拨打官方客服电话核实。",
                "谨防诈骗：我们不会让您转账到个人账户，也不会索要验证码。",
            ),
            HANT: (
                "小心冒充催收的詐騙",
                "請只透過官方App、官方客服電話或借款契約上的帳戶繳款。"
                "凡是要求您轉帳到個人帳戶、索取驗證碼或密碼的，都不是我們。"
                "如有疑問，請先撥打官方客服電話確認。",
                "小心詐騙：我們不會要求您轉帳到個人帳戶，也不會索取驗證碼。",
            ),
            EN: (
                "Watch out for fake collectors",
                "Only pay through our official app, our official phone line or the account "
                "named in your loan agreement. We will never ask you to pay into a personal "
                "account or to share a verification code or password. If in doubt, call our "
                "official number to check.",
                "We never ask for codes or for payment to a personal account.",
            ),
        },
    ),
    (
        "set-aside",
        A,
        Topic.BUDGETING,
        {
            HANS: (
                "先留出还款的钱",
                "每月收入到账后，先把还款的钱单独留出来，再安排其他开支。"
                "量入为出，尽量不要借新还旧。",
                "收入到账后，先留出还款的钱，再安排其他开支。",
            ),
            HANT: (
                "先留下繳款的錢",
                "每月收入入帳後，先把繳款的錢另外留下來，再安排其他開銷。"
                "量入為出，盡量不要以債養債。",
                "收入入帳後，先留下繳款的錢，再安排其他開銷。",
            ),
            EN: (
                "Set the repayment aside first",
                "When your income arrives, put the repayment aside before other spending. "
                "Living within your means helps you avoid borrowing again to repay a loan.",
                "Set the repayment aside first when your income arrives.",
            ),
        },
    ),
]

STARTERS: dict[str, list[TipIn]] = {
    locale: [
        TipIn(
            key=key,
            situation=situation,
            topic=topic,
            title=words[locale][0],
            body=words[locale][1],
            short=words[locale][2],
        )
        for key, situation, topic, words in _TIPS
    ]
    for locale in (HANS, HANT, EN)
}
"""Nudge's own tips by locale, in the order they are offered."""
