"""The parse result: what the NLU hands to the engine (Rasa's `/model/parse` shape, CONTRACTS.md §3)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Intent:
    """An intent name with the classifier's confidence (0..1)."""

    name: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "confidence": round(float(self.confidence), 4)}


@dataclass(frozen=True)
class Amount:
    """How much of a medicine: `value` in `unit` (tablet, sachet, blister, bottle, box, mg, g, ml, handful)."""

    value: float
    unit: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "text": self.text}


@dataclass(frozen=True)
class Entity:
    """One entity found in the text; `start`/`end` are character offsets into the original text."""

    entity: str
    value: Any
    start: int
    end: int
    text: str
    negated: bool | None = None
    # Medications only (extensions of CONTRACTS §3; absent from the JSON when empty): the amount
    # said to be taken, and the active ingredients, so a combination cold remedy shows its acetaminophen.
    amount: Amount | None = None
    ingredients: tuple[str, ...] = ()
    # Symptoms only (round 11, an extension of CONTRACTS §3, absent from the JSON when false): named in a question
    # that names no patient (发烧吃什么药, 胸闷要去医院吗). The contract's NLU reports what the text names; whether
    # anyone has it is the reader's to decide (the engine sets these aside: `ParseResult.without_asked`).
    asked: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"entity": self.entity, "value": self.value}
        if self.negated is not None:
            data["negated"] = self.negated
        data.update(start=self.start, end=self.end, text=self.text)
        if self.amount is not None:
            data["amount"] = self.amount.to_dict()
        if self.ingredients:
            data["ingredients"] = list(self.ingredients)
        if self.asked:
            data["asked"] = True
        return data


@dataclass(frozen=True)
class ParseResult:
    """The NLU's reading of one message."""

    text: str
    intent: Intent
    intent_ranking: list[Intent] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent.to_dict(),
            "intent_ranking": [i.to_dict() for i in self.intent_ranking],
            "entities": [e.to_dict() for e in self.entities],
        }

    def without_asked(self) -> "ParseResult":
        """The parse without the symptoms only named in a general question: what the engine reads as facts."""
        if not any(e.asked for e in self.entities):
            return self
        return ParseResult(self.text, self.intent, self.intent_ranking, [e for e in self.entities if not e.asked])

    def entities_of(self, entity_type: str) -> list[Entity]:
        return [e for e in self.entities if e.entity == entity_type]
