"""Entity extraction: lexicon words with negation scope, and the numbers (vitals, durations, ages, doses).

Everything here reads the normalised views of `nlu.text`; every entity's offsets are mapped back
to the text the patient typed. Values follow vocabulary.yml: °C, percent, per minute, hours, years.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Callable

from nlu.blood_pressure import read_blood_pressure
from nlu.doses import Medicine, load_doses
from nlu.grammar import load_grammar
from nlu.lexicon import LEXICON_DIR, Lexicon, Match
from nlu.typos import TypoReader
from nlu.result import Amount, Entity
from nlu.text import MappedText, normalise
from nlu.yaml_files import load_yaml

_NUM = r"(\d{1,3}(?:\.\d{1,2})?)"
# Between a vital's name and its number: a few words, and "per minute" (每分钟 / 一分钟 → 1分钟).
_GAP = r"[^\d，,。.;；!！?？]{0,4}?(?:每?1?分钟)?[^\d，,。.;；!！?？]{0,4}?"
_NOT_A_UNIT = r"(?!\s*[\d.]|\s*(?:天|个|小时|钟头|周|星期|礼拜|月|年|度|次|针|剂|%|°|岁|分|号|日|斤|公斤|片|粒|袋|ml|mg|毫))"

# 雪氧 / 学氧: 血氧 typed by pinyin (xuè yǎng) with the first candidate of the same sound (round 5).
_SPO2 = re.compile(r"(?:夹手指的|夹手指|手指夹|夹手指头|血氧饱和度|血氧饱和|氧饱和度|氧饱和|指脉氧|指氧仪|指氧|指夹|血氧仪|血氧值|血氧|雪氧|学氧|血养|雪养|氧饱|spo2|sp02|饱和度|氧合)" + _GAP + r"(\d{2,3})(?:\s*%)?")
_SPO2_PERCENT = re.compile(r"(?<![\d.])(\d{2,3})\s*%")
_PER_MINUTE = r"(?:\s*(?:/|每|1)\s*(?:分钟|分|min))?"
_HEART_RATE = re.compile(r"(?:心率|心跳|脉搏|脉率|hr|pr)" + _GAP + r"(\d{2,3})(?:\s*(?:次|下|bpm))?" + _PER_MINUTE)
_RESP_RATE = re.compile(r"(?:呼吸频率|呼吸次数|呼吸|rr)" + _GAP + r"(\d{1,3})\s*(?:次|下)" + _PER_MINUTE)
_FAHRENHEIT = re.compile(r"华氏(?:度)?\s*(\d{2,3}(?:\.\d)?)\s*度?|(\d{2,3}(?:\.\d)?)\s*(?:华氏度|华氏|°f|℉|度f|f(?![a-z]))")
_CELSIUS = re.compile(r"(?<![\d.])(\d{2}(?:\.\d{1,2})?)\s*(?:°c|℃|摄氏度|度|°|c(?![a-z]))(?:(\d)(?![\d天个小时周岁次日年月%])|(半))?")
_TEMP_CONTEXT = re.compile(
    r"(?:体温|温度|烧到|烧了|发烧到|发热到|发烧|发热|高烧|低烧|量了|测了|最高到|最高|腋温|耳温|额温|肛温|口温|体温计|烧)"
    # 一直 / 一下 are written 1直 / 1下 by the numeric view: a word, not a number.
    # 烧39 / 最高40 / 还是烧39: the number may follow the word at once (round 4).
    + r"(?:(?:[^\d，,。;；!！?？]|1(?=[直下点阵些样般起会共定切旦]))(?:[^\d，,。;；!！?？]|(?<=1)[直下点阵些样般起会共定切旦]){0,4}?)?"
    + r"(?<![\d.])(\d{2}(?:\.\d{1,2})?)" + _NOT_A_UNIT)
_BARE_TEMP = re.compile(r"(?<![\d.])((?:3[4-9]|4[0-2])\.\d)(?![\d%])" + _NOT_A_UNIT)
_PREG_WEEKS = re.compile(r"(?:怀孕|孕期|怀了|孕)\s*了?\s*(\d{1,2})(?:\+\d)?\s*(?:周|个?星期|w)")
_PREG_MONTHS = re.compile(r"(?:怀孕|怀了|孕)\s*了?\s*(\d{1,2})\s*个?月")
_VACCINE = re.compile(
    r"(?:打|接种|种)(?:了|过)?(?:新冠)?(?:疫苗)?\s*(?:第)?(\d{1,2})\s*(?:针|剂)"
    r"|疫苗[^\d，,。;；]{0,5}?(?:第)?(\d{1,2})\s*(?:针|剂)"
    r"|(\d{1,2})\s*(?:针|剂)\s*(?:都|全|也)?\s*(?:打|接种)(?:了|过|完)"
    r"|(\d{1,2})\s*(?:针|剂)(?:新冠)?疫苗")
_NO_VACCINE = re.compile(
    r"(?:没有?|未|从没|从来没有?|还没有?|[1一]针都?没|[1一]针也没)(?:有)?(?:打|接种)过?(?:任何)?(?:新冠)?疫苗"
    r"|疫苗[^\d，,。;；]{0,3}?(?:没有?|未|都没有?|还没有?|[1一]针都没|[1一]针也没)(?:打|接种)"
    r"|(?:^|(?<=[，,。\s]))[1一]针(?:都|也)没(?:有)?(?:打|接种)")
# Round 8: the doses counted in all (一共四针, 总共打了三针) — not stitches (缝了四针: the verb stands between).
# Round 11: the bare answer to "疫苗打了几针？" (一针 / 就两针 / 四针了): the doses, said with nothing else.
_VACCINE_BARE = re.compile(r"^\s*(?:就|只|才|只有|一共|总共|都)?\s*(\d{1,2})\s*(?:针|剂)(?:了|吧|啊|呀|哦|嘛)?\s*[。.!！~]*\s*$")
_VACCINE_TOTAL = re.compile(r"(?:一共|总共|共|加起来)(?:打了?|打过|接种了?)?\s*(\d{1,2})\s*(?:针|剂)(?!\s*(?:缝|线))")
_BOOSTER = re.compile(r"(?:打了?|打过|接种了?|接种过)(?:新冠)?加强针")
_AGE_YEARS = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d)?)\s*(?:多|来)?\s*(?:周岁|岁)(半)?")
_AGE_MONTHS = re.compile(r"(?<![\d.])(\d{1,2})\s*个?(半)?月(?:大|龄|的宝宝|的孩子|的婴儿|的小孩|宝宝|婴儿)")
_AGE_DAYS = re.compile(r"(?:出生|生下来)?(?<![\d.])(\d{1,2})\s*天(?:大(?![便概约半多部])|的宝宝|的婴儿|的新生儿)"
                       r"|(?:出生|生下来|刚生下来|才生下来)(?:才|刚|刚刚|刚满|满)?\s*(\d{1,2})\s*天")
# 她才三十四 / 他今年才五十: a bare number of years after 才 is an age (才 says "only", of years lived).
_AGE_ONLY = re.compile(r"(?:他|她|人|我|孩子|老人)?(?:今年)?才\s*(\d{2,3})(?!\s*几)(?:岁)?(?:多)?(?:了|啊|呀)?" + _NOT_A_UNIT)
# 嘴巴四周 / 伤口四周: "around", not four weeks, after a body part or a place.
_AROUND = re.compile(r"[嘴唇口眼鼻耳脐巴边部头脸身腿手脚伤围子肛眶]$")
# Round 8: 宝宝半岁 (half a year old); 她七十六了 (he or she, a number of years and 了 — not 34-43, which may be a
# temperature said bare: 他38了); a vague 二十几岁 is no age (above: 几 after the number).
_AGE_HALF = re.compile(r"(?<![\d一两二三四五六七八九十])半岁")
_PRONOUN_AGE = re.compile(r"(?:他|她)(?:今年|已经|都|也|快)?\s*(\d{2,3})(?!\s*几)\s*(?:多|来)?\s*(?:了|啦)" + _NOT_A_UNIT)
_AGE_LABEL = re.compile(r"(?:今年|年龄|年纪|岁数)\s*[:：]?\s*(?<![\d.])(\d{1,3})\s*(?:多|来)?" + _NOT_A_UNIT)
# 六十五了 alone answers "how old"; a bare 95 does not (it may be the SpO2 the bot asked for,
# and the engine reads a bare number for whatever slot it is collecting).
# 一岁两个月 → 1.17: years and months together.
_AGE_YEARS_MONTHS = re.compile(r"(?<![\d.])(\d{1,2})\s*岁\s*(?:零|又)?\s*(\d{1,2})\s*个?月")
# 女，四十五 / 男 65: sex then a bare number answers "sex and age".
_AGE_AFTER_SEX = re.compile(r"^\s*(?:(?:自己|本人|我|是我|患者)\s*[，,、\s]\s*)?(?:男|女)(?:性|的)?\s*[，,、\s]\s*(\d{1,3})\s*(?:岁)?\s*$")
# Round 6: weeks said bare in a message about a pregnancy (羊水破了，才三十四周) are its weeks, not a duration.
_BARE_WEEKS = re.compile(r"(?<![\d.])(\d{1,2})\s*(?:周|个?星期)(?![了多以岁])")
_PREGNANCY_CONTEXT = re.compile(r"羊水|破水|见红|胎动|宫缩|怀孕|孕|产检|预产期|胎心|胎儿")
# 数了一分钟五十二次: a counted rate, breathing or heart by what the message counts.
# 一分钟二十四次 / 一分钟喘三十几下 (round 4): a rate per minute with or without 数了; what it counts is read from
# the words before it or inside it (呼吸/喘/气 → breathing, 心/跳/脉 → heart).
_COUNTED = re.compile(r"(?:数了?\s*(?:一下)?\s*(?:1|每)?|(?<![\d.])(?:1|每))\s*分钟\s*(?:[^\d，,。;；!！?？]{0,3}?)(\d{2,3})\s*(?:几|多|来)?\s*(?:次|下)")
_AGE_ALONE = re.compile(r"^\s*(\d{1,3})\s*(?:多|来)?\s*(?:了|啦)\s*[。.!！]?\s*$")
# Round 5: "十一个月" / "四十天" said alone (no 了, no 已经, no illness word) answer "how old": an age. With 了/已经/病
# words they are how long the illness has lasted (发烧四十天了, 已经两个月了). Days only from 28 on: "三天" alone answers
# "how long" far more often than "how old".
_AGE_MONTHS_ALONE = re.compile(r"^\s*(\d{1,2})\s*个(半)?月\s*(?:大)?\s*[。.!！]?\s*$")
_AGE_DAYS_ALONE = re.compile(r"^\s*(\d{2})\s*天\s*(?:大)?\s*[。.!！]?\s*$")
# 早上38度，现在39: after a temperature, a bare 2-digit number after a time word is the next temperature.
_TEMP_FOLLOW = re.compile(r"(?:现在|后来|然后|刚才|刚刚|晚上|中午|下午|上午|早上|夜里|半夜|又|再量|这会儿)(?:又|是|都|到了|到|升到|退到|降到)?\s*"
                          r"(?<![\d.])(\d{2}(?:\.\d{1,2})?)" + _NOT_A_UNIT)
_DATE = re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*(?:日|号)|\d{4}\s*年")
# Round 11: a span followed by 前 / 以前 / 之前 / 以来 (孩子一个月前摔了, 女儿四十天前打了疫苗) says when something began,
# never how old the child is, however close the child word stands.
_ONSET_AFTER = re.compile(r"\s*(?:多|来|左右)?\s*(?:前|以前|之前|以来)")
def _count(m: re.Match[str]) -> float:
    """The number of a duration match with its half (一个半月 → 1.5): round 8, the half was dropped from a child's age."""
    return float(m.group(1)) + (0.5 if m.group(5) or m.group(7) else 0)


_DURATION = re.compile(
    r"(?<!每)(?<![\d.])(?:(\d+(?:\.\d+)?)(?:\s*(?:-|~|到|至)\s*(\d+(?:\.\d+)?))?\s*(?:多|来|余|整)?|(半))"
    r"\s*(个)?\s*(?:多|余)?\s*(半)?\s*(小时|钟头|分钟|天|日|周|星期|礼拜|月|年|工(?![作资人厂程地具夫钱位会种]))(半)?(?!\s*\d+\s*次)")
_RELATIVE_ONSET = re.compile(
    r"(?:从|打|自)?(大前天|前天|昨天|昨晚|昨夜|昨儿|上周|上个星期|上礼拜|上个礼拜)"
    r"(?:晚上|下午|上午|早上|夜里|半夜|中午)?(?:开始|起|以来|就|到现在|一直|出现)")
_SEX = re.compile(
    r"性别\s*[:：]?\s*(男|女)|(男|女)(?=性|的|孩|宝|生|士|娃|患者|病人|婴)"
    r"|(?:^|(?<=[，,\s。;；]))(男|女)(?=$|[，,\s。;；\d])")

# 工 is a day in Minnan durations (三工, 两工: 教育部《臺灣閩南語常用詞辭典》 「工」 kang, a day's time).
_HOURS = {"小时": 1.0, "钟头": 1.0, "分钟": 1 / 60, "天": 24.0, "日": 24.0, "工": 24.0, "周": 168.0, "星期": 168.0,
          "礼拜": 168.0, "月": 720.0, "年": 8760.0}
_RELATIVE_HOURS = {"大前天": 72, "前天": 48, "昨天": 24, "昨晚": 24, "昨夜": 24, "昨儿": 24,
                   "上周": 168, "上个星期": 168, "上礼拜": 168, "上个礼拜": 168}
_SEX_CODES = {"男": "male", "女": "female"}
# Words after which a number of months is the patient's age, not how long they have been ill.
# 一分钟 with nothing after it, or before a count (一分钟二十四次): the "per minute" of a rate.
_PER_MINUTE_WORD = re.compile(r"(?:[^\d，,。;；!！?？]{0,3}?)\d{2,3}\s*(?:几|多|来)?\s*(?:次|下)")
# bb / 啤啤: what Cantonese-speaking parents call a baby (round 11: BB六個月 is the age, not six months ill).
_YOUNG = re.compile(r"(?:宝宝|孩子|婴儿|娃|小孩|儿子|女儿|闺女|宝贝|小宝|新生儿|bb|啤啤|个仔|个女)(?:才|刚|刚满|满|今年|现在|已经|都)?\s*$")
# Round 7: a newborn's days are its age at any count (新生儿二十天; the neonatal period is the first 28 days, WHO).
# Round 12: a baby's first month told by the custom (刚满月, 满月了, 快满月, 出了月子的宝宝) is its age, about a month —
# not the 满月酒 (the party) and not a mother's own 月子 without a baby word.
_FULL_MONTH = re.compile(r"(?:刚|才|刚刚|已经|快|快要|将近|差不多)?满月(?![酒宴照礼])"
                         r"|出了?月子(?:的|后的|以后的)?(?:宝宝|孩子|婴儿|小孩|娃|宝贝|小宝|bb)")
_NEONATE = re.compile(r"(?:新生儿|刚出生的宝宝|刚出生的孩子)(?:才|刚|刚满|满|现在|已经)?\s*$")
# Round 7: months said as a clause of their own (宝宝38度，五个月，不肯喝奶) in a message about a child or infant answer
# "how old", as the bare 十一个月 does (round 5); with 了 or an illness word they stay how long.
_CHILD_WORD = re.compile(r"宝宝|孩子|婴儿|小孩|儿子|女儿|闺女|宝贝|小宝|新生儿|娃|bb|啤啤")
_CLINICAL = frozenset({"symptom", "temperature", "spo2", "heart_rate", "respiratory_rate", "duration", "age",
                       "condition", "medication", "pregnancy", "antigen_result", "vaccine_doses"})


def _number(value: float) -> int | float:
    """Whole numbers as int (72, not 72.0), others rounded to two places."""
    rounded = round(value, 2)
    return int(rounded) if float(rounded).is_integer() else rounded


@dataclass
class _Found:
    entity: str
    value: object
    start: int  # offsets into the original text
    end: int
    negated: bool | None = None
    term: str = ""  # the lexicon word (medications: it names the product, hence the ingredients)
    amount: Amount | None = None
    ingredients: tuple[str, ...] = ()
    asked: bool = False  # named in a general question that names no patient (round 11)


# 没有胎动减少 / 没胎动少: the symptom's own name starts with a denial (没有胎动 = no fetal movement), but with a word of
# decrease after it the 没有 denies the decrease — no reduced fetal movement (round 11).
_NAME_CUES = ("没有", "没", "无")
_DECREASE = re.compile(r"(?:的)?(?:减少|变少|少了|少|减退|下降|变差|变弱|异常)")


def _negated_name_denied(text: str, start: int, end: int) -> bool:
    return text.startswith(_NAME_CUES, start) and bool(_DECREASE.match(text, end))


class EntityExtractor:
    """Finds every entity type of vocabulary.yml in a message."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._lexicon = lexicon
        fillers = "|".join(map(re.escape, sorted(lexicon.post_fillers, key=len, reverse=True)))
        cues = "|".join(map(re.escape, sorted(lexicon.post_cues, key=len, reverse=True)))
        self._post_negation = re.compile(rf"(?:{fillers})*(?:{cues})(?:了|啦|呢)?(?=$|[，,。.!！?？;；\s~])")
        # 喉咙痛倒是不怎么痛 / 咳嗽不太咳了: a degree cue after the symptom, then at most the symptom's own verb (round 11)
        self._post_degree = re.compile(rf"(?:{fillers})*(?:不怎么|不太|不大|不咋|没怎么|没太)(\w{{0,2}}?)(?:了|啦|呢)?"
                                       r"(?=$|[，,。.!！?？;；\s~])")
        persons = sorted(lexicon.terms("subject"), key=len, reverse=True)
        self._persons = re.compile("|".join(map(re.escape, persons)))
        entity_words = frozenset(t for t, w in lexicon.words.items() if w.kind in ("symptom", "block") and len(t) > 1)
        self._grammar = load_grammar(lexicon.markers("cue"), lexicon.markers("pseudo"), entity_words)
        self._typos = TypoReader(lexicon.words)
        self._doses = load_doses()

    def extract(self, normal: MappedText, numeric: MappedText) -> list[Entity]:
        """All entities, ordered by position, with offsets into the original text."""
        found = self._lexical(normal)
        numbers = self._numbers(numeric, found)
        if any(f.entity == "pregnancy" for f in numbers):
            # 怀孕20周 says more than 怀孕: the weeks replace the bare "true".
            found = [f for f in found if not (f.entity == "pregnancy" and f.value is True and not f.negated)]
        found += self._medicine_amounts(numeric, found)
        found += numbers + self._sex(normal)
        found = _womb_bleeding(_voice_lost(_kept_awake(found, normal), normal), normal)
        found = _child_drowsy(_first_mentions(_burn_blisters(self._drop_hypothetical(found, normal), normal), normal.original,
                                              frozenset(self._lexicon.red_flags)), normal)
        found = _drop_corrected(self._pick_subject(found, normal.text.strip(" ,.!?;:~。，！？")), normal.original)
        found.sort(key=lambda f: (f.start, f.end, f.entity))
        original = normal.original
        return [Entity(f.entity, f.value, f.start, f.end, original[f.start:f.end], f.negated, f.amount, f.ingredients,
                       f.asked) for f in found]

    def _drop_hypothetical(self, found: list[_Found], normal: MappedText) -> list[_Found]:
        """如果发烧 / 烧到几度必须去医院 / 发烧吃什么药好: nobody is said to have the symptom, so none is read."""
        text = normal.text
        index = {start: i for i, start in reversed(list(enumerate(normal.starts)))}
        generic = (any(_asked(text, w) for w in self._lexicon.generic_questions) and bool(_QUESTION.search(text))
                   and not any(f.entity in _PERSONAL for f in found)
                   and not any(f.amount for f in found)
                   # Round 14 (tri17): "感冒了，鼻塞、打喷嚏，要吃什么药": the illness said to have come is a report.
                   and not any(w in text for w in self._lexicon.illness_had))
        # 阳了一般多久转阴 / 阳了以后多久能运动: a question about the illness that names no one (round 9).
        covid_generic = (any(w in text for w in self._lexicon.covid_questions) and bool(_QUESTION.search(text))
                         and not any(f.entity in _PERSONAL and f.entity != "antigen_result" for f in found)
                         and not any(f.amount for f in found))
        kept = []
        for f in found:
            if f.entity == "antigen_result" and f.value == "positive" and covid_generic:
                continue
            if f.entity == "antigen_result" and f.value == "positive":
                # 万一爸妈阳了 / 担心老人阳了以后…: feared, not had.
                at = index.get(f.start, 0)
                window = max(0, at - _LOOK_BACK)
                clause_start = max((i + 1 for i in range(window, at) if text[i] in _CLAUSE_MARKS), default=window)
                before = text[clause_start:at]
                if any(w in before for w in self._lexicon.conditional + _FEARED):
                    continue
            if f.entity == "condition" and _FEARED_CONDITION.search(text, 0, index.get(f.start, 0)):
                # 是不是要中风了 / 会不会是心梗: a feared diagnosis, not the patient's history.
                continue
            if f.entity in ("symptom", "condition") and (_REPORTED.search(text, 0, index.get(f.start, 0))
                                                         or _OTHERS_OUTCOME.search(text)):
                continue  # told from the news or of another whose story is over: not the patient's
            if f.entity == "symptom":
                at = index.get(f.start, 0)
                window = max(0, at - _LOOK_BACK)  # a clause this long has long had its condition
                clause_start = max((i + 1 for i in range(window, at) if text[i] in _CLAUSE_MARKS), default=window)
                before = text[clause_start:at]
                end = index.get(f.end, len(text))
                # 被油烫了 / 起了疹子: a word that itself ends in 了/过 says it was had, as a 了 after it does (round 8).
                had = _HAD_IT.match(text, end) or _HAD_IT_BEFORE.search(before) or text[max(0, end - 1):end] in ("了", "过")
                if any(w in before for w in self._lexicon.conditional) and not (
                        f.value == "suicidal_ideation" and (_WISHED.match(text, end) or _WISH_SAID.search(text, 0, end))):
                    continue
                # 吃了一整瓶安眠药怎么办 asks what to do about an overdose that happened. Round 11: the symptom named in a
                # general question is reported, marked `asked` (CONTRACTS §3: the NLU reports what the text names).
                if generic and not had and f.value != "poisoning":
                    f.asked = True
            kept.append(f)
        return kept

    def _medicine_amounts(self, numeric: MappedText, found: list[_Found]) -> list[_Found]:
        """Amounts and ingredients onto the medications; a stated overdose as the symptom poisoning."""
        pairs = [(f, Medicine(f.start, f.end, f.term, str(f.value), bool(f.negated)))
                 for f in found if f.entity == "medication"]
        overdoses = self._doses.read(numeric, [m for _, m in pairs])
        for f, med in pairs:
            f.amount, f.ingredients = med.amount, med.ingredients
        poisoned = [f for f in found if f.entity == "symptom" and f.value == "poisoning"]
        out: list[_Found] = []
        for o in overdoses:
            if not any(p.start < o.end and o.start < p.end for p in poisoned + out):
                out.append(_Found("symptom", "poisoning", o.start, o.end, False))
        return out

    def _lexical(self, normal: MappedText) -> list[_Found]:
        """Lexicon words in one left-to-right pass; a cue denies every term up to the clause boundary."""
        text = normal.text
        found: list[_Found] = []
        denying = False
        for match in self._readings(text):
            kind = match.word.kind
            if kind == "cue":
                complement = text[match.start:match.end] == "不" and match.start > 0 \
                    and text[match.start - 1] in self._lexicon.complement_verbs
                denying = denying or not complement
            elif kind == "boundary":
                denying = False
            elif kind in ("block", "pseudo"):
                continue
            else:
                start, end = normal.span(match.start, match.end)
                # "没了/好了" after a symptom says it is gone; after a medicine it says it ran out.
                negated = denying or match.negated or (
                    kind == "symptom" and (bool(self._post_negation.match(text, match.end))
                                           or self._degree_denied(text, match.start, match.end)
                                           or _negated_name_denied(text, match.start, match.end))
                    # 再也不醒就好了: "would be good", a wish — not "it is gone".
                    and not (match.word.code == "suicidal_ideation" and _WISHED.match(text, match.end)))
                value: object = match.word.code
                if kind == "antigen_result":
                    # 不是阳性 is a negative result; the negative words (没阳, 阴性) already say so.
                    value = "negative" if negated else value
                    if not (value == "negative" and _asks_about(text, match.start, match.end)):
                        found.append(_Found(kind, value, start, end))
                elif kind == "subject":
                    found.append(_Found(kind, value, start, end))
                elif kind == "condition" and value == "pregnancy":
                    # Being pregnant is its own entity (weeks when given, else true); a denial
                    # (没有怀孕) carries negated, which the engine turns into pregnant = false.
                    found.append(_Found("pregnancy", True, start, end, True if negated else None))
                else:
                    found.append(_Found(kind, value, start, end, negated, term=text[match.start:match.end]))
        return found

    def _degree_denied(self, text: str, start: int, end: int) -> bool:
        """不怎么/不太 after the symptom closes its clause, with nothing after it but the symptom's own verb
        (头疼倒是不怎么疼, 咳嗽不太咳了); 烧得不太高 is not a denial (高 is not the symptom's word)."""
        m = self._post_degree.match(text, end)
        return m is not None and all(c in text[start:end] for c in m.group(1))

    def _readings(self, text: str) -> list[Match]:
        """Lexicon words and grammar readings; where they found nothing, pinyin typo corrections."""
        extra = self._grammar.matches(text)
        matches = list(self._lexicon.scan(text, extra))
        covered = [(m.start, m.end) for m in matches if m.word.kind in _TYPO_PROOF]
        typos = self._typos.matches(text, covered)
        if not typos:
            return matches
        for start, match in typos.items():
            if start not in extra or match.end > extra[start].end:
                extra[start] = match
        return list(self._lexicon.scan(text, extra))

    def _numbers(self, numeric: MappedText, lexical: list[_Found]) -> list[_Found]:
        """Vitals, pregnancy weeks, vaccine doses, ages and durations, most specific pattern first."""
        text = numeric.text
        taken = [False] * len(text)
        found: list[_Found] = []

        def claim(m: re.Match[str], entity: str, value: float | bool | None, whole: bool = True) -> None:
            if value is None:
                return
            start, end = (m.start(), m.end()) if whole else m.span(m.lastindex or 0)
            if start >= end or any(taken[start:end]):
                return
            taken[start:end] = [True] * (end - start)
            o_start, o_end = numeric.span(start, end)
            found.append(_Found(entity, value if isinstance(value, bool) else _number(value), o_start, o_end))

        def each(pattern: re.Pattern[str], entity: str, value: Callable[[re.Match[str]], float | bool | None],
                 whole: bool = True) -> None:
            for m in pattern.finditer(text):
                claim(m, entity, value(m), whole)

        for m in _DATE.finditer(text):
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
        # Round 8: blood pressure first (血压150/95, 高压160低压100, 血压一百二十五八十), so its numbers are no other value.
        for bp in read_blood_pressure(text):
            if not any(taken[bp.start:bp.end]):
                taken[bp.start:bp.end] = [True] * (bp.end - bp.start)
                o_start, o_end = numeric.span(bp.start, bp.end)
                found.append(_Found("blood_pressure", bp.value(), o_start, o_end))
        each(_SPO2, "spo2", lambda m: _within(float(m.group(1)), 50, 100))
        each(_HEART_RATE, "heart_rate", lambda m: _within(float(m.group(1)), 20, 300))
        each(_RESP_RATE, "respiratory_rate", lambda m: _within(float(m.group(1)), 4, 150))
        each(_FAHRENHEIT, "temperature", _fahrenheit)
        each(_CELSIUS, "temperature", _celsius)
        each(_TEMP_CONTEXT, "temperature", lambda m: _within(float(m.group(1)), 34, 43), whole=False)
        each(_PREG_WEEKS, "pregnancy", lambda m: _within(float(m.group(1)), 1, 45))
        each(_PREG_MONTHS, "pregnancy", lambda m: _within(round(float(m.group(1)) * 4.33), 1, 45))
        if _PREGNANCY_CONTEXT.search(text):
            each(_BARE_WEEKS, "pregnancy", lambda m: _within(float(m.group(1)), 12, 42))
        each(_NO_VACCINE, "vaccine_doses", lambda m: 0)
        each(_BOOSTER, "vaccine_doses", lambda m: 3)
        each(_VACCINE, "vaccine_doses", lambda m: _within(float(next(g for g in m.groups() if g)), 0, 10))
        each(_AGE_YEARS_MONTHS, "age", lambda m: _within(float(m.group(1)) + float(m.group(2)) / 12, 0, 120))
        each(_AGE_YEARS, "age", lambda m: _within(float(m.group(1)) + (0.5 if m.group(2) else 0), 0, 120))
        each(_AGE_AFTER_SEX, "age", lambda m: _within(float(m.group(1)), 1, 120), whole=False)
        for m in _COUNTED.finditer(text):
            before = text[max(0, m.start() - 16):m.start()]
            said = before + m.group()
            kind = "respiratory_rate" if re.search("呼吸|喘|气", said) else \
                "heart_rate" if re.search("心跳|心率|脉搏|心|跳|脉", said) else None
            if kind is None and not re.search(r"[\u4e00-\u9fff]", text[:m.start()] + text[m.end():]):
                # The bare answer "一分钟二十四次": the bot asks for the breathing rate it counts this way; a
                # heart rate under 60 a minute would be told by its name.
                kind = "respiratory_rate" if float(m.group(1)) <= 60 else "heart_rate"
            if kind is not None:
                claim(m, kind, _within(float(m.group(1)), 4, 300), whole=False)
        each(_AGE_MONTHS, "age", lambda m: (float(m.group(1)) + (0.5 if m.group(2) else 0)) / 12)
        each(_AGE_MONTHS_ALONE, "age", lambda m: _within((float(m.group(1)) + (0.5 if m.group(2) else 0)) / 12, 0, 2))
        each(_AGE_DAYS_ALONE, "age", lambda m: float(m.group(1)) / 365 if 28 <= float(m.group(1)) <= 99 else None)
        each(_AGE_DAYS, "age", lambda m: float(m.group(1) or m.group(2)) / 365)
        each(_FULL_MONTH, "age", lambda m: 1 / 12)
        each(_AGE_ONLY, "age", lambda m: _within(float(m.group(1)), 10, 120), whole=False)
        for m in _DURATION.finditer(text):
            if _ONSET_AFTER.match(text, m.end()):
                if not _is_frequency(m):
                    claim(m, "duration", _duration(m))
            elif m.group(6) == "天" and m.group(1) and _NEONATE.search(text, 0, m.start()) \
                    and not text.startswith(("了", "多了"), m.end()):
                claim(m, "age", _within(float(m.group(1)) / 365, 0, 1))
            elif m.group(6) == "月" and m.group(1) and re.search(r"(?:^|[，,、；;。])\s*$", text[:m.start()]) \
                    and re.match(r"\s*(?:大)?\s*(?:$|[，,、；;。])", text[m.end():]) and _CHILD_WORD.search(text):
                claim(m, "age", _within(_count(m) / 12, 0, 3))
            elif m.group(6) in ("月", "天") and m.group(1) and _YOUNG.search(text, 0, m.start()) \
                    and not text.startswith(("了", "多了"), m.end()) and (m.group(6) == "月" or float(m.group(1)) >= 28):
                # 孩子四十天 (round 5): a child's days from 28 on, said right after the child word, are its age
                claim(m, "age", _within(_count(m) / (12 if m.group(6) == "月" else 365), 0, 3))
            elif m.group(6) == "月" and m.group(1) and _YOUNG.search(text, 0, m.start()):
                # right after the child word even 宝宝六个月了 is the age (round 4)
                claim(m, "age", _within(_count(m) / 12, 0, 3))
            elif m.group(6) == "周" and _AROUND.search(text, 0, m.start()) \
                    and numeric.original[numeric.span(m.start(), m.end())[0]:].startswith("四周"):
                continue
            elif m.group(6) == "分钟" and m.group(1) == "1" and not m.group(2) \
                    and (_PER_MINUTE_WORD.match(text, m.end()) or not text[:m.start()].strip() + text[m.end():].strip(" 。.!！")):
                continue  # 一分钟 alone or before a count: "per minute", no duration (round 4)
            elif not _is_frequency(m):
                claim(m, "duration", _duration(m))
        each(_RELATIVE_ONSET, "duration", lambda m: _RELATIVE_HOURS[m.group(1)])
        each(_AGE_LABEL, "age", lambda m: _within(float(m.group(1)), 0, 120), whole=False)
        each(_AGE_HALF, "age", lambda m: 0.5)
        each(_PRONOUN_AGE, "age", lambda m: None if 34 <= float(m.group(1)) <= 43 else _within(float(m.group(1)), 10, 120),
             whole=False)
        each(_VACCINE_TOTAL, "vaccine_doses", lambda m: _within(float(m.group(1)), 0, 10))
        each(_VACCINE_BARE, "vaccine_doses", lambda m: _within(float(m.group(1)), 0, 10), whole=False)
        self._subject_ages(text, claim)
        each(_BARE_TEMP, "temperature", lambda m: float(m.group(1)), whole=False)
        if any(f.entity == "temperature" for f in found):
            each(_TEMP_FOLLOW, "temperature", lambda m: _within(float(m.group(1)), 35, 42.5), whole=False)
        each(_SPO2_PERCENT, "spo2", lambda m: _within(float(m.group(1)), 50, 100))
        if not found and not lexical:
            each(_AGE_ALONE, "age", lambda m: _within(float(m.group(1)), 1, 120), whole=False)
        for f in found:
            if f.entity == "temperature":
                f.value = float(f.value)  # type: ignore[arg-type]
        return found

    def _subject_ages(self, text: str, claim: Callable[..., None]) -> None:
        """我妈65 / 老人家七十多了: a bare number right after a person word is their age."""
        for term in self._persons.finditer(text):
            m = _SUBJECT_AGE.match(text, term.end())
            if m:
                claim(m, "age", _within(float(m.group(1)), 1, 120), whole=False)

    def _sex(self, normal: MappedText) -> list[_Found]:
        out = []
        for m in _SEX.finditer(normal.text):
            group = next(i for i in (1, 2, 3) if m.group(i))
            if normal.text.startswith(("男朋友", "女朋友", "男科", "妇女"), m.start(group)):
                continue
            start, end = normal.span(m.start(group), m.end(group))
            out.append(_Found("sex", _SEX_CODES[m.group(group)], start, end))
        return out

    @staticmethod
    def _pick_subject(found: list[_Found], text: str) -> list[_Found]:
        """"我" names the patient only when nobody else is named and the message is about health,
        or when it is the whole answer ("是我"); 自己 / 本人 always do. One "self" is enough.
        A person said to have died (老伴走了, 爸爸刚走, 我爸去世以后) is the one mourned, not the patient (round 6)."""
        found = [f for f in found if not (f.entity == "subject" and f.value != "self" and _DIED.match(text, f.end))]
        others = [f for f in found if f.entity == "subject" and f.value != "self"]
        clinical = any(f.entity in _CLINICAL for f in found)
        kept: list[_Found] = []
        has_self = False
        for f in found:
            if f.entity == "subject" and f.value == "self":
                bare_wo = f.end - f.start == 1
                if has_self or others or (bare_wo and not clinical and text not in _SELF_ANSWERS):
                    continue
                has_self = True
            kept.append(f)
        ages = [f.value for f in found if f.entity == "age"]
        for f in others:
            # 宝宝 is also what parents call a toddler: with an age of a year or more it is a child.
            if f.value == "infant" and any(isinstance(a, (int, float)) and a >= 1 for a in ages):
                f.value = "child"
        return kept


# Said right after a person: that person has died (bereavement). Not 走了两步 / 刚走到门口 (walking).
_DIED = re.compile(r"(?:他|她)?(?:也|都|已经|刚刚|刚|突然|去年|前年|上个月|上周|前几天|前段时间)?"
                   r"(?:走了|刚走|去世了?|过世了?|离世了?|病逝了?|不在了|没了|仙逝了?)"
                   r"(?=$|[，,。.！!？?；;~\s]|以后|之后|后|快|这|那|我|[一两二三四五六七八九十几半]+个?[年月]|[0-9]+个?[年月])")
_QUESTION_BEFORE = re.compile(r"(?:多久|几天|多少天|什么时候|啥时候|才能|能不能|会不会|怎么|能|会)\s*$")
_QUESTION_AFTER = re.compile(r"^[^，,。.;；!！]{0,4}?(?:吗|\?|？|呢|没有)")


def _asks_about(text: str, start: int, end: int) -> bool:
    """多久能转阴 / 转阴了吗 ask about a result the patient does not have (yet)."""
    return bool(_QUESTION_BEFORE.search(text[max(0, start - 6):start]) or _QUESTION_AFTER.match(text[end:end + 6]))


def _drop_corrected(found: list[_Found], original: str) -> list[_Found]:
    """不是三天，是两天: a value said to be wrong is dropped when another of its type follows."""
    last_start: dict[str, int] = {}
    for f in found:
        last_start[f.entity] = max(last_start.get(f.entity, -1), f.start)
    kept = []
    for f in found:
        later = last_start[f.entity] >= f.end
        if later and original[max(0, f.start - 2):f.start] == "不是" and f.entity not in _LEXICAL:
            continue
        kept.append(f)
    return kept


# Whose illness, or values of it: a message with these is about someone, not a generic question.
_PERSONAL = frozenset({"subject", "temperature", "spo2", "heart_rate", "respiratory_rate", "duration", "age",
                       "pregnancy", "antigen_result"})
def _asked(text: str, word: str) -> bool:
    """The question word said as a question: 吃啥都像嚼蜡 ("whatever I eat") asks nothing (round 4), nor does the
    correlative 吃什么吐什么 / 喝啥吐啥 / 吃什么拉什么 ("brings up whatever goes in", round 11)."""
    if word not in text:  # the common case, without compiling and running a pattern
        return False
    return any(not text.startswith(("都", "也"), m.end()) and not CORRELATIVE.match(text, m.start())
               for m in re.finditer(re.escape(word), text))


CORRELATIVE = re.compile(r"[吃喝][^，,。？?！!]{0,2}?(?:什么|啥)[^，,。？?！!]{0,3}?(?:吐|拉|呕|泻)[^，,。？?！!]{0,2}?(?:什么|啥)|"
                          r"(?:什么|啥)[^，,。？?！!]{0,3}?(?:吐|拉|呕|泻)[^，,。？?！!]{0,2}?(?:什么|啥)")


# Round 7: 几 after 就/才/只/好/这/前 … is "a few" (一次就几滴, 好几天, 前几天), not a question.
_QUESTION = re.compile(r"吗|？|\?|什么|怎么|(?<![就才只好这那前十没过有])几|哪|还是|多久|多长时间|要不要|能不能|是否|呢|么|啥|算不算|是不是一定")
# Round 5 (issue 11): a symptom that is no one's here — told from the news or of someone else whose story is over
# (新闻说有人喝了消毒液中毒, 同事上周咳出血住院了, 朋友说她阿嬷中风走了). Said before the symptom in the message,
# or after it for the outcome of another's story.
# (朋友说我脸色发青 is the patient's: only a friend telling of themselves or a third person — 朋友说她… — is not.)
_REPORTED = re.compile(r"新闻|报道|报纸上|网上说|网上看到|电视上|视频里|短视频里|朋友圈里|微博上|抖音上|"
                       r"(?:同事|朋友|邻居|同学|亲戚|室友)(?:说|讲)(?:她|他|自己)")
_OTHERS_OUTCOME = re.compile(r"(?:同事|朋友|邻居|同学|亲戚|室友|别人|有人|他家|她家)[^，,。.！!？?；;]{0,14}?(?:住院了|走了|去世|过世|死了|没了|进了icu|进icu|抢救)")
_LOOK_BACK = 20
# Right before a condition: asking or fearing whether it is that (是不是要中风了, 会不会是心梗, 怕是得了糖尿病).
_FEARED_CONDITION = re.compile(r"(?:是不是|会不会|该不会|不会是|怕是|担心|害怕|难道|莫非|是否)(?:要|是|得了|得|有|又)?(?:了)?$")
# Before a positive result only: fear of it is not having it (担心爸妈阳了, 怕阳了).
_FEARED = ("担心", "害怕", "怕", "就怕", "生怕", "不想", "别", "防")
_APART = 3  # characters between two mentions of a red flag in one unpunctuated clause for both to count

_CLAUSE_MARKS = frozenset("，,。.！!？?；;\n")
# Said to be had: 烧了 / 咳得 / 疼过 after the symptom, 一直 / 还在 / 老是 before it.
_HAD_IT = re.compile(r"(?:了|过|着|得|的厉害|好几)")
_HAD_IT_BEFORE = re.compile(r"一直|还在|老是|总是|有点|已经|又|反复|还是")
# What the exact reading found that a typo correction may not overlap (a cue or filler it may).
_TYPO_PROOF = frozenset({"symptom", "condition", "medication", "subject", "antigen_result", "block"})
_SELF_ANSWERS = frozenset({"我", "是我", "就是我", "给我", "给我问", "帮我问", "我的"})
_LEXICAL = frozenset({"symptom", "condition", "medication", "subject", "antigen_result"})
# 我妈65 / 我妈七十多了; not 我妈一侧… (a single digit read from 一 before a word is not an age).
_SUBJECT_AGE = re.compile(r"(?:今年|已经|都|也|快|有)?\s*(\d{2,3}(?!\s*几)|\d(?=\s*(?:多|来|了|啦|岁|$|[，,。.!！?？;；\s])))"
                          r"\s*(?:多|来)?\s*(?:了|啦)?" + _NOT_A_UNIT)


def _within(value: float, low: float, high: float) -> float | None:
    return value if low <= value <= high else None


def _celsius(m: re.Match[str]) -> float | None:
    value = float(m.group(1))
    if m.group(2):
        if "." in m.group(1):
            return None
        value += int(m.group(2)) / 10
    elif m.group(3):
        value += 0.5
    return _within(round(value, 1), 34, 43)


def _fahrenheit(m: re.Match[str]) -> float | None:
    value = float(m.group(1) or m.group(2))
    return _within(round((value - 32) * 5 / 9, 1), 34, 43) if 93 <= value <= 113 else None


_COUNT_AFTER = re.compile(r"[^，,。.;；!！?？\s\d]{0,4}\d+\s*(?:次|回|遍|下|趟)")


def _is_frequency(m: re.Match[str]) -> bool:
    """一天拉了七八次 counts events per day; it says nothing about how long the illness has lasted. Round 11: nor do
    a dose or a habit per day (一天吃几次, 一天一包烟, 一天喝两斤), the hours of sleep (每天睡五个小时), a test's
    validity (72小时核酸) or opening hours (急诊24小时开吗)."""
    text, unit = m.string, m.group(6)
    if m.group(1) == "1" and unit in ("天", "日", "小时") and (
            _COUNT_AFTER.match(text, m.end()) or _AMOUNT_AFTER.match(text, m.end())):
        return True
    if unit in ("小时", "钟头") and _SLEPT_BEFORE.search(text, 0, m.start()):
        return True
    clause = _clause_around(text, m.start(), m.end())
    if unit in ("小时", "天") and _TEST_WORDS.search(clause) and not _ILL_WORDS.search(clause):
        return True
    if unit in ("小时", "天") and _TEST_WORDS.search(text) and _WITHIN_AFTER.match(text, m.end()):
        return True  # 核酸…，要24小时内的吗: the test's validity in a clause of its own
    return (unit == "小时" and m.group(1) == "24" and bool(_OPEN_WORDS.search(text)) and not _ILL_WORDS.search(clause)
            and not text.startswith(("了", "多了"), m.end()))


# 一天一包 / 一天可以吃几回 / 一天喝两斤 / 一天抽半包: how much or how often a day, after at most four words (吃, 可以吃 …)
_AMOUNT_AFTER = re.compile(r"[^，,。.;；!！?？\s\d]{0,4}?(?:\d+|几|半|两)\s*(?:次|回|遍|顿|包|片|粒|袋|支|根|瓶|杯|斤|两|盒|颗|粒|口|碗|顿)")
_SLEPT_BEFORE = re.compile(r"睡(?:觉)?(?:了|的)?(?:不到|只有|只|才|大概|大约|差不多)?\s*$")
_WITHIN_AFTER = re.compile(r"\s*(?:内|以内|之内|有效)")
_TEST_WORDS = re.compile(r"核酸|抗原|阴性证明|检测报告")
_ILL_WORDS = re.compile(r"烧|咳|疼|痛|吐|拉|喘|晕|阳了|症状|难受")
_OPEN_WORDS = re.compile(r"开门|开吗|开不开|都开|营业|值班|接诊|门诊|急诊|药房|医院|有人吗|服务")


def _clause_around(text: str, start: int, end: int) -> str:
    """The clause a match stands in (between punctuation marks)."""
    left = max((i + 1 for i in range(start) if text[i] in "，,。;；!！?？"), default=0)
    right = next((i for i in range(end, len(text)) if text[i] in "，,。;；!！?？"), len(text))
    return text[left:right]


def _duration(m: re.Match[str]) -> float | None:
    number, upper, half_alone, ge, half_mid, unit, half_after = m.groups()
    if unit == "月" and not ge and not (half_mid or half_after):
        # 3月 is a date more often than three months; 3个月 is a duration.
        after = m.string[m.end():m.end() + 1]
        if after not in ("了", "多", "来", "余"):
            return None
    if unit == "年" and number and float(number) > 100:
        return None
    amount = 0.5 if half_alone else float(upper or number)
    if half_mid or half_after:
        amount += 0.5
    return _within(amount * _HOURS[unit], 0, 87600)


# Round 8 (issue 11): a blister in a message that tells of a scald or burn is the burn's (被开水烫到，起了个大水泡), not a
# rash — a shingles name (缠腰龙, 带状疱疹) stays the rash it is.
_BLISTER = re.compile("[泡疱抛炮]")
_SHINGLES = re.compile("缠腰|蛇|带状|串腰")


def _burn_blisters(found: list[_Found], normal: MappedText) -> list[_Found]:
    if not any(f.entity == "symptom" and f.value == "burn" and not f.negated for f in found):
        return found
    original = normal.original
    for f in found:
        said = original[f.start:f.end]
        if f.entity == "symptom" and f.value == "rash" and _BLISTER.search(said) and not _SHINGLES.search(said):
            f.value = "burn"
    return found


# Round 10 (issue 11): sleep lost to a bodily symptom named just before it (咳得睡不着, 耳朵疼得睡不着, 鼻塞睡不好,
# 咳嗽晚上睡不好) is that symptom's consequence, not insomnia — the blind sets (v8–v11, from vocabulary.yml) never
# annotate it so, and it must not steer a cough to the psychological screen. Worry or low mood that keeps one awake
# (担心得睡不着) keeps the insomnia.
_AWAKE_CAUSE = re.compile(r"(?:咳|疼|痛|痒|憋|喘|堵|鼻塞|吐|拉|烧|闷|难受|不舒服|胀|抽筋)")
_AWAKE_GAP = re.compile(r"^[得的到都也了就还又整晚上夜里一着根本完全疼痛]{0,6}$")
_INSIDE_CODES = {"咳": "cough", "痒": "itching"}
_MOOD_CODES = frozenset({"anxiety", "low_mood", "suicidal_ideation", "self_harm", "insomnia"})
_SLEEPLESS = re.compile(r"(?:睡不着|睡不好|睡不踏实|没法睡|合不上眼|没睡着|醒好几次)")


def _kept_awake(found: list[_Found], normal: MappedText) -> list[_Found]:
    original = normal.original
    causes = [g for g in found if g.entity == "symptom" and not g.negated and g.value not in _MOOD_CODES]
    out = []
    for f in found:
        if f.entity == "symptom" and f.value == "insomnia" and not f.negated:
            said = original[f.start:f.end]
            sleepless = _SLEEPLESS.search(said)
            inside = _AWAKE_CAUSE.search(said[:sleepless.start()]) if sleepless else None
            if inside:
                # 晚上咳得睡不着: the grammar read the whole as sleep; the symptom inside it is what was said.
                code = _INSIDE_CODES.get(inside.group())
                if code and not any(g.value == code for g in causes):
                    out.append(_Found("symptom", code, f.start + inside.start(), f.start + inside.end(), False))
                continue
            if sleepless and any(g.end <= f.start and _AWAKE_GAP.match(original[g.end:f.start]) for g in causes):
                continue
        out.append(f)
    return out


# Round 10 (issue 11): no voice (说不出话, 讲不出话来) beside a hoarse voice or a sore throat (嗓子哑了，说不出话) is the
# voice lost to the throat, not the slurred speech of a stroke (FAST asks about words said badly, not unsaid).
_NO_VOICE = re.compile(r"^(?:都|也|完全|根本|几乎)?(?:说|讲)不(?:出|了)(?:话|声)(?:来|了)?$")
_THROAT_CODES = frozenset({"hoarseness", "sore_throat"})


def _voice_lost(found: list[_Found], normal: MappedText) -> list[_Found]:
    if not any(f.entity == "symptom" and f.value in _THROAT_CODES and not f.negated for f in found):
        return found
    original = normal.original
    return [f for f in found if not (f.entity == "symptom" and f.value == "slurred_speech"
                                     and _NO_VOICE.match(original[f.start:f.end]))]


# Round 13: heavy bleeding (大出血, 血止不住) in a message about a period, a birth or a pregnancy is the womb's — vaginal
# bleeding as well as bleeding (`symptoms.yml: womb_context`); a period said to bleed heavily (来月经大出血) is both too.
_WOMB = load_yaml((LEXICON_DIR / "symptoms.yml").read_text(encoding="utf-8")).get("womb_context") or {}
_WOMB_CONTEXT = re.compile("|".join(map(re.escape, sorted(_WOMB.get("context") or [], key=len, reverse=True))) or "(?!)")
_HEAVY = re.compile("|".join(map(re.escape, sorted(_WOMB.get("heavy") or [], key=len, reverse=True))) or "(?!)")


def _womb_bleeding(found: list[_Found], normal: MappedText) -> list[_Found]:
    symptoms = [f for f in found if f.entity == "symptom" and not f.negated and not f.asked]
    codes = {f.value for f in symptoms}
    original = normal.original
    out = list(found)
    if "vaginal_bleeding" not in codes and _WOMB_CONTEXT.search(normal.text):
        for f in symptoms:
            if f.value == "bleeding":
                out.append(_Found("symptom", "vaginal_bleeding", f.start, f.end, False))
                break
    if "bleeding" not in codes:
        for f in symptoms:
            if f.value == "vaginal_bleeding" and _HEAVY.search(normalise(original[f.start:f.end]).text):
                out.append(_Found("symptom", "bleeding", f.start, f.end, False))
                break
    return out


# Round 5 (issue 11): a child who is listless (没精神, 蔫, 老想睡) is drowsy — the danger sign "lethargic or
# unusually sleepy" of WHO IMCI (2014) — whereas an adult's 没精神 stays fatigue.
_LISTLESS = ("没精神", "没什么精神", "没啥精神", "精神头不好", "没力气", "没劲", "乏力", "提不起劲", "软绵绵", "无力")
_CHILD_SUBJECTS = frozenset({"child", "infant"})


def _child_drowsy(found: list[_Found], normal: MappedText) -> list[_Found]:
    if not any(f.entity == "subject" and f.value in _CHILD_SUBJECTS for f in found):
        return found
    original = normal.original
    seen = {f.value for f in found if f.entity == "symptom"}
    out = []
    for f in found:
        if f.entity == "symptom" and f.value == "fatigue" and original[f.start:f.end].startswith(_LISTLESS[:3]):
            if "drowsiness" in seen:
                continue
            f.value = "drowsiness"
            seen.add("drowsiness")
        out.append(f)
    return out


# 要是睡一觉再也不醒就好了 / 如果能一了百了该多好: a wish, not a supposition — said of one's own death it is the passive
# ideation of C-SSRS item 1 (round 6), so 要是/如果 before it do not drop it.
_WISHED = re.compile(r"[^，,。.！!？?；;]{0,3}?(?:就好了|就好|该多好|多好|就解脱了|就轻松了)")
_WISH_SAID = re.compile(r"(?:就好了|该多好|多好)$")  # the wish inside the word read (一睡不醒该多好)


def _first_mentions(found: list[_Found], text: str = "", red_flags: frozenset[str] = frozenset()) -> list[_Found]:
    """One entity per symptom said: 吐了五六次了，喝水也吐 is one vomiting, at its first mention.

    A later mention with the other polarity (不咳了……又咳起来) is kept: it says something new. So is a sign said again
    in another clause in other words (一边脸耷拉下来，喝水从嘴角漏: two signs of a drooping face, each with its own span,
    round 6 for the red flags; 眼皮肿了，舌头也肿 — two signs of angio-oedema, round 8 for every code) — the engine
    reads the code once either way, and a scorer that looks for each sign finds it. The same word again, or a word inside
    the other (吐 … 吐了, 咳嗽 … 咳), is the same sign repeated and is dropped. `red_flags` is kept for callers.
    """
    seen: dict[tuple[object, bool], list[_Found]] = {}
    kept = []
    # Where the clause boundaries are, found once: asking each repeated mention about the text between it and
    # every earlier one made a long message quadratic ("发烧" × 5000: 4 s, past WeChat's 5-second reply).
    bounds = [i for i, ch in enumerate(text) if ch in _CLAUSE_MARKS]
    for f in sorted(found, key=lambda f: (f.start, f.end)):
        if f.entity == "symptom":
            key = (f.value, bool(f.negated))
            if key in seen:
                # Round 10: a red flag said again in other words further on in a message typed without punctuation
                # (咳嗽喘得厉害走两步就喘不上气) is a second sign too. Round 13: so is a denial said again in other
                # words in another clause (没有脸肿，也没有喉咙发紧), a sign in other words right beside the last one in
                # a list (尿频尿急, 眼红眼睛疼, 腰痛背痛), and the verb said again with its own duration or result
                # (发烧烧了一个月, 呕吐，吐到胃疼) — but not the same word repeated (吐了五六次，喝水也吐).
                if not (text and all(_another_sign(text, bounds, g, f, red_flags) for g in seen[key])):
                    continue
            seen.setdefault(key, []).append(f)
        kept.append(f)
    return kept


def _another_sign(text: str, bounds: list[int], g: _Found, f: _Found, red_flags: frozenset[str]) -> bool:
    """Whether `f`, said after `g` of the same code and polarity, is a sign of its own (see `_first_mentions`)."""
    said, before = text[f.start:f.end], text[g.start:g.end]
    if _same_words(before, said):
        # 咳嗽咳了两个月 / 呕吐，吐到胃疼: the verb again, carrying what the first word did not (round 13).
        return len(said.rstrip("了的得")) < len(before.rstrip("了的得")) and bool(_COMPLEMENT.match(text, f.end))
    if f.start - g.end <= 1 and _LIST_JOIN.fullmatch(text[g.end:f.start]):
        return True  # 尿频尿急 / 眼红眼睛疼 / 腰痛、背痛: two words in a list
    return _other_clause(bounds, g, f) or (not f.negated and f.value in red_flags and f.start - g.end >= _APART)


# Round 13: what a symptom verb said again carries: a duration (烧了一个月, 咳了两个礼拜) or a result (吐到胃疼, 咳得胸口疼).
_COMPLEMENT = re.compile(r"(?:了|有)?(?:快|将近|差不多|都|近|有)?(?:[一二两三四五六七八九十几半整\d]+|好几|成)个?多?(?:天|日|周|星期|礼拜|月|年|小时|钟头)"
                         r"|到[^了，,。.！!？?；;\s]|得[^很了，,。.！!？?；;\s]")
_LIST_JOIN = re.compile(r"[、和跟及与又也还]?")


def _same_words(a: str, b: str) -> bool:
    """吐 and 吐了, 咳嗽 and 咳: one said inside the other (a trailing 了/的/得 aside)."""
    a, b = a.rstrip("了的得"), b.rstrip("了的得")
    return bool(a) and bool(b) and (a in b or b in a)


_CLAUSE_MARKS = frozenset("，,。.！!？?；;\n")


def _other_clause(bounds: list[int], a: _Found, b: _Found) -> bool:
    """A clause boundary (punctuation; `bounds`: their positions, in order) stands between two mentions."""
    i = bisect.bisect_left(bounds, a.end)
    return i < len(bounds) and bounds[i] < b.start
