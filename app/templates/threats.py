"""The default rules of the wording lint: what a borrower must never read, in Chinese and English.

Measured against the hand-written corpus `tests/data/lint_corpus.jsonl` (rates and method in
`docs/templates.md`). Three kinds of rule, because single words both miss and over-block:

- words that are never innocent in a reminder (逮捕, 老赖, `deadbeat`, `or else`);
- a third party or a place joined to a threatening act in one clause (`联系`+`你的家人`,
  `visit`+`your workplace`), not negated just before (`不会联系您的亲友`, `never contact your
  employer`) and not the customer's own action (`请联系人事部门`), so 与家人一起制定家庭预算,
  金额单位：元 and "payroll deduction through your employer" pass;
- in Chinese, the informal 你 owning a third party (`你的家人`, `你老婆`): a lender writes 您.

Chinese rules are written in characters and matched on the restored view (`wording.clauses`).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.templates.wording import clauses, has_chinese, vocabulary, words


@dataclass(frozen=True)
class Threat:
    category: str
    quote: str
    """What matched, as the rule wrote it (Chinese) or as the text reads (English)."""


# --- English, matched on the word view -----------------------------------------------------------

_YOUR = r"(?:your|ur|yr)(?: \w+)?"
"""`your`, and one word more: `your line manager`, `your Facebook friends`."""
_PEOPLE = (
    r"(?:wife|husband|partner|girlfriend|boyfriend|fianc\w*|mother|mom|mum|father|dad|parents"
    r"|sister|brother|kids|children|son|daughter|family|relatives|in laws|cousins?|uncle|aunt"
    r"|grandparents|boss|manager|supervisor|employer|coworkers|co workers|colleagues|team"
    r"|company|hr|clients|customers|landlord|teachers?|references|contacts|emergency contacts"
    r"|church|church group|mosque|temple|community|club"
    r"|friends|neighbou?rs|street|village|town|address book|(?:children|kids)'?s?'? school"
    r"|school|whole company|whole family)"
)
_PLACES = (
    r"(?:home|house|door|front door|work|workplace|office|job|flat|apartment|school|address"
    r"|building|street|gate|property|place)"
)
_TELLING = (
    r"(?:call|phon|text|email|messag|contact|tell|told|inform|notif|visit|ask|warn|sms|spoke"
    r"|speak|talk|reach|let|shar\w* with)\w*"
)
_GOING = (
    r"(?:visit\w*|come to|coming to|go to|turn up at|show up at|be at|knock\w* on|see us at"
    r"|send someone to|sending someone to|outside|parked outside|waiting outside|wait outside"
    r"|knock\w* at)"
)
_LEARNING = (
    r"(?:(?:will|would|are going to|is going to|deserves? to|should|must|might|may)"
    r" (?:know|hear|be told|be visited|be informed|be contacted|be called|find out|see|get"
    r"|receive|feel|like to know|want to know|learn|read)"
    r"|picked up|picks up|answer\w* next time|knows|has been told|have been told|reads|heard|gets"
    r"|get (?:stressed|worried|upset|a call|a letter|a visit))"
)
_NEGATION = re.compile(r" (?:never|not|won't|wont|don't|dont|no) (?:\w+ ){0,2}$")
_ASKED = re.compile(r" (?:please|you|you can|you may|you could|feel free to) $")
"""Before an act, the customer is the one acting (`please call your employer's HR`, `if you
talk to your family`)."""

ENGLISH: tuple[tuple[str, str], ...] = (
    ("arrest", r"arrest\w*|jail\w*|prison\w*|imprison\w*|handcuff\w*|locked up|lock you up"),
    ("arrest", r"behind bars|in custody|pick you up|take you away|in a cell|land you in"),
    ("false-legal", r"police|cops?|warrants?|criminal|a crime|prosecut\w*|lawsuit|sue you|sued"),
    ("false-legal", r"summons|subpoena\w*|sheriff|bailiffs?|district attorney|garnish\w*"),
    ("false-legal", r"a fraud|committed fraud|legal proceedings|legal action|court order"),
    ("false-legal", r"take you to court|report you to|seize your \w+|judgment (?:will|has) be\w*"),
    ("false-legal", r"interpol|fbi|federal law|breach of (?:\w+ )?law|the authorities|detectives?"),
    ("false-legal", r"law enforcement|investigat\w* for|under investigation"),
    ("insult", r"deadbeats?|losers?|liars?|thief|thieves|scum\w*|worthless|pathetic|idiots?"),
    ("insult", r"stupid|morons?|cowards?|a disgrace|a cheat|parasites?|shameless|lowlife"),
    (
        "insult",
        r"freeloaders?|crooks?|scroungers?|leech\w*|con artist|good for nothing",
    ),
    ("insult", r"waste of space|useless|disgusting|shame on you|grow up|bum|cheapskate"),
    ("menace", r"or else|face the consequences|(?:you'll|you will) (?:regret|be sorry)"),
    ("menace", r"see what happens|coming for you|can't hide|cant hide|find you|you're next"),
    ("menace", r"know where (?:you|your)|things (?:will )?get ugly|last polite|won't like"),
    ("menace", r"make your life|what's good for you|lose your job|fire you|think about your"),
    ("menace", r"ways of making|you don't want to|running out for you|tick tock|being nice"),
    ("menace", r"won't be nice|been warned|watch your back|accidents happen|don't make us"),
    ("menace", r"think again|patience has|our patience|next time it won't"),
    ("menace", r"won't be a (?:text|message|call)"),
    ("exposure", r"(?:post|share|publish|put up)\w* (?:\w+ ){0,4}?(?:online|on facebook|flyers)"),
    ("exposure", r"social media|public list|wall of shame|embarrass you|humiliate you|shame you"),
    ("exposure", r"everyone (?:\w+ ){0,3}?(?:will know|will see|knows)|everyone you know"),
    ("exposure", r"lamp posts?|posters?|notice board|in town|whole street|whole village"),
    ("visit", r"expect a visit|at your (?:front )?door|drop by|stop by|come round|pop round"),
    ("visit", r"pay you a visit|we'll be there|knock on your"),
    (
        "contacts",
        r"(?:number|everyone|everybody|contact) in your phone|everyone you (?:called|know)",
    ),
)
"""Never innocent in a reminder: (category, words)."""

THIRD_PARTIES: tuple[tuple[str, str], ...] = (
    ("third-party", rf"{_TELLING} (?:\w+ ){{0,3}}?{_YOUR} {_PEOPLE}"),
    ("third-party", rf"{_YOUR} {_PEOPLE} (?:\w+ ){{0,3}}?{_LEARNING}"),
    ("third-party", rf"everyone (?:at|in) {_YOUR}|let (?!us |me )(?:\w+ ){{1,3}}?know"),
    ("third-party", rf"(?:would|do|does|will) {_YOUR} {_PEOPLE} (?:like|want) to know"),
    ("visit", rf"{_GOING} (?:\w+ ){{0,2}}?{_YOUR} {_PLACES}"),
    ("visit", r"send (?:someone|people|our team|agents|collectors)|knows? where you work"),
)
"""Telling a third party, or coming to a place: not when negated just before, nor when the
customer is the one asked to do it."""

_ENGLISH = [(category, re.compile(rf" (?:{words_}) ")) for category, words_ in ENGLISH]
_NEGATABLE = [(category, re.compile(rf" (?:{words_})(?= )")) for category, words_ in THIRD_PARTIES]


def _english(text: str) -> Iterable[Threat]:
    view = words(text)
    for category, rule in _ENGLISH:
        for match in rule.finditer(view):
            yield Threat(category, match[0].strip())
    for category, rule in _NEGATABLE:
        for match in rule.finditer(view):
            before = view[max(0, match.start() - 60) : match.start() + 1]
            if not _NEGATION.search(before) and not _ASKED.search(before):
                yield Threat(category, match[0].strip())


# --- Chinese, written in characters, matched on their sound ------------------------------------

CHINESE: dict[str, tuple[str, ...]] = {
    "arrest": (
        "逮捕", "拘留", "坐牢", "抓你", "被抓", "抓进去", "通缉", "进监狱", "蹲监狱", "牢饭",
        "大牢", "手铐", "铐", "送你进去", "吃官司", "判刑", "看守所", "逃不了",
    ),
    "false-legal": (
        "报警", "警察", "公安", "刑事", "犯罪", "诈骗罪", "立案", "传票", "律师函", "强制执行",
        "起诉", "开庭", "撤诉", "查封", "冻结你", "刑法", "检察院", "公诉", "触犯",
        "经侦", "法警", "违法犯罪", "公检法", "派出所",
    ),
    "insult": (
        "老赖", "赖账", "骗子", "人渣", "垃圾", "废物", "不要脸", "要点脸", "去死", "不还的东西",
        "王八蛋", "畜生", "无赖", "脸皮", "混蛋", "败类", "蛀虫", "白眼狼", "滚蛋",
        "装死", "算什么男人", "算什么人",
    ),
    "exposure": (
        "曝光", "爆光", "公开处刑", "被公开", "公开你", "挂在网上", "挂到网上", "黑名单",
        "失信名单", "朋友圈", "拉横幅", "喷漆", "传单", "张贴", "家族群", "公司群", "抬不起头",
        "让大家看看", "贴满", "楼道", "业主群", "全村", "街坊", "联系人名单", "逐一致电", "逐个打",
    ),
    "menace": (
        "后果自负", "承担不起", "不客气", "有你好看", "有你受的", "你就完了", "你敢", "付出代价",
        "不得安宁", "非常手段", "躲得了", "没提醒你", "知道你住", "你住哪", "你住在",
        "知道你每天", "开除你", "在哪上学", "看着办", "后果很严重", "后果严重", "找到你",
        "找不到你", "别让我们", "你最好", "走着瞧", "等着瞧", "别怪", "跑不了", "逃不掉", "跑得了",
        "知道厉害",
    ),
    "visit": (
        "你家楼下", "你家门口", "你家附近", "你家小区", "公司门口", "单位门口", "去你家",
        "到你家", "上你家", "上门找", "我们上门", "你的住址", "你住址", "你的住处",
    ),
}  # fmt: skip
"""Never innocent in a reminder, by category, unless the customer is asked to do it (请报警)."""

INNOCENT = ("垃圾短信", "垃圾邮件", "谨防骗子", "警惕骗子", "小心骗子", "防范骗子")
"""Common phrases of a polite reminder that hold a rule's word: taken out before matching."""

CHINESE_NEGATABLE = {"visit": ("上门催收", "上门拜访", "外访"), "contacts": ("通讯录",)}
"""What a lender may promise never to do (本公司不会上门催收，不会读取您的通讯录)."""

ACTS = (
    "联系", "通知", "告诉", "找", "打给", "打电话给", "去", "到", "前往", "拜访", "发到", "群发",
    "给",
)  # fmt: skip
"""What a collector does to a third party or at a place, in `ACTS` + 你/您 + `THIRD`."""
THIRD = (
    "家人", "家里人", "全家", "父母", "爸妈", "爸", "妈", "老婆", "老公", "媳妇", "丈夫", "妻子",
    "对象", "男朋友", "女朋友", "儿子", "女儿", "孩子", "班主任", "老师", "亲友", "亲戚", "亲属",
    "朋友", "同事", "领导", "老板", "上司", "单位", "公司", "人事", "通讯录", "联系人", "担保人",
    "邻居", "小区", "老家", "村", "工作",
)  # fmt: skip
LEARNS = (
    "会知道",
    "都知道",
    "已经知道",
    "就知道",
    "会收到",
    "都会被",
    "替你还",
    "打一遍",
    "打过去",
)
"""What a third party is made to learn or do, in `THIRD` + ... + `LEARNS`."""
NEGATIONS = ("不", "没", "绝", "无需", "从未")
CUSTOMER_DOES = ("请", "可", "可以", "您可", "您可以")
"""Before an act, the customer is the one asked to act (请联系人事部门), not threatened."""


def _either(phrases: Iterable[str]) -> str:
    return "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))


_WORDS = vocabulary(
    [
        *(phrase for phrases in CHINESE.values() for phrase in phrases),
        *(phrase for phrases in CHINESE_NEGATABLE.values() for phrase in phrases),
        *ACTS,
        *THIRD,
        *LEARNS,
        *NEGATIONS,
        *CUSTOMER_DOES,
        *("你", "您", "你的", "你们"),
    ]
)
_HARD = [(category, phrase) for category, ps in CHINESE.items() for phrase in ps]
_SOFT = [(category, phrase) for category, ps in CHINESE_NEGATABLE.items() for phrase in ps]
_PAIRS = [
    re.compile(rf"(?P<act>{_either(ACTS)})了?[你您].{{0,3}}?(?:{_either(THIRD)})"),
    re.compile(rf"(?:{_either(THIRD)}).{{0,6}}?(?P<act>{_either(LEARNS)})"),
]
_OWNED = re.compile(rf"你(?:的|们)?(?:{_either(THIRD)})")
_NEGATED = re.compile(rf"(?:{_either(NEGATIONS)}).{{0,2}}$")
_ASKED = re.compile(rf"(?:{_either(CUSTOMER_DOES)})$")


def _chinese(text: str) -> Iterable[Threat]:
    for clause in clauses(text, _WORDS):
        for innocent in INNOCENT:
            clause = clause.replace(innocent, "·")
        for category, phrase in _HARD:
            at = clause.find(phrase)
            if at >= 0 and not _ASKED.search(clause[max(0, at - 8) : at]):
                yield Threat(category, phrase)
        for category, phrase in _SOFT:
            at = clause.find(phrase)
            if at >= 0 and not _NEGATED.search(clause[max(0, at - 8) : at]):
                yield Threat(category, phrase)
        for pair in _PAIRS:
            for match in pair.finditer(clause):
                before = clause[max(0, match.start("act") - 8) : match.start("act")]
                if not _NEGATED.search(before) and not _ASKED.search(before):
                    yield Threat("third-party", match[0])
        if owned := _OWNED.search(clause):
            yield Threat("third-party", owned[0])


def threats(text: str) -> list[Threat]:
    """Every rule the text breaks, at most once per quote."""
    found = list(_english(text))
    if has_chinese(text):
        found += _chinese(text)
    return list(dict.fromkeys(found))
