"""The words driver: a simulated patient who talks to the bot in Chinese, never in payloads (issue 10).

A vignette (format: tests/triage/blind/VIGNETTE_FORMAT.md) opens with the patient's own text and
holds `facts` keyed by generic topics and vocabulary symptom codes, in the patient's own words.
The driver sends the opening to `POST /webhooks/rest/webhook`, reads from the tracker which slot
the bot waits for, maps that slot to a facts topic (`TOPICS` below: the harness table) and sends
the patient's words. Anything the facts do not hold is answered "没有" (a symptom question) or
"不清楚" (anything else). A button is only ever "tapped" by sending its visible title.

`run_set` drives a whole file with a few conversations at once and returns a `WordsScore`, which
prints 4-level accuracy, emergency recall, under-triage, self-care accuracy, conversations
without a decision, the median and maximum number of questions before the decision and the
confusion matrix. `bench/triage_words.py FILE` runs any vignette file this way.
"""
from __future__ import annotations

import asyncio
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from actions.triage.ruleset import LEVELS

NO_DECISION = "none"
HUMAN = "human"  # the conversation reached a person (a handoff) instead of a triage decision
MAX_TURNS = 30
SYMPTOM_NO = "没有"
OTHER_UNKNOWN = "不清楚"

# The harness table: which facts topic answers which pending slot. A list is tried in order; the
# first topic the vignette has answers. `symptoms.<code>` reads the vignette's symptom map.
TOPICS: dict[str, tuple[str, ...]] = {
    "subject": ("who",),
    "age": ("age",),
    "age_months": ("age",),
    "sex": ("sex",),
    "weight_kg": ("weight",),
    "complaint_text": ("complaint",),
    "temperature": ("temperature",),
    "symptoms.fever": ("symptoms.fever", "temperature"),
    "duration_hours": ("duration",),
    "fever_persists_despite_medication": ("medicines+temperature",),
    "covid_test": ("antigen",),
    "antigen_result": ("antigen",),
    "has_oximeter": ("spo2",),
    "spo2": ("spo2",),
    "can_count_breaths": ("respiratory_rate",),
    "respiratory_rate": ("respiratory_rate",),
    "heart_rate": ("heart_rate",),
    "breathless_at_rest": ("symptoms.dyspnea",),
    "breathing_severity": ("symptoms.dyspnea",),
    "conditions_answer": ("conditions",),
    "underlying_worsening": ("conditions",),
    "pregnant": ("pregnancy",),
    "pregnancy_weeks": ("pregnancy",),
    "vaccine_doses": ("vaccine",),
    "other_symptoms": ("other",),
    "medicines_taken": ("medicines",),
    "pain_score": ("pain",),
    "exposure_answer": ("travel+exposure",),
    "co_exposure": ("exposure",),
    "travel_malaria": ("travel",),
    "tick_grass_exposure": ("exposure",),
    "recent_immobility": ("recent_immobility",),
    "eating_drinking": ("eating_drinking",),
    "symptoms.decreased_urination": ("symptoms.decreased_urination", "urine"),
    "symptoms.drowsiness": ("symptoms.drowsiness", "alertness"),
    "symptoms.confusion": ("symptoms.confusion", "alertness"),
    "symptoms.refusal_to_feed": ("symptoms.refusal_to_feed", "eating_drinking"),
    "symptoms.suicidal_ideation": ("symptoms.suicidal_ideation", "suicidal_thoughts"),
    "suicide_plan": ("suicidal_thoughts",),
    "phq2_interest": ("phq_interest",),
    "phq2_mood": ("phq_down",),
    "gad2_nervous": ("gad_nervous",),
    "gad2_worry": ("gad_worry",),
    "wants_doctor": ("wants_doctor",),
    "gi_answer": ("symptoms.vomiting+symptoms.diarrhea",),
    # Questions about several symptoms at once: the patient says what they said about each.
    "symptoms.vomiting_or_diarrhea": ("symptoms.vomiting+symptoms.diarrhea",),
    "symptoms.fast_signs": ("symptoms.facial_droop+symptoms.limb_weakness+symptoms.slurred_speech",),
    "symptoms.pregnancy_warning": ("symptoms.headache+symptoms.dizziness+symptoms.palpitations+symptoms.chest_tightness",),
    # Discriminators the bot asks under codes of its own (not vocabulary codes the writer could key):
    # the patient answers with what they said about the symptom the discriminator refines.
    "symptoms.abdominal_tenderness": ("symptoms.abdominal_pain",),
    "symptoms.writhing": ("symptoms.abdominal_pain", "symptoms.back_pain"),
    "symptoms.flank_pain": ("symptoms.back_pain", "symptoms.abdominal_pain"),
    "symptoms.testicular_pain": ("symptoms.abdominal_pain",),
    "symptoms.missed_period": ("pregnancy",),
    "symptoms.leg_pain": ("symptoms.leg_swelling",),
    "symptoms.spreading_redness": ("symptoms.rash",),
    "symptoms.nonblanching_rash": ("symptoms.rash",),
    "symptoms.foot_drop": ("symptoms.limb_weakness",),
    "symptoms.saddle_numbness": ("other",),
    "symptoms.incontinence": ("other",),
    "symptoms.drooling": ("symptoms.sore_throat", "eating_drinking"),
    "symptoms.pallor": ("other",),
    "symptoms.sweating": ("other",),
    "symptoms.radiating_pain": ("symptoms.chest_pain", "complaint"),
    "symptoms.shingles": ("symptoms.rash",),
    "symptoms.eye_chemical": ("symptoms.eye_pain",),
}
# Pain questions are answered with the words the patient used about the painful part.
PAIN_CODES = ("abdominal_pain", "chest_pain", "severe_headache", "headache", "back_pain", "eye_pain",
              "ear_pain", "toothache", "joint_pain", "myalgia", "sore_throat")
# What a patient answers to a question about themselves that no fact covers.
DEFAULTS = {"wants_doctor": "不用了", "subject": "我自己"}


@dataclass(frozen=True)
class WordVignette:
    id: str
    opening: str
    expected: str
    facts: dict[str, Any]
    tags: tuple[str, ...] = ()
    condition: str = ""


def load_word_vignettes(path: Path) -> list[WordVignette]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["vignettes"]
    return [
        WordVignette(id=str(v["id"]), opening=str(v["opening"]), expected=str(v["expected"]),
                     facts=dict(v.get("facts") or {}), tags=tuple(v.get("tags") or ()),
                     condition=str(v.get("condition", "")))
        for v in raw
    ]


def _fact(facts: dict[str, Any], topic: str) -> str | None:
    """The patient's words for a topic, or None when the vignette does not say."""
    if topic == "medicines+temperature":
        parts = [str(facts[k]) for k in ("medicines", "temperature") if facts.get(k)]
        return "，".join(parts) or None
    if "+" in topic and topic != "medicines+temperature":
        parts = [said for part in topic.split("+") if (said := _fact(facts, part))]
        return "，".join(parts) or None
    if topic == "travel+exposure":
        parts = [str(facts[k]) for k in ("travel", "exposure") if facts.get(k)]
        return "，".join(parts) or None
    if topic == "pain":
        symptoms = facts.get("symptoms") or {}
        for code in PAIN_CODES:
            if symptoms.get(code):
                return str(symptoms[code])
        return str(facts["complaint"]) if facts.get("complaint") else None
    if topic.startswith("symptoms."):
        value = (facts.get("symptoms") or {}).get(topic.partition(".")[2])
        return None if value is None else str(value)
    if topic in ("phq_interest", "phq_down", "gad_nervous", "gad_worry", "suicidal_thoughts"):
        mood = facts.get("mood")
        value = facts.get(topic, mood.get(topic) if isinstance(mood, dict) else None)
        return None if value is None else str(value)
    value = facts.get(topic)
    return None if value is None else str(value)


# Yes/no questions about a finding (not a symptom code) that the format lists as facts topics: the
# writer was told to put every positive finding in the facts, so an absent one is a "no".
FINDINGS = frozenset({"recent_immobility", "travel_malaria", "tick_grass_exposure"})


def answer_for(slot: str, facts: dict[str, Any]) -> str:
    """What the simulated patient says when the bot waits for `slot`."""
    for topic in TOPICS.get(slot, (slot,)):
        said = _fact(facts, topic)
        if said:
            return said
    if slot in DEFAULTS:
        return DEFAULTS[slot]
    return SYMPTOM_NO if slot.startswith("symptoms.") or slot in FINDINGS else OTHER_UNKNOWN


@dataclass
class Talk:
    """One driven conversation: what the bot asked, what the patient said, how it ended."""

    vignette: WordVignette
    decided: str = NO_DECISION
    rules: list[str] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)

    @property
    def questions(self) -> int:
        return len(self.asked)


class WordsPatient:
    """Drives one vignette through the REST channel of a running bot."""

    def __init__(self, http: httpx.AsyncClient, vignette: WordVignette, prefix: str = "words") -> None:
        self.http = http
        self.talk = Talk(vignette)
        self.sender = f"{prefix}-{vignette.id}"

    async def say(self, text: str) -> list[dict[str, Any]]:
        self.talk.said.append(text)
        response = await self.http.post("/webhooks/rest/webhook", json={"sender": self.sender, "message": text})
        response.raise_for_status()
        return response.json()

    async def run(self) -> Talk:
        facts = self.talk.vignette.facts
        replies = await self.say(self.talk.vignette.opening)
        restated = False
        for _ in range(MAX_TURNS):
            decided = _decided(replies)
            if decided is not None:
                self.talk.decided, self.talk.rules = decided
                return self.talk
            tracker = (await self.http.get(f"/conversations/{self.sender}/tracker")).json()
            if (tracker.get("handoff") or {}).get("status"):
                self.talk.decided = HUMAN
                return self.talk
            waiting = tracker["stack"][-1]["waiting_for"] if tracker.get("stack") else None
            if waiting is None:
                if restated:
                    return self.talk
                # Not taken up as a complaint: a patient says what is wrong once more, in words.
                restated = True
                self.talk.asked.append("(restate)")
                replies = await self.say(str(facts.get("complaint") or self.talk.vignette.opening))
                continue
            self.talk.asked.append(waiting)
            replies = await self.say(answer_for(waiting, facts))
        return self.talk


def _decided(replies: list[dict[str, Any]]) -> tuple[str, list[str]] | None:
    for reply in replies:
        triage = (reply.get("custom") or {}).get("triage")
        if triage:
            return str(triage["level"]), list(triage.get("rules") or ())
    return None


@dataclass
class WordsScore:
    talks: list[Talk]

    def _rows(self, level: str) -> list[Talk]:
        return [t for t in self.talks if t.vignette.expected == level]

    @property
    def accuracy(self) -> float:
        return sum(t.decided == t.vignette.expected for t in self.talks) / max(1, len(self.talks))

    def accuracy_of(self, level: str) -> float:
        rows = self._rows(level)
        return sum(t.decided == level for t in rows) / max(1, len(rows))

    @property
    def under_triaged_emergencies(self) -> list[str]:
        return [t.vignette.id for t in self._rows("emergency") if t.decided != "emergency"]

    @property
    def under_triaged(self) -> list[str]:
        """Every case decided at a lower level than expected (or not decided at all)."""
        def rank(level: str) -> int:
            return LEVELS.index(level) if level in LEVELS else len(LEVELS)
        return [t.vignette.id for t in self.talks if rank(t.decided) > rank(t.vignette.expected)]

    @property
    def undecided(self) -> list[str]:
        return [t.vignette.id for t in self.talks if t.decided == NO_DECISION]

    @property
    def question_counts(self) -> list[int]:
        return [t.questions for t in self.talks if t.decided != NO_DECISION]

    def matrix(self) -> str:
        columns = [*LEVELS, HUMAN, NO_DECISION]
        counts = Counter((t.vignette.expected, t.decided) for t in self.talks)
        lines = ["expected \\ decided " + " ".join(f"{c:>9}" for c in columns) + "   accuracy"]
        for level in LEVELS:
            cells = " ".join(f"{counts[(level, c)]:>9}" for c in columns)
            lines.append(f"{level:<19}{cells}   {self.accuracy_of(level):.0%}")
        return "\n".join(lines)

    def report(self, title: str, details: bool = True) -> str:
        counts = self.question_counts or [0]
        lines = [
            title,
            f"vignettes {len(self.talks)}; 4-level accuracy {self.accuracy:.1%}; emergency recall "
            f"{self.accuracy_of('emergency'):.1%}; emergencies under-triaged {len(self.under_triaged_emergencies)}; "
            f"under-triaged (any level) {len(self.under_triaged)}; self-care accuracy {self.accuracy_of('selfcare'):.1%}; "
            f"no decision {len(self.undecided)}; questions before the decision: median {statistics.median(counts):g}, "
            f"max {max(counts)}",
            self.matrix(),
        ]
        if details:
            for t in self.talks:
                if t.decided != t.vignette.expected:
                    lines.append(f"  {t.vignette.id} expected {t.vignette.expected}, got {t.decided} "
                                 f"[{t.vignette.condition}] rules {t.rules} asked: {', '.join(t.asked) or 'nothing'}")
        return "\n".join(lines)


async def run_set(http: httpx.AsyncClient, vignettes: list[WordVignette], concurrency: int = 4,
                  prefix: str = "words") -> WordsScore:
    """Drive every vignette (a few at a time, as patients arrive in production)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(v: WordVignette) -> Talk:
        async with gate:
            return await WordsPatient(http, v, prefix).run()

    return WordsScore(list(await asyncio.gather(*(one(v) for v in vignettes))))
