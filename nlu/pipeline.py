"""The analysis shared by training and parsing: normalise, segment (spaCy `zh` + jieba + lexicon),
extract entities, and turn the message into the classifier's features.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from typing import TYPE_CHECKING

import jieba

from nlu.entities import CORRELATIVE, EntityExtractor
from nlu.lexicon import ENTITY_KINDS, Lexicon, load_lexicon
from nlu.result import Entity
from nlu.text import MappedText, normalise, numeric_view

if TYPE_CHECKING:
    from spacy.language import Language

# Entity types whose text says nothing about the intent beyond "a value was given": masked in the
# n-grams by one placeholder each, so that 38度5 and 39度2 look the same to the classifier.
_PLACEHOLDERS = {
    "temperature": "\ue001", "spo2": "\ue002", "heart_rate": "\ue003", "respiratory_rate": "\ue004",
    "duration": "\ue005", "age": "\ue006", "vaccine_doses": "\ue007", "pregnancy": "\ue008",
}
_LENGTHS = (1, 2, 4, 8, 16, 32)


@dataclass(frozen=True)
class Analysis:
    """What the pipeline read in one message."""

    normal: MappedText
    entities: list[Entity]
    features: list[str]


def _teach_jieba(lexicon: Lexicon) -> None:
    """The lexicon's words, kept whole by jieba's segmenter. What they change in `jieba.dt` is noted on it
    (`wenzhen_loaded_total`, `wenzhen_taught`: each word and prefix as it was before), so that a
    tokenizer laid over the process's one dictionary can see it as loaded (actions/knowledge/terms.py)."""
    jieba.setLogLevel(logging.WARNING)
    dt = jieba.dt
    dt.check_initialized()
    if not hasattr(dt, "wenzhen_taught"):
        dt.wenzhen_loaded_total = dt.total
        dt.wenzhen_taught = {}
    taught: dict[str, int | None] = dt.wenzhen_taught
    for term, word in lexicon.words.items():
        if word.kind in ENTITY_KINDS and len(term) > 1:
            for end in range(1, len(term) + 1):
                if term[:end] not in taught:
                    taught[term[:end]] = dt.FREQ.get(term[:end])
            jieba.add_word(term, freq=20000)


def words(text: str) -> list[str]:
    """The words of a text, as spaCy's `zh` tokenizer with the jieba segmenter gives them less its
    whitespace tokens: jieba's precise mode (HMM on), whitespace dropped. Segmenting with jieba itself
    keeps spaCy (about 65 MB with thinc) out of a serving process; `Pipeline.nlp` still builds spaCy's
    object on demand, and tests/package/test_memory.py compares the two."""
    return [w for w in jieba.cut(text, cut_all=False) if w and not w.isspace()]


class Pipeline:
    """Stateless after construction; one per process is enough."""

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or load_lexicon()
        self.extractor = EntityExtractor(self.lexicon)
        _teach_jieba(self.lexicon)
        self._nlp: Language | None = None

    @property
    def nlp(self) -> Language:
        """spaCy's Chinese language class with the jieba segmenter (built, and spaCy imported, on first use)."""
        if self._nlp is None:
            import spacy

            self._nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        return self._nlp

    def analyse(self, text: str) -> Analysis:
        normal = normalise(text)
        entities = self.extractor.extract(normal, numeric_view(normal))
        # The intent reads the message as before round 11: a symptom only named in a general question is no report.
        return Analysis(normal, entities, self._features(normal, [e for e in entities if not e.asked]))

    def _features(self, normal: MappedText, entities: list[Entity]) -> list[str]:
        masked = _masked(normal, entities)
        features = ["bias"]
        padded = f"^{masked}$"
        for n in (1, 2, 3):
            features += [f"c{n}:{padded[i:i + n]}" for i in range(len(padded) - n + 1)]
        features += [f"w:{w}" for w in words(masked)]
        features += self._reading(normal.text, entities)
        size = len(masked.strip())
        features.append(f"len:{next((b for b in _LENGTHS if size <= b), 'long')}")
        return features


    def _reading(self, text: str, entities: list[Entity]) -> list[str]:
        """What the entity reading says about the message, so that the intent does not hang on single
        words: a symptom (a red flag?) present or denied, whose, a value given, an overdose, question form,
        a cry for help."""
        features = []
        present = 0
        for e in entities:
            features.append(f"e:{e.entity}")
            if e.negated is not None:
                features.append(f"e:{e.entity}:{'neg' if e.negated else 'pos'}")
            if e.entity == "symptom" and not e.negated:
                present += 1
                # Round 8: feelings (vocabulary.yml's psych_support) against the body and against a danger to self,
                # so that 睡不着 decides nothing alone: 牙疼得睡不着 is a report, 焦虑睡不着 psych_support.
                features.append(f"e:kind:{_SYMPTOM_KIND.get(str(e.value), 'body')}")
                if e.value in self.lexicon.red_flags:
                    features.append("e:red_flag")
            if e.entity == "subject":
                features.append(f"e:subject:{e.value}")
            if e.amount is not None:
                features.append("e:amount")
        if present:
            features.append(f"e:symptoms:{min(present, 3)}")
        if _QUESTION.search(CORRELATIVE.sub("", text)):  # 吃什么吐什么 asks nothing (round 11)
            features.append("form:question")
        if _CRY.search(text):
            features.append("form:cry_for_help")
        if _URGENT.search(text):
            # 怎么办啊 / 来不及了 / 快点 / 急死了: something happening now, said in a hurry (round 8).
            features.append("form:urgent")
        if _ANIMAL.search(text):
            # 我家狗狗发烧了: the patient is an animal, which the bot does not handle.
            features.append("form:animal")
        if any(w in text for w in self.lexicon.conditional) or _FEAR.search(text):
            # 万一爸妈阳了怎么办 / 要是孩子半夜烧起来: a supposed illness, asked about, not reported.
            features.append("form:hypothetical")
        return features


# Question form: the classifier learns that "阳了要不要吃头孢" asks, whereas "我阳了" tells.
_QUESTION = re.compile(r"吗|吧[?？]?$|要不要|能不能|可不可以|可以.{0,6}吗|会不会|是不是|该不该|怎么|什么|啥|多少|几[个片次天度毫]|哪|多久|[?？]|呢$")
# Fear of an illness not (yet) had: 担心爸妈阳了 / 怕孩子被传染.
_FEAR = re.compile(r"(?:担心|害怕|怕|就怕|生怕).{0,6}(?:阳|感染|传染|中招|得)")
# The kind of a symptom code for the intent (round 8): a feeling, a danger to self, or (any other code) the body.
_SYMPTOM_KIND = {"low_mood": "feeling", "anxiety": "feeling", "insomnia": "feeling",
                 "suicidal_ideation": "danger_to_self", "self_harm": "danger_to_self"}
# Urgency short of a cry for help (round 8, vocabulary.yml's emergency_help 快不行了): a hurry or a helpless
# 怎么办 with 啊/！, but not a calm 怎么办 question (发烧了怎么办) nor the emergency room (急诊) or 急性.
_URGENT = re.compile(r"怎么办[啊呀啦！!]|咋办[啊呀！!]|怎麼辦[啊呀！!]|来不及|來不及|快不行|不行了|快点|快點|赶紧|趕緊|赶快|快快|"
                     r"急死|急啊|急[！!]|快[！!]|快来|快帮|快救|帮帮我|救我")
# A pet as the patient.
_ANIMAL = re.compile(r"狗|猫|宠物|兔子|鹦鹉|仓鼠|乌龟|金鱼|鸟儿|小鸟|荷兰猪|龙猫")
# A cry for help: 救命 / 急！… / 快救救 / 快打120.
_CRY = re.compile(r"救命|救救|^\s*急|急急|求救|快打120|快叫救护车|快来人")


_FAREWELL = re.compile(r"^\s*(?:88|886|8888|88888)\s*[!！~。.]*\s*$")


def _masked(normal: MappedText, entities: list[Entity]) -> str:
    """The normalised text with valued entities as placeholders and other digits as 0 — except the chat
    farewell 88 / 886 said alone, which is a word, not a number (round 4)."""
    if _FAREWELL.match(normal.text):
        return normal.text
    marks: dict[int, str] = {}
    for e in entities:
        if e.entity in _PLACEHOLDERS:
            marks.update(dict.fromkeys(range(e.start, e.end), _PLACEHOLDERS[e.entity]))
    out: list[str] = []
    for char, start in zip(normal.text, normal.starts):
        mark = marks.get(start)
        if mark is not None:
            if not out or out[-1] != mark:
                out.append(mark)
        else:
            out.append("0" if char.isdigit() else char)
    return "".join(out)
