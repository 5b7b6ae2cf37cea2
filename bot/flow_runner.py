"""The flow runner: moves the dialogue stack through flows/*.yml for one turn.

It applies the patterns every flow gets (cancel, help, correction, digression, fallback),
fills the pending question from the answer, and runs steps until the bot must wait for the
patient again or no flow is left.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Callable

from bot import events as ev
from bot.action_api import ActionContext, ActionFunc
from bot.button_titles import ordinal_index
from bot.answers import (AnswerContext, asks_question, fold, is_correction, medicine_question_split, negates_stop, no_fever_said, normal,
                         numbers, only_unknown, other_symptoms_said, pattern, read_answer, topic_said,
                         wants_human, wants_to_stop, words)
from bot.flow_loader import END, UNKNOWN, Flow, FlowSet, Step
from bot.red_flag_questions import red_flag_questions, red_flags_named
from bot.state import Frame
from bot.turn import Turn
from nlu import Intent, ParseResult

log = logging.getLogger("wenzhen.flows")

# Intents that answer a question rather than ask for something new.
ANSWER_INTENTS = frozenset({"inform", "affirm", "deny", "out_of_scope"})
# Intents that are never an answer to the pending question: a patient can always stop, ask for
# help, or reach a human, whatever the bot just asked.
ESCAPE_INTENTS = frozenset({"cancel", "help", "request_doctor", "emergency_help"})
EMPTY = "empty_message"  # what the engine calls a message with no text, payload or attachment
# How many questions in a row were given up (slot): at `unanswered_limit` the intake decides.
UNANSWERED = "unanswered_streak"
# A message that reports an illness starts the flow of this intent, whatever its own intent.
REPORT_INTENT = "report_symptoms"
# Round 11: messages in a row the bot did not understand, no flow running (slot). The second one (a complaint
# restated in words still unknown) starts the symptom intake: who, what, the general questions, a decision;
# never a second "please rephrase" that leads nowhere.
UNCLEAR = "unclear_streak"
# A question about the bot itself ("你是男的女的", "你是机器人吗"): flows/language/answers.yml `to_the_bot`.
BOT_IDENTITY = "bot_identity"
_CLAUSE_ENDS = frozenset("，,。；;！!？?\n")
OUT_OF_SCOPE = "out_of_scope"
_SURE_CRY = 0.8  # below this, an escape intent said in answer to a question is read as the answer
# Below this, a bare yes or no from the NLU alone does not answer a question (the out_of_scope threshold before
# round 8 of issue 11 lowered config.yml's nlu.threshold to 0.25): "啊啊" read as affirm at 0.37, a hair above
# out_of_scope, would record "喘" for the patient. The question's own words still read the answer.
_SURE_YES_NO = 0.45
# Escape intents a typed answer may be mistaken for; a request for a person is never overridden.
_READ_AS_ANSWER = frozenset({"emergency_help", "cancel", "help"})
_READINGS = frozenset({"temperature", "spo2", "respiratory_rate", "heart_rate"})
# Vital signs a patient reports again as they change: a new, worse reading replaces the old one.
_WORSE_WHEN_HIGHER = frozenset({"temperature", "respiratory_rate", "heart_rate"})
_WORSE_WHEN_LOWER = frozenset({"spo2"})


# Round 14 (tri17): a medicine question asked inside an answer, kept for after the outcome (flows/intake_outcomes.yml).
DEFERRED_QUESTION = "deferred_question"
MEDICINES_TAKEN = "medicines_taken"


class FlowRunner:
    def __init__(self, flows: FlowSet, actions: dict[str, ActionFunc], max_steps: int = 2000, reask_limit: int = 2, digression_limit: int = 3,
                 unanswered_limit: int = 2) -> None:
        self.flows = flows
        self.actions = actions
        self.max_steps = max_steps
        self.reask_limit = reask_limit
        self.digression_limit = digression_limit
        self.unanswered_limit = unanswered_limit
        # Whether a question can still change anything (the triage plugin sets it at start:
        # actions/triage/asking.py); a question it declines is skipped, its slot left unanswered.
        self.ask_filter: Callable[[str, dict[str, Any], frozenset[str]], bool] | None = None
        self._later: dict[tuple[str, int], frozenset[str]] = {}

    # ---- the turn -------------------------------------------------------------------------

    async def respond(self, turn: Turn, ctx: ActionContext, intent: str, corrected: list[str]) -> None:
        """Decide and run the dialogue for one user message."""
        stack = turn.state.stack
        if intent == "cancel":
            self._end_all(turn, "cancelled")
            turn.utter("utter_cancelled")
            return
        if intent == EMPTY:
            turn.utter("utter_empty_message")
            if not self._reask_pending(turn, resume=False):
                await self._run(turn, ctx)
            return
        if intent == BOT_IDENTITY:
            turn.utter("utter_bot_identity")
            if not self._reask_pending(turn, resume=False):
                await self._run(turn, ctx)
            return
        unclear = turn.state.slot(UNCLEAR)
        if unclear:
            turn.set_slot(UNCLEAR, 0)
        if intent == "help":
            turn.utter("utter_help")
            if not self._reask_pending(turn, resume=True):
                await self._run(turn, ctx)
            return
        if corrected:
            self._rewind(turn, corrected)
        top = stack[-1] if stack else None
        if top is not None and top.waiting_for:
            step = self._step(top)
            deferred_before = bool(turn.state.slot(DEFERRED_QUESTION))
            deferred = intent not in ESCAPE_INTENTS and self._defer_medicine_question(turn)
            if intent not in ESCAPE_INTENTS and self._fill_pending(turn, top, step, intent):
                if turn.state.slot(UNANSWERED) and turn.state.slot(top.waiting_for or "") != UNKNOWN:
                    turn.set_slot(UNANSWERED, 0)
                top.waiting_for = None
                top.asks = 0
                top.digressions, top.last_digression = 0, None
                top.step = self._after(self.flows.flows[top.flow], top.step, turn.state.slots)
                await self._run(turn, ctx)
                return
            if deferred:
                # Round 14 (tri17): the answer's medicine question waits for the outcome; the question it did not
                # answer is put again, not counted (the patient answered something, and asked something).
                if not self._reask_pending(turn, resume=False, counts=deferred_before):
                    await self._run(turn, ctx)
                return
            flow = self._triggered(intent, turn)
            if flow is not None and flow.id != top.flow and self._leaves_question(turn, intent, flow):
                if flow.digression and intent not in ESCAPE_INTENTS:
                    self._digress(turn, top)
                self._start(turn, flow, interrupt=not flow.digression)
                await self._run(turn, ctx)
                return
            if corrected:
                await self._run(turn, ctx)
                return
            if self._reask(turn, top, step):
                await self._run(turn, ctx)
            return
        flow = self._triggered(intent, turn)
        intake = self._intake_for(turn, intent, flow)
        if intake is not None:
            # Someone describes an illness (perhaps with a question, "烧了五天了，正常吗？"): the
            # intake starts, and a health question is answered first, as a digression on top of it.
            self._start(turn, intake, interrupt=False)
            if intent == OUT_OF_SCOPE:
                flow = None  # an illness described is never "not something I can help with"
        if flow is not None:
            self._start(turn, flow, interrupt=False)
        if flow is not None or intake is not None:
            await self._run(turn, ctx)
            return
        if corrected or (stack and intent in ANSWER_INTENTS):
            await self._run(turn, ctx)
            return
        if unclear and not stack and intent not in ESCAPE_INTENTS:
            intake = self.flows.triggered_by(REPORT_INTENT, turn.state.slots)
            if intake is not None:
                turn.utter("utter_unclear_intake")
                self._start(turn, intake, interrupt=False)
                await self._run(turn, ctx)
                return
        if intent != OUT_OF_SCOPE:
            turn.set_slot(UNCLEAR, 1)
        turn.utter("utter_out_of_scope" if intent == "out_of_scope" else "utter_fallback")

    @staticmethod
    def _medicines(turn: Turn) -> tuple[str, ...]:
        """The medicines the message names (the NLU's medication entities)."""
        return tuple(e.text for e in (turn.parse.entities if turn.parse else ()) if e.entity == "medication")

    def _defer_medicine_question(self, turn: Turn) -> bool:
        """Round 14 of issue 10 (tri17): an answer with a medicine question inside ("两个溃疡，有什么药？", "头疼，要不要吃布洛芬
        啊"): the rest of it is the answer (`_fill_pending`), and the question is kept for after the outcome
        (slot `deferred_question`, answered by actions/knowledge/answering.py `answer_deferred_question`), said once.
        Only the question alone ("布洛芬能吃吗？") is answered at once, as a digression."""
        text = turn.answer_text or ""
        pending = turn.state.stack[-1].waiting_for if turn.state.stack else None
        if (not text or not asks_question(text) or self.flows.slot_spec(DEFERRED_QUESTION) is None
                or pending == MEDICINES_TAKEN):
            return False  # asked about medicines, a medicine question is on the topic: answered at once
        split = medicine_question_split(text, self._medicines(turn))
        if split is None or not split[0]:
            return False
        if (pending or "").startswith("symptoms.") and not any(s.startswith("symptoms.") for s in turn.filled_this_turn):
            # A red-flag question is never answered by a rest that tells no symptom ("还没敢吃，想问能不能吃X" is no
            # "no" to the bleeding question): the question is answered at once, and the red flag asked again.
            return False
        if not turn.state.slot(DEFERRED_QUESTION):
            turn.utter("utter_medicine_question_later")
        turn.set_slot(DEFERRED_QUESTION, text, actor="patient")
        # The medicine the rest says was taken ("吃了连花清瘟，这个能跟布洛芬一起吃吗？") is the answer to "用过什么药？" to come.
        taken = [c for c in split[0].split("，") for e in (turn.parse.entities if turn.parse else ())
                 if e.entity == "medication" and not e.negated and fold(e.text) in c]
        if taken and self.flows.slot_spec(MEDICINES_TAKEN) is not None and turn.state.slot(MEDICINES_TAKEN) is None:
            turn.set_slot(MEDICINES_TAKEN, "，".join(dict.fromkeys(taken)), actor="patient")
        return True

    def fill_pending(self, turn: Turn, intent: str) -> str | None:
        """Fill the pending question from a plain answer ("92", "是的") before anything else reads the
        slots (the safety screen runs before the dialogue); returns the slot filled, or None."""
        stack = turn.state.stack
        top = stack[-1] if stack else None
        if top is None or not top.waiting_for or intent in ESCAPE_INTENTS:
            return None
        if not self._fill_pending(turn, top, self._step(top), intent):
            return None
        turn.filled_this_turn.add(top.waiting_for)
        return top.waiting_for

    def reports_illness(self, turn: Turn) -> bool:
        """Whether this typed message told us a symptom or a reading (filled this turn) while no flow runs."""
        if turn.state.stack or not turn.answer_text:
            return False
        for name in turn.filled_this_turn:
            if name in _READINGS or (name.startswith("symptoms.") and turn.state.slot(name) is True):
                return True
            if name == "antigen_result" and turn.state.slot(name) == "positive":
                return True  # "一岁半的女儿阳了，……": an infection reported, whatever the NLU's intent
        return False

    def _intake_for(self, turn: Turn, intent: str, flow: Flow | None) -> Flow | None:
        """The intake to start for a message that reports an illness but whose intent starts none."""
        if intent in ESCAPE_INTENTS or not self.reports_illness(turn):
            return None
        intake = self.flows.triggered_by(REPORT_INTENT, turn.state.slots)
        if intake is None or (flow is not None and self._leads_to(flow, intake.id, set())):
            return None  # the flow is an intake itself (covid_positive → the symptom intake)
        return intake

    def _leads_to(self, flow: Flow, target: str, seen: set[str]) -> bool:
        """Whether `flow` is `target` or calls or links to it, directly or through other flows."""
        if flow.id == target:
            return True
        seen.add(flow.id)
        return any(
            step.kind in ("call", "link") and step.arg not in seen and self._leads_to(self.flows.flows[step.arg], target, seen)
            for step in flow.steps
        )

    def read_intent(self, parse: ParseResult, text: str, state: Any) -> ParseResult:
        """The intent the dialogue acts on.

        "转人工" anywhere in a message asks for a person, whatever else it says ("我发烧39度，转人工");
        its entities still fill the slots, so the safety screen reads them first. A plain denial
        of the pending symptom question ("呼吸不快" to "喘吗？") is an answer, never a cry for help.
        """
        if text and parse.intent.name != "request_doctor" and wants_human(text):
            return replace(parse, intent=Intent("request_doctor", 1.0))
        if text and (asked := pattern("to_the_bot").search(text)):
            # Newcomer trial 6: "你是男的女的" asks about the bot: its 男/女 is no fact about the patient. What the
            # question's clause says is dropped; a message that says nothing else is answered (who the bot is).
            end = next((i for i in range(asked.end(), len(text)) if text[i] in _CLAUSE_ENDS), len(text))
            kept = [e for e in parse.entities if not (asked.start() <= e.start < end)]
            if any(e.entity in ("symptom", "temperature", "spo2") and not e.negated for e in kept):
                return replace(parse, entities=kept)
            return replace(parse, intent=Intent(BOT_IDENTITY, 1.0), entities=kept)
        top = state.stack[-1] if state.stack else None
        if parse.intent.name in red_flag_questions().question_intents and text and (top is None or not top.waiting_for) \
                and red_flags_named(parse):
            # Session seven (talk7a): "黑便要紧吗", "抽搐怎么处理" — a question naming a red flag is answered as a report:
            # the safety screen has read it, and the intake's red-flag questions run, never a home-care article.
            return replace(parse, intent=Intent(REPORT_INTENT, parse.intent.confidence))
        if parse.intent.name == "emergency_help" and text and (top is None or not top.waiting_for) and any(
                e.entity == "symptom" and not e.negated for e in parse.entities):
            # Newcomer trial 3: "宝宝10个月 发烧了 怎么办啊 急死了" already says who and what: the intake starts
            # (the safety screen still reads its facts first) instead of "请告诉我发生了什么".
            return replace(parse, intent=Intent(REPORT_INTENT, parse.intent.confidence))
        if parse.intent.name == "emergency_help" and text and top is not None and top.waiting_for and any(
                e.entity == "symptom" and not e.negated for e in parse.entities) and not pattern("cry_for_help").search(normal(text)):
            # Round 9 (tri11): "呼吸快" to "宝宝安静时也喘得厉害吗？" describes the symptom asked about, without a word
            # of a cry for help: an answer (screened as ever), not "what happened?" that ends the intake undecided.
            return replace(parse, intent=Intent("inform", parse.intent.confidence))
        if text and top is not None and top.waiting_for and only_unknown(text):
            return replace(parse, intent=Intent("inform", parse.intent.confidence))  # "说不清" answers `unknown`
        if parse.intent.name in ("request_doctor", "cancel") and text and top is not None and top.waiting_for \
                and not wants_human(text) and (spec := self.flows.slot_spec(top.waiting_for)) is not None and spec.type == "bool":
            # Round 4 of issue 10: "有，想去找她" (the NLU: request_doctor) and "想跟他一起去算了" (cancel)
            # to "有没有不想活的念头？" answer it. No 转人工 words were said, and the question is a yes/no one,
            # so an answer the question reads is an answer: a request for a person by the NLU alone is
            # overridden whenever the question understands it; a cancel when the question's own words do.
            said = read_answer(spec, AnswerContext(text=text, intent="inform", entities=tuple(parse.entities)))
            own = top.waiting_for in words().own_words_first and said is not None
            if (parse.intent.name == "request_doctor" and said is not None) or own:
                return replace(parse, intent=Intent("inform", parse.intent.confidence))
        if parse.intent.name == "cancel" and text:
            # The title of a yes/no button typed is that button ("确认取消" to "确定要取消这个预约吗？").
            typed = normal(text)
            for button in state.last_buttons:
                if normal(str(button.get("title") or "")) == typed and button.get("payload") in ("/affirm", "/deny"):
                    return replace(parse, intent=Intent(str(button["payload"])[1:], parse.intent.confidence))
            # Session eight: a choice said by its place ("头一个", "最后一个吧") among the buttons just shown picks one
            # of them (flows/language/buttons.yml `ordinals`); the patient's own word for stopping still stops.
            if state.last_buttons and ordinal_index(text, len(state.last_buttons)) is not None and not wants_to_stop(text):
                return replace(parse, intent=Intent("inform", parse.intent.confidence))
        if parse.intent.name == "cancel" and text and negates_stop(text):
            # A negated cancel is not a cancel ("不取消了" to "确定要取消这个预约吗？"): it says no.
            return replace(parse, intent=Intent("deny", parse.intent.confidence))
        if parse.intent.name == "cancel" and text and top is not None and top.waiting_for:
            # Ending an intake takes the patient's own word for it ("不问了，取消"): "退了" to "有没有发烧？"
            # is an answer (the fever went down), not a goodbye that would drop the questions still to ask.
            return parse if wants_to_stop(text) else replace(parse, intent=Intent("inform", parse.intent.confidence))
        if parse.intent.name in _READ_AS_ANSWER and text and top is not None and top.waiting_for:
            spec = self.flows.slot_spec(top.waiting_for)
            answer = AnswerContext(text=text, intent="inform", entities=tuple(parse.entities))
            said = read_answer(spec, answer) if spec is not None else None
            # A denial is never a cry for help, and "今天开始" to "多久了？" is not "cancel": an answer
            # the question understands is taken as one unless the NLU is sure (the facts in it are
            # screened all the same).
            if said is False or (said is not None and parse.intent.confidence < _SURE_CRY):
                return replace(parse, intent=Intent("inform", parse.intent.confidence))
        if parse.intent.name in ("affirm", "deny") and parse.intent.confidence < _SURE_YES_NO and text \
                and not text.startswith("/") and top is not None and top.waiting_for:
            # An unsure yes or no in words the question does not read is no answer: asked again, then `unknown`.
            return replace(parse, intent=Intent("inform", parse.intent.confidence))
        return parse

    @staticmethod
    def combine(name: str, first: Any, second: Any) -> Any:
        """Two readings of one slot in one message: the longest duration, the worst vital sign,
        otherwise the later one ("烧了四天……只能退一两个小时" lasted four days)."""
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (first, second)):
            return second
        if name == "duration_hours" or name in _WORSE_WHEN_HIGHER:
            return max(first, second)
        if name in _WORSE_WHEN_LOWER:
            return min(first, second)
        return second

    def accepts_change(self, turn: Turn, name: str, previous: Any, value: Any) -> bool:
        """Whether a value read from a message may replace a different one already known.

        Only when the patient corrects (改一下, 不对, 说错了, 是…不是…), when the slot was unknown,
        when it is the pending question's own answer, or when it is news that can only make things
        more urgent (a symptom now present, a worse reading); never from a stray numeral
        ("孩子一直在哭" is not an age of 1).
        """
        top = turn.state.stack[-1] if turn.state.stack else None
        if previous == UNKNOWN or (top is not None and top.waiting_for == name):
            return True
        if is_correction(turn.answer_text):
            return True
        if name == "symptoms.fever" and previous is True and value is False and self.measured_over_guess(turn):
            return True  # "好像有点烧", then "量了，不烧": the measured statement wins (newcomer trial 9)
        if name.startswith("symptoms.") and name != "symptoms.fever" and previous is True and value is False:
            return self.denies_outright(turn, name.partition(".")[2])
        return self.worsens(name, previous, value)

    def correct_numbers(self, turn: Turn) -> list[str]:
        """Fix11a: a correction with a number ("刚才说错了 是91", "我是说血氧91 不是呼吸") goes to the slot the patient
        corrects. A bare number implausible for the pending reading (91 breaths a minute at home) and plausible for the
        patient's previous numeric answer (the SpO2 of 94) is that answer's; a reading named wrongly in a 不是 clause
        ("不是呼吸") holding the number said is removed. Returns the slots corrected; the pending question then does not
        read the answer (it is asked again)."""
        text = turn.answer_text
        if not text or not is_correction(text):
            return []
        from bot.engine import emergency_standing  # the engine imports this module
        entities = tuple(turn.parse.entities) if turn.parse else ()
        claimed = {float(e.value) for e in entities if e.entity in _READINGS and isinstance(e.value, int | float)
                   and not isinstance(e.value, bool)}
        said = [n for n in numbers(pattern("wrong_clause").sub("", normal(text))) if n not in claimed]
        corrected: list[str] = []
        named_wrong = {slot for slot, found in self._wrong_slots(text).items() if found}
        for slot in named_wrong:
            value = turn.state.slot(slot)
            if isinstance(value, int | float) and not isinstance(value, bool) and value in claimed | set(said):
                if emergency_standing(turn.state):
                    turn.held[slot] = None  # confirmed by the safety screen before an emergency is lowered
                else:
                    turn.set_slot(slot, None, actor="patient")
                    corrected.append(slot)
        top = turn.state.stack[-1] if turn.state.stack else None
        pending = self.flows.slot_spec(top.waiting_for) if top is not None and top.waiting_for else None
        if top is None or pending is None or pending.type not in ("float", "int"):
            return corrected
        if claimed and not said:
            turn.answer_spent = True  # "我是说血氧91": the number is the named reading's, not the pending one's
            return corrected
        if len(said) != 1 or self._plausible(turn, pending.name, said[0]):
            if top.waiting_for in named_wrong:
                turn.answer_spent = True
            return corrected
        previous = self._previous_reading(turn, pending.name)
        if previous is None or not self._plausible(turn, previous, said[0]):
            return corrected
        spec = self.flows.slot_spec(previous)
        ok, value = spec.coerce(said[0]) if spec is not None else (False, None)
        if not ok:
            return corrected
        turn.answer_spent = True
        if turn.state.slot(previous) != value:
            if emergency_standing(turn.state) and not self.worsens(previous, turn.state.slot(previous), value):
                turn.held[previous] = value
            else:
                turn.set_slot(previous, value, actor="patient")
                turn.filled_this_turn.add(previous)
                corrected.append(previous)
        return corrected

    @staticmethod
    def _wrong_slots(text: str) -> dict[str, bool]:
        """The readings a 不是 clause names ("不是呼吸", "不是体温"): answers.yml `reading_names`."""
        clean = normal(text)
        wrong = "".join(m.group(0) for m in pattern("wrong_clause").finditer(clean))
        return {slot: any(w in wrong for w in names) for slot, names in words().reading_names.items()}

    def _previous_reading(self, turn: Turn, pending: str) -> str | None:
        """The reading the patient answered last before the pending one (by the order the flows collected them)."""
        best: tuple[int, int, str] | None = None
        for depth, frame in enumerate(turn.state.stack):
            for slot, step in frame.collected.items():
                if slot == pending or slot not in words().reading_names:
                    continue
                value = turn.state.slot(slot)
                if isinstance(value, int | float) and not isinstance(value, bool) and (best is None or (depth, step) > best[:2]):
                    best = (depth, step, slot)
        return best[2] if best else None

    @staticmethod
    def _plausible(turn: Turn, slot: str, value: float) -> bool:
        """Whether a reading is possible at home (answers.yml `plausible`; a child's own range under 12 or age unknown)."""
        ranges = words().plausible.get(slot)
        if ranges is None:
            return True
        age = turn.state.slot("age")
        adult = isinstance(age, int | float) and not isinstance(age, bool) and age >= 12
        low, high = ranges.get("adult" if adult else "child", ranges.get("all", (float("-inf"), float("inf"))))
        return low <= value <= high

    @staticmethod
    def denies_outright(turn: Turn, code: str) -> bool:
        """Fix11a: a symptom recorded present, denied by name and flatly ("疹子没有", "我都说了没有疹子啊", "没有疹子啊"):
        a correction. Not a hedged denial ("好像没有疹子"), nor one that says it has gone ("疹子没有了", "现在不疼了": it
        was there — answers.yml `patterns.denial_not_correction`); a fever has its own rules (newcomer trial 9)."""
        text = turn.answer_text
        if not text or not turn.parse:
            return False
        named = any(e.entity == "symptom" and e.value == code and e.negated for e in turn.parse.entities)
        return named and not pattern("denial_not_correction").search(normal(text))

    @staticmethod
    def measured_over_guess(turn: Turn) -> bool:
        """A fever only guessed ("好像有点烧", no reading) that this message denies: measured ("量了不烧"), or flatly
        and without a hedge ("他没发烧呀"; "好像不烧了" is no firmer than the guess, "退了" says it was there)."""
        slots, text = turn.state.slots, turn.answer_text
        if slots.get("fever_guessed") is not True or isinstance(slots.get("temperature"), int | float) or not text:
            return False
        said = no_fever_said(text)
        if pattern("fever_measured").search(text):
            return said is not None
        return said == "none" and not pattern("fever_denial_hedged").search(text)

    @staticmethod
    def vague_fever_denial(turn: Turn, found: dict[str, Any], text: str) -> bool:
        """A fever measured (≥37.3 ℃ recorded) and now denied without a measurement ("应该不烧吧"): not a reading, so
        it never replaces one; a fever said to be gone ("退了") or a correction ("说错了") is not this."""
        reading = found.get("temperature", turn.state.slots.get("temperature"))
        if not isinstance(reading, int | float) or isinstance(reading, bool) or reading < 37.3:
            return False
        return not (pattern("fever_measured").search(text) or no_fever_said(text) == "gone" or is_correction(text)
                    or any(35 <= n <= 43 for n in numbers(text)))

    @staticmethod
    def worsens(name: str, previous: Any, value: Any) -> bool:
        """News that can only make things more urgent: a symptom now present, a worse reading."""
        if name.startswith("symptoms.") and previous is False and value is True:
            return True
        if isinstance(previous, int | float) and isinstance(value, int | float):
            return (name in _WORSE_WHEN_HIGHER and value > previous) or (name in _WORSE_WHEN_LOWER and value < previous)
        return False

    async def run(self, turn: Turn, ctx: ActionContext) -> None:
        """Continue the stack without a user answer (e.g. after a system trigger started a flow)."""
        await self._run(turn, ctx)

    def start(self, turn: Turn, flow_id: str) -> None:
        self._start(turn, self.flows.flows[flow_id], interrupt=False)

    # ---- filling the pending question ------------------------------------------------------

    def _fill_pending(self, turn: Turn, frame: Frame, step: Step, intent: str) -> bool:
        if turn.answer_spent:
            return False  # a correction of an earlier answer (fix11a): the pending question is asked again
        name = frame.waiting_for or ""
        spec = self.flows.slot_spec(name)
        if spec is None:
            return False
        entities = tuple(turn.parse.entities) if turn.parse else ()
        if turn.answer_text and (topic := topic_said(name, turn.answer_text, entities)) is not None:
            return self._fill_topic(turn, frame, step, name, topic)
        if name in turn.filled_this_turn:
            if turn.answer_text and name.startswith("symptoms."):
                # The answer's own reading of the asked symptom wins over the NLU's context-free one
                # ("喘气正常" names 喘, and says it is fine).
                said = read_answer(spec, AnswerContext(turn.answer_text, intent, entities))
                if isinstance(said, bool):
                    turn.set_slot(name, said, actor="patient")
            elif turn.answer_text and name in _READINGS:
                # Round 8 of issue 10: "血氧早上95，刚才坐着93": the readings the NLU left out count too (the
                # lowest oxygen, the highest anything else).
                said = read_answer(spec, AnswerContext(turn.answer_text, intent, entities))
                ok, coerced = spec.coerce(said) if isinstance(said, int | float) and not isinstance(said, bool) else (False, None)
                if ok:
                    turn.set_slot(name, self.combine(name, turn.state.slot(name), coerced), actor="patient")
            return True
        if turn.answer_text and name in words().no_fever_for and self._no_fever(turn, name):
            return True
        text = turn.answer_text
        split = (medicine_question_split(text, self._medicines(turn))
                 if text and asks_question(text) and turn.state.slot(DEFERRED_QUESTION) == text else None)
        if text and split is not None and split[0]:
            text = split[0]  # round 14 (tri17): "两个溃疡，有什么药？" answers with "两个溃疡"; the question waits
        if text and asks_question(text):
            value = None  # "今天星期几？" asks something; it does not answer "多久了？"
        elif text:
            answer = AnswerContext(
                text=text,
                intent=intent,
                entities=entities,
                buttons=tuple(turn.buttons_shown),
                question=self._question_text(turn, step),
                ask=self._ask_key(turn, step.ask or ""),
            )
            value = read_answer(spec, answer)
            if value is None and (name.startswith("symptoms.") or name in words().not_about_symptoms):
                self._record_other_symptoms(turn, name)
        else:  # a payload without the slot: only its affirm/deny says anything
            value = {"affirm": True, "deny": False}.get(intent) if spec.type == "bool" else None
        if value is None:
            return False
        ok, coerced = spec.coerce(value)
        if not ok:
            return False
        turn.set_slot(name, coerced, actor="patient")
        if coerced is True and turn.answer_text:
            self._fill_gated(turn, name)
        return True

    @staticmethod
    def _question_text(turn: Turn, step: Step) -> str:
        """The words of the pending question, in every form it may have been asked (round 8 of issue 10: an
        answer that denies a thing the question does not name is not its "no")."""
        if not step.ask:
            return ""
        language = str(turn.state.slots.get("language") or "zh")
        texts = []
        for key in dict.fromkeys((step.ask, FlowRunner._ask_key(turn, step.ask), FlowRunner._ask_key(turn, step.ask, again=True))):
            try:
                texts += [str(v.get("text") or "") for v in turn.responses.variants(key, language)]
            except KeyError:
                continue
        return "\n".join(texts)

    def _fill_topic(self, turn: Turn, frame: Frame, step: Step, name: str, topic: str) -> bool:
        """Round 8 of issue 10: an answer about a whole topic ("呼吸跟平时一样" to "数一下1分钟呼吸几次？") fills the
        topic's slots (flows/language/answers.yml `topics`): those not known, and those it replaces. The pending
        question is answered when it is one of them, or passed when its condition no longer holds."""
        table = words().topics[topic]
        for slot, value in table["fills"].items():
            if self.flows.slot_spec(slot) is None:
                continue
            if slot == name or turn.state.slot(slot) in (None, UNKNOWN) or slot in table["replaces"]:
                turn.set_slot(slot, value, actor="patient")
                turn.filled_this_turn.add(slot)
        if name in table["pending"] and self.flows.slot_spec(name) is not None:
            turn.set_slot(name, table["pending"][name], actor="patient")
        if name in table["fills"] or name in table["pending"]:
            return True
        return step.when is not None and not step.when.evaluate(turn.state.slots)

    def _answered_by_another(self, turn: Turn, name: str) -> None:
        """Newcomer trial 3: a question whose answer another slot already gives (flows/language/answers.yml
        `answered_by`) is filled from it, not asked: one answer fills both of two overlapping questions."""
        unless = words().answered_by_unless.get(name)
        if unless is not None and unless.evaluate(turn.state.slots):
            return  # round 11: an asthmatic's tight chest does not answer the chest-pain question
        for other, values in words().answered_by.get(name, {}).items():
            value = turn.state.slot(other)
            if value is not None and value in values:
                turn.set_slot(name, value, actor="patient")
                return

    def _record_other_symptoms(self, turn: Turn, asked: str) -> None:
        """Newcomer trial 3: "主要是咳嗽比较厉害" to "有新出的皮疹吗？" — the other complaint the answer talks
        about fills its own slot (when nothing was known of it), while the pending question is asked again."""
        own = asked.partition(".")[2] if asked.startswith("symptoms.") else ""
        for code in other_symptoms_said(turn.answer_text, own):
            name = f"symptoms.{code}"
            if self.flows.slot_spec(name) is not None and turn.state.slot(name) is None:
                turn.set_slot(name, True, actor="patient")
                turn.filled_this_turn.add(name)

    def _no_fever(self, turn: Turn, name: str) -> bool:
        """"没发烧" / "退了四五天了" / "不烧了" to the temperature question (round 4 of issue 10): no
        reading, and never asked three times. A fever said before and gone now is `fever_resolved`
        (the fever-days rules do not count it); none at all is `symptoms.fever` denied."""
        said = no_fever_said(turn.answer_text)
        if said is None:
            return False
        had_fever = turn.state.slot("symptoms.fever") is True
        if said == "none" and had_fever and self.measured_over_guess(turn):
            turn.set_slot("symptoms.fever", False, actor="patient")  # a guess, then measured: no fever (newcomer trial 9)
            turn.filled_this_turn.add("symptoms.fever")
            return True
        if said == "gone" or had_fever:
            if self.flows.slot_spec("fever_resolved") is not None:
                turn.set_slot("fever_resolved", True, actor="patient")
                turn.filled_this_turn.add("fever_resolved")
            if name == "symptoms.fever":
                turn.set_slot(name, False, actor="patient")
        else:
            turn.set_slot("symptoms.fever", False, actor="patient")
            turn.filled_this_turn.add("symptoms.fever")
        return True

    def _fill_gated(self, turn: Turn, gate: str) -> None:
        """"家里有血氧仪吗？" answered "九十七": the reading the gate opens is filled too, not asked."""
        target = words().gates.get(gate)
        spec = self.flows.slot_spec(target) if target else None
        if spec is None or turn.state.slot(spec.name) is not None:
            return
        value = read_answer(spec, AnswerContext(text=turn.answer_text, intent="inform"))
        if isinstance(value, int | float) and spec.coerce(value)[0]:
            turn.set_slot(spec.name, spec.coerce(value)[1], actor="patient")
            turn.filled_this_turn.add(spec.name)

    @staticmethod
    def _leaves_question(turn: Turn, intent: str, flow: Flow) -> bool:
        """Whether a message that did not answer the pending question starts another flow.

        A way out (a human, help, cancel, 120) always does; a digression (a health question)
        only when the message asks something, so an answer that merely mentions 血氧仪 is
        never taken for a question about oximeters; anything else is another try at the answer.
        """
        if intent in ESCAPE_INTENTS or not turn.answer_text:
            return True
        return flow.digression and asks_question(turn.answer_text)

    # ---- running steps -----------------------------------------------------------------------

    async def _run(self, turn: Turn, ctx: ActionContext) -> None:
        stack = turn.state.stack
        for _ in range(self.max_steps):
            if not stack:
                return
            frame = stack[-1]
            flow = self.flows.flows[frame.flow]
            if frame.step >= len(flow.steps):
                self._pop(turn, "completed")
                # Back from another flow (转人工, a transfer button, a health question): the patient did
                # not fail to answer, so this asking does not count towards giving the question up.
                if stack and stack[-1].waiting_for and self._reask_pending(turn, resume=True, counts=False):
                    return
                continue
            step = flow.steps[frame.step]
            if step.when is not None and not step.when.evaluate(turn.state.slots):
                frame.step += 1
                continue
            if step.kind == "collect":
                name = str(step.arg)
                if turn.state.slot(name) is None and frame.waiting_for != name and self._not_for_infant(turn, step.ask or ""):
                    frame.step += 1  # newcomer trial 6: a 20-day-old is not asked to walk or score a pain 0–10
                    continue
                frame.collected[name] = frame.step
                if turn.state.slot(name) is None and not step.always_ask and frame.waiting_for != name:
                    self._answered_by_another(turn, name)
                if (turn.state.slot(name) is None and not step.always_ask and frame.waiting_for != name
                        and self.ask_filter is not None
                        and not self.ask_filter(name, turn.state.slots, self._still_to_ask(turn))):
                    log.debug("conversation %s: %s cannot change the decision; not asked", turn.state.conversation_id, name)
                elif turn.state.slot(name) is None or (step.always_ask and name not in turn.filled_this_turn):
                    # Back at the question still pending (a flow asked for again, a resumed intake): it
                    # counts as asking again, so no path escapes the re-ask limit.
                    if frame.waiting_for != name:
                        frame.digressions, frame.last_digression = 0, None
                    frame.asks = frame.asks + 1 if frame.waiting_for == name else 1
                    frame.waiting_for = name
                    if frame.asks > self.reask_limit + 1:
                        self._give_up(turn, frame)
                        continue
                    turn.utter(self._ask_key(turn, step.ask or "", again=frame.asks > 1))
                    return
            elif step.kind == "action":
                await self._action(turn, ctx, str(step.arg))
                if not stack or stack[-1] is not frame:
                    continue  # the action changed the stack (ended flows, started one)
            elif step.kind == "utter":
                turn.utter(str(step.arg))
            elif step.kind == "set_slots":
                for name, value in step.arg.items():
                    turn.set_slot(name, value)
            elif step.kind == "call":
                frame.step = self._after(flow, frame.step, turn.state.slots)
                self._push(turn, self.flows.flows[step.arg])
                continue
            elif step.kind == "link":
                self._pop(turn, "linked")
                self._push(turn, self.flows.flows[step.arg])
                continue
            elif step.kind == "end":
                self._pop(turn, "completed")
                # Back from another flow (转人工, a transfer button, a health question): the patient did
                # not fail to answer, so this asking does not count towards giving the question up.
                if stack and stack[-1].waiting_for and self._reask_pending(turn, resume=True, counts=False):
                    return
                continue
            frame.step = self._after(flow, frame.step, turn.state.slots)
        log.error("conversation %s: more than %d steps in one turn; flows ended", turn.state.conversation_id, self.max_steps)
        self._end_all(turn, "error")
        turn.utter("utter_fallback")

    def _still_to_ask(self, turn: Turn) -> frozenset[str]:
        """Every slot the running flows may still ask or set after the current step (calls and links
        followed), whatever their conditions: what the question filter may not take as never asked."""
        found: set[str] = set()
        stack = turn.state.stack
        for depth, frame in enumerate(stack):
            found |= self._after_step(frame.flow, frame.step + 1 if depth == len(stack) - 1 else frame.step)
        return frozenset(found)

    def _after_step(self, flow_id: str, index: int) -> frozenset[str]:
        key = (flow_id, index)
        if key not in self._later:
            self._later[key] = frozenset()  # a flow that reaches itself adds nothing more
            found: set[str] = set()
            flow = self.flows.flows.get(flow_id)
            for step in flow.steps[index:] if flow else ():
                if step.kind == "collect":
                    found.add(str(step.arg))
                elif step.kind == "set_slots":
                    found.update(str(k) for k in step.arg)
                elif step.kind in ("call", "link"):
                    found |= self._after_step(str(step.arg), 0)
            self._later[key] = frozenset(found)
        return self._later[key]

    async def _action(self, turn: Turn, ctx: ActionContext, name: str) -> None:
        func = self.actions.get(name)
        if func is None:
            turn.utter(name)
            return
        await func(ctx)
        turn.emit(ev.ACTION, {"name": name})

    @staticmethod
    def _after(flow: Flow, index: int, slots: dict[str, Any]) -> int:
        """The index of the step after `index`, following its `next`."""
        nxt = flow.steps[index].next
        if nxt is None:
            return index + 1
        if isinstance(nxt, str):
            return len(flow.steps) if nxt == END else flow.step_index[nxt]
        for branch in nxt:
            if branch.condition is None or branch.condition.evaluate(slots):
                return len(flow.steps) if branch.target == END else flow.step_index[branch.target]
        return index + 1

    # ---- the stack -----------------------------------------------------------------------------

    def _triggered(self, intent: str, turn: Turn) -> Flow | None:
        if intent in ANSWER_INTENTS:
            return None
        stack = turn.state.stack
        # While a question is pending, the flows on the stack (a flow's `trigger.during`: talk8's impatience).
        during = [f.flow for f in stack] if stack and stack[-1].waiting_for else []
        return self.flows.triggered_by(intent, turn.state.slots, during)

    def _start(self, turn: Turn, flow: Flow, interrupt: bool) -> None:
        if interrupt:
            self._end_all(turn, "interrupted")
        if any(self._leads_to(flow, f.flow, set()) for f in turn.state.stack):
            # Asked again for a flow already running: carry on with it, neither nesting a copy nor
            # dropping the flows it called (their questions are still to ask).
            return
        self._push(turn, flow)

    def _push(self, turn: Turn, flow: Flow) -> None:
        turn.state.stack.append(Frame(flow=flow.id))
        turn.emit(ev.FLOW_STARTED, {"flow": flow.id})

    def _pop(self, turn: Turn, reason: str) -> None:
        frame = turn.state.stack.pop()
        turn.emit(ev.FLOW_ENDED, {"flow": frame.flow, "reason": reason})

    @staticmethod
    def _end_all(turn: Turn, reason: str) -> None:
        turn.end_flows(reason)

    def _step(self, frame: Frame) -> Step:
        return self.flows.flows[frame.flow].steps[frame.step]

    def _digress(self, turn: Turn, frame: Frame) -> None:
        """A health question asked instead of answering the pending one is answered, and the question
        put again without counting — unless it is the same question again, or more than
        `digression_limit` of them: then it counts as asking again, so a patient (or a scripted
        driver) who repeats a question ends with the answer `unknown`, never in an endless loop."""
        text = " ".join((turn.answer_text or "").split())
        frame.digressions += 1
        if text == frame.last_digression or frame.digressions > self.digression_limit:
            frame.asks += 1
        frame.last_digression = text

    def _reask(self, turn: Turn, frame: Frame, step: Step) -> bool:
        """Ask again, at most `reask_limit` times on every path; then the answer is `unknown` and the
        flow moves on (returns True: run on). A give-up is never a dead end."""
        frame.asks += 1
        if frame.asks > self.reask_limit + 1:
            self._give_up(turn, frame)
            return True
        if turn.filled_this_turn - {frame.waiting_for}:
            # The patient told us something else worth keeping: say so, and ask again.
            turn.utter("utter_noted")
            turn.utter(step.ask or "")
        elif step.reask:
            turn.utter(step.reask)
        elif (plain := self._ask_key(turn, step.ask or "", again=True)) != self._ask_key(turn, step.ask or ""):
            # Round 4 of issue 10: never the same words again — asked more plainly, with the answers on buttons.
            turn.utter(plain)
        else:
            turn.utter("utter_reask_generic")
            turn.utter(self._ask_key(turn, step.ask or ""))
        return False

    @staticmethod
    def _not_for_infant(turn: Turn, key: str) -> bool:
        """A question a baby under 1 year cannot answer (walking, a 0–10 pain score, dizziness on standing …:
        flows/language/answers.yml `not_for_infants`), asked of a baby, with no `<key>_infant` wording: skipped."""
        if not key or key not in words().not_for_infants or f"{key}_infant" in turn.responses.keys:
            return False
        slots = turn.state.slots
        months, age = slots.get("age_months"), slots.get("age")
        if isinstance(months, int | float) and not isinstance(months, bool):
            return months < 12
        if isinstance(age, int | float) and not isinstance(age, bool):
            return age < 1
        return slots.get("subject") == "infant"

    @staticmethod
    def _ask_key(turn: Turn, key: str, again: bool = False) -> str:
        """The question's words for whom it is asked (round 4 of issue 10): `<key>_self` when the patient
        is the one typing ("您今年多大年龄？"), `<key>_adult` for an adult (no "（孩子：…）" signs), and
        `<key>_child` for a child under 12 (round 6: a child's chronic conditions, not blood pressure),
        `<key>_plain` (`_plain_self`) when it is asked a second time. The plain key when none exists."""
        if not key:
            return key
        keys = turn.responses.keys
        subject = turn.state.slots.get("subject")
        age = turn.state.slots.get("age")
        years = float(age) if isinstance(age, int | float) and not isinstance(age, bool) else None
        adult = subject not in ("child", "infant") and not (years is not None and years < 12) and (subject is not None or years is not None)
        child = subject in ("child", "infant") or (years is not None and years < 12)
        months = turn.state.slots.get("age_months")
        if years is None and isinstance(months, int | float) and not isinstance(months, bool):
            # Round 8 of issue 10: a baby whose age was said in months ("10个月") is asked a baby's questions.
            years = float(months) / 12
            child = child or years < 12
            adult = adult and not years < 12
        infant = subject == "infant" or (years is not None and years < 2)
        slots = turn.state.slots
        candidates = []
        if (variant := words().variant_when.get(key)) is not None and variant[1].evaluate(slots):
            candidates.append(f"{key}{variant[0]}")  # round 11: an asthmatic's tight chest — a pain besides it?
        for slot, suffix in words().variant_when_unknown.items():
            if slots.get(slot) in (None, UNKNOWN):
                candidates.append(f"{key}{suffix}")  # newcomer trial 3: "吃药后还一直烧吗" with no reading
        if again:
            candidates += [f"{key}_plain_child"] if child else []
            candidates += [f"{key}_plain_self"] if subject == "self" else []
            candidates += [f"{key}_plain_adult"] if adult else []
            candidates.append(f"{key}_plain")
        candidates += [f"{key}_infant"] if infant else []  # newcomer trial 3: a baby's own signs and buttons
        candidates += [f"{key}_child"] if child else []  # round 6: a child's own examples and buttons
        candidates += [f"{key}_self"] if subject == "self" else []
        candidates += [f"{key}_adult"] if adult else []
        return next((k for k in candidates if k in keys), key)

    def _give_up(self, turn: Turn, frame: Frame) -> None:
        """The pending question was asked as often as it may be: its answer is `unknown`, the flow moves on."""
        flow = self.flows.flows[frame.flow]
        step = self._step(frame)
        value = step.give_up_value if step.kind == "collect" and step.give_up_value is not None else UNKNOWN
        turn.set_slot(frame.waiting_for or "", value, actor="bot")
        # A service flow's own words (session seven): never "先记为不清楚 … 120" in card binding or booking.
        turn.utter((step.give_up_say if step.kind == "collect" else None) or flow.give_up or "utter_answer_unknown")
        frame.waiting_for = None
        frame.asks = 0
        frame.digressions, frame.last_digression = 0, None
        frame.step = self._after(self.flows.flows[frame.flow], frame.step, turn.state.slots)
        streak = int(turn.state.slot(UNANSWERED) or 0) + 1
        turn.set_slot(UNANSWERED, streak)
        if streak >= self.unanswered_limit:
            self._stop_asking(turn)

    def _stop_asking(self, turn: Turn) -> None:
        """Several questions in a row left unanswered: the outermost intake goes to its decision."""
        stack = turn.state.stack
        index = next((i for i, f in enumerate(stack) if self.flows.flows[f.flow].when_unanswered), None)
        if index is None:
            return
        target = self.flows.flows[self.flows.flows[stack[index].flow].when_unanswered or ""]
        while len(stack) > index:
            self._pop(turn, "unanswered")
        turn.set_slot(UNANSWERED, 0)
        self._push(turn, target)

    def _reask_pending(self, turn: Turn, resume: bool, counts: bool = True) -> bool:
        """Put the pending question again (after help, an empty message, a digression). False when it
        was asked as often as it may be: then it was given up and the flow must run on. `counts=False`:
        a resume after another flow, never a give-up."""
        stack = turn.state.stack
        if not stack or not stack[-1].waiting_for:
            return True
        frame = stack[-1]
        frame.asks += 1 if counts else 0
        if frame.asks > self.reask_limit + 1:  # counted before (a repeated digression: `_digress`)
            self._give_up(turn, frame)
            return False
        if resume:
            turn.utter("utter_resume")
        turn.utter(self._ask_key(turn, self._step(frame).ask or "", again=frame.asks > 1))
        return True

    def _rewind(self, turn: Turn, corrected: list[str]) -> None:
        """Go back to just after the step that collected a corrected slot, so what depends on it runs again."""
        for frame in turn.state.stack:
            flow = self.flows.flows[frame.flow]
            targets = [frame.collected[n] for n in corrected if n in frame.collected and frame.collected[n] < frame.step]
            if targets:
                frame.step = self._after(flow, min(targets), turn.state.slots)
                frame.waiting_for = None
                frame.asks = 0
                frame.digressions, frame.last_digression = 0, None
