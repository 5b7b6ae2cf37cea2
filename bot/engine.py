"""The engine: `handle(UserMessage) -> list[BotMessage]`, one conversation turn at a time.

lock → load state → understand → fill slots → interceptors (safety screen, live relay) →
flows → append the turn's events in one transaction → release. A failing turn is rolled back
to the user's message plus an apology; nothing half-written is kept.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.exc import IntegrityError

from bot import events as ev
from bot.action_api import ActionContext
from bot.answers import AGE_QUESTIONS, fold, is_correction, only_unknown, pattern
from bot.button_titles import button_for_title
from bot.red_flag_questions import keep_red_flags
from bot.situations import says_alone
from bot.code_names import code_name
from bot.crypto import FieldCipher, seal_answer
from bot.supervision.log_redaction import redact
from bot.db import WriterBusy, is_sqlite_busy
from bot.events import Event
from bot.flow_runner import EMPTY, FlowRunner
from bot.locks import LeaseLost
from bot.messages import MAX_TEXT_CHARS, BotMessage, UserMessage, conversation_id_for
from bot.metrics import MESSAGES, TURN_ERRORS, TURN_SECONDS
from bot.responses import Responses, display_value
from bot.session_facts import accept_in_session, in_live_session
from bot.state import ConversationState
from bot.store import ConversationStore
from bot.turn import Turn
from nlu import Entity, Intent, Interpreter, ParseResult

if TYPE_CHECKING:
    from bot.action_api import Interceptor
    from bot.flow_loader import FlowSet
    from bot.locks import Locks
    from bot.pubsub import Wake

BUSY_RETRIES = 2  # embedded SQLite: a turn whose write found the writer busy runs again this many times
log = logging.getLogger("wenzhen.engine")

_PAYLOAD = re.compile(r"^/([A-Za-z_][\w\-]*)(.*)$", re.DOTALL)
# Questions that may name the symptom they are about (bot/engine.py `_symptom_beside_question`).
SYMPTOM_QUESTION_INTENTS = frozenset({"ask_medication"})
_BUTTON_NUMBER = re.compile(r"^\s*([1-9])\s*[.、)）]?\s*$")
_BARE_NUMBER = re.compile(r"^\s*-?\d+(?:\.\d+)?\s*$")
_CONTROL = {c for c in range(32) if c not in (9, 10)} | {127}
# Interceptors from this priority on answer free questions (the knowledge base); they yield to
# the intake when a message describes an illness.
ANSWERING_PRIORITY = 50


class UnknownConversation(KeyError):
    """Push/record/trigger named a conversation that has never started."""


class OutputChannel(Protocol):
    """How the engine reaches a patient outside a request/response cycle (doctor messages, follow-ups)."""

    async def send(self, recipient_id: str, messages: list[BotMessage]) -> None: ...


# Set (True) once an announced emergency was corrected away or the patient started afresh after it
# (actions/triage/screen.py); cleared when an emergency is announced again.
EMERGENCY_RELEASED = "emergency_released"


def emergency_standing(state: ConversationState) -> bool:
    """The conversation's last triage was an emergency that still stands (not corrected or restarted since)."""
    return (state.latest_triage or {}).get("level") == "emergency" and not state.slots.get(EMERGENCY_RELEASED)


def clean_text(text: str) -> tuple[str, bool]:
    """Normalise what a channel delivered: drop control characters, cut to MAX_TEXT_CHARS."""
    cleaned = "".join(ch for ch in text if ord(ch) not in _CONTROL and unicodedata.category(ch) != "Cs")
    return cleaned[:MAX_TEXT_CHARS], len(cleaned) > MAX_TEXT_CHARS


def parse_payload(payload: str) -> tuple[str, dict[str, Any], bool]:
    """`/intent{"slot": value}` → (intent, slots, json_ok)."""
    match = _PAYLOAD.match(payload.strip())
    if not match:
        return "out_of_scope", {}, False
    intent, rest = match.group(1), match.group(2).strip()
    if not rest:
        return intent, {}, True
    try:
        slots = json.loads(rest)
    except (json.JSONDecodeError, RecursionError):
        return intent, {}, False
    return (intent, slots, True) if isinstance(slots, dict) else (intent, {}, False)


_CLAUSE = re.compile(r"[，,。；;！!？?\n]")


def _not_taken(text: str, start: int, end: int) -> bool:
    """Whether a medicine named at text[start:end] was not taken: its clause says it is at hand ("家里有感冒灵"),
    or the message says nothing was taken ("还没吃") and no clause says one was (answers.yml `patterns`).
    A space is a phone's comma here ("吃了一片泰诺林 可以再吃点感冒灵吗": two clauses)."""
    if pattern("medicines_plus").search(text):
        return True  # "头孢 + 布洛芬?": asked about together (newcomer trial 6)
    text = "".join("，" if ch.isspace() else ch for ch in text)  # the same length: the offsets still hold
    before = [m.end() for m in _CLAUSE.finditer(text, 0, start)]
    after = _CLAUSE.search(text, end)
    clause = text[(before[-1] if before else 0):(after.start() if after else len(text))]
    if pattern("medicine_taken").search(clause):
        return False
    if pattern("medicine_at_hand").search(clause) or pattern("medicine_asked").search(clause.rstrip("。！!~～ ")):
        return True
    return bool(pattern("medicine_not_taken").search(text)) and not pattern("medicine_taken").search(text)


# The phrases are data (flows/language/answers.yml `patterns`: allergy_after, no_allergy).
def _denies_allergy(text: str) -> bool:
    return bool(pattern("no_allergy").match(text.strip()))


ButtonReader = Callable[[list[dict[str, str]], str], "str | None"]


class Engine:
    def __init__(
        self,
        store: ConversationStore,
        locks: "Locks",
        interpreter: Interpreter,
        flows: "FlowSet",
        responses: Responses,
        runner: FlowRunner,
        interceptors: "list[Interceptor]",
        cipher: FieldCipher,
        default_language: str = "zh",
    ) -> None:
        self.store = store
        self.locks = locks
        self.interpreter = interpreter
        self.flows = flows
        self.responses = responses
        self.runner = runner
        self.default_language = default_language
        self.outputs: dict[str, OutputChannel] = {}
        # Plugins that show buttons a patient may answer in words register a reader (register_button_reader).
        self.button_readers: list[ButtonReader] = []
        self.quoted_texts: list[Callable[[str], bool]] = []
        self.interceptors = interceptors  # bound to their services, in priority order
        self.cipher = cipher

    # ---- the public face -------------------------------------------------------------------

    async def handle(self, message: UserMessage, wake: Wake | None = None) -> list[BotMessage]:
        """Answer one message. Messages of one conversation are handled one at a time, in order.

        `wake`: a pub/sub message for once the turn is stored (or found a duplicate); left to the lock's
        release when the lock can send it (`wake.sent`), else the caller publishes it itself."""
        return await self._handle(message, actor="patient", wake=wake)

    async def trigger(self, conversation_id: str, payload: str, actor: str = "system") -> list[BotMessage]:
        """Run a payload as a turn the system starts (a follow-up check-in); replies go out through the channel."""
        state = await self.state(conversation_id)
        if not state.channel:
            raise UnknownConversation(conversation_id)
        message = UserMessage(channel=state.channel, sender=state.sender, payload=payload)
        replies = await self._handle(message, actor=actor)
        await self._deliver(state.channel, state.sender, replies)
        return replies

    async def push(self, conversation_id: str, messages: list[BotMessage], actor: str, notice: bool = False) -> None:
        """Add messages from outside the dialogue (a doctor's reply) and deliver them to the patient. `notice`: the
        system's words on a change the actor caused (已接诊, 已转诊), kept as `notice: true` in the events (console8:
        the doctor's screen shows them as system notices, not as lines the doctor typed)."""
        events = [Event(ev.BOT, {**m.to_dict(), **({"notice": True} if notice else {})}, actor=actor) for m in messages]
        state = await self._append(conversation_id, events)
        await self._deliver(state.channel, state.sender, messages)

    async def record(self, conversation_id: str, type_: str, data: dict[str, Any], actor: str) -> None:
        """Append one event (a handoff status, a delivery receipt) to a conversation's log."""
        await self._append(conversation_id, [Event(type_, data, actor=actor)])

    async def state(self, conversation_id: str) -> ConversationState:
        return await self.store.load(conversation_id)

    async def events(self, conversation_id: str) -> list[Event]:
        return await self.store.events(conversation_id)

    def register_output(self, channel: str, output: OutputChannel) -> None:
        self.outputs[channel] = output

    def register_quoted_text(self, quotes: Callable[[str], bool]) -> None:
        """`quotes(typed text) -> bool`: the message is the bot's own words typed back (an article's title, a
        "相关：…" button): its words are no facts about the patient (fix8a: 相关：孕妇、哺乳期妈妈阳了能吃药吗？ set
        抗原阳性). The intent is kept, so the question is still answered."""
        self.quoted_texts.append(quotes)

    def register_button_reader(self, reader: "ButtonReader") -> None:
        """`reader(buttons on screen, typed text) -> payload | None`: "明天" for the button "12月8日（周二）"."""
        self.button_readers.append(reader)

    # ---- inside a turn ---------------------------------------------------------------------

    async def _handle(self, message: UserMessage, actor: str, wake: Wake | None = None) -> list[BotMessage]:
        started = time.perf_counter()
        MESSAGES.labels(channel=message.channel).inc()
        text, cut = clean_text(message.text or "")
        message = replace(message, text=text)
        try:
            try:
                turn = await self._locked_turn(message, cut, actor, wake)
            except LeaseLost:  # the lease lapsed mid-turn (a stalled worker): nothing was stored, so queue again
                log.warning("conversation %s: lock lease lost before the commit; running the turn again", message.conversation_id)
                turn = await self._locked_turn(message, cut, actor, wake)
            if turn is None or isinstance(turn, list):
                return turn or []
            for func in turn.after_commit:
                try:
                    await func()
                except Exception:  # the turn is stored; a failed notification must not undo it
                    log.exception("conversation %s: an after-commit task failed", message.conversation_id)
            return turn.replies
        finally:
            TURN_SECONDS.observe(time.perf_counter() - started)

    async def _locked_turn(self, message: UserMessage, cut: bool, actor: str, wake: Wake | None = None
                           ) -> Turn | list[BotMessage]:
        """Run and store the turn under the conversation's lock; a duplicate gets its first answer."""
        cid = message.conversation_id
        async with self.locks.hold(cid, self.store.cache_key(cid)) as lease:
            conflicts = busy = 0
            while True:
                state = await self.store.load(cid, message.channel, message.sender, lease)
                if message.message_id and message.message_id in state.message_ids:
                    replies = await self.store.replies_to(cid, message.message_id)
                    if wake is not None:
                        wake.sent = lease.publish_with_release(wake.channel, wake.data)
                    return replies
                try:
                    turn = await self._turn(state, message, cut, actor)
                    await self.store.append(state, turn.events, turn.state, lease, turn.transaction)
                    if wake is not None:
                        wake.sent = lease.publish_with_release(wake.channel, wake.data)
                    return turn
                except IntegrityError:
                    # Another writer got there first (a duplicate message id, or a lost lock): reload.
                    await self.store.forget_cached(cid)
                    if message.message_id:
                        previous = await self.store.replies_to(cid, message.message_id)
                        if previous:
                            if wake is not None:
                                wake.sent = lease.publish_with_release(wake.channel, wake.data)
                            return previous
                    conflicts += 1
                    if conflicts >= 3:
                        raise RuntimeError(f"conversation {cid}: could not store the turn") from None
                    log.warning("conversation %s: write conflict, retrying turn (%d)", cid, conflicts)
                except Exception as exc:
                    # Embedded SQLite's writer stayed taken (`WriterBusy`), or another process held the file
                    # past busy_timeout: nothing of the turn was stored, so it runs again — a patient never
                    # sees "database is locked". Still busy after that: `WriterBusy` (the app's "busy, resend").
                    if not is_sqlite_busy(exc):
                        raise
                    busy += 1
                    if busy > BUSY_RETRIES:
                        raise exc if isinstance(exc, WriterBusy) else WriterBusy(str(exc)) from exc
                    log.warning("conversation %s: the SQLite writer was busy, running the turn again (%d)", cid, busy)
                    await self.store.forget_cached(cid)
                    await asyncio.sleep(0.05 * busy)

    async def _turn(self, state: ConversationState, message: UserMessage, cut: bool, actor: str) -> Turn:
        parse, payload_slots, payload_ok, from_payload = self._understand(state, message)
        parse = parse if from_payload else self.runner.read_intent(parse, message.text, state)
        sensitive = not from_payload and self._awaits_sensitive_answer(state)
        # Newcomer trial 12: an ID-card (or mobile) number typed to any question of a flow that seals identifiers
        # ("我妈，110105…" at the card's second relation question) is sealed too; the question reads the words
        # with the numbers masked, so the number is in clear nowhere (events, frames, logs).
        identifiers = not from_payload and not sensitive and self._identifiers_to_seal(state, message.text)
        sealed = sensitive or identifiers
        clear = message.text
        if sealed:
            # The answer to an identifying question is logged and kept only sealed, whatever the NLU
            # found in it ("我妈，王秀英" carries a subject). The parse was made from the clear text,
            # so symptoms and vital signs in it still fill their slots for the safety screen.
            message = replace(message, text=seal_answer(self.cipher, message.text))
        turn = self._open_turn(state, message, parse, cut, actor, sealed)
        turn.answer_text = "" if from_payload else redact(clear) if identifiers else message.text
        ctx = ActionContext(turn)
        try:
            if parse.intent.name == "restart":
                turn.emit(ev.RESTARTED, {}, actor=actor)
                turn.utter("utter_restarted")
                return turn
            # A plain answer fills the question asked before the safety screen reads the slots, so a
            # bare "92" to the SpO2 question is screened at once. A bare number said to a numeric
            # question answers it (or is refused and asked again): the NLU's context-free reading of
            # it (an age) must never overwrite another slot.
            bare_number = self._bare_number_to_numeric_question(turn.state, turn.answer_text)
            # Newcomer trial 3: "说不清" to a pending question is `unknown` for it, never the NLU's
            # "slurred speech" (a stroke emergency) read out of 说…不清.
            vague = self._vague_answer(turn.state, turn.answer_text)
            corrected = self._fill_slots(turn, payload_slots, use_entities=not (bare_number or vague))
            # Fix11a: "刚才说错了 是91" to the breaths question meant the SpO2 said before; "不是呼吸" removes that reading.
            corrected += [n for n in self.runner.correct_numbers(turn) if n not in corrected]
            # After the entities: "不吃奶" fills "不肯吃奶吗？" with its symptom, not with its "不" (deny).
            self.runner.fill_pending(turn, parse.intent.name)
            if not payload_ok:
                turn.utter("utter_payload_invalid")
            for interceptor in self.interceptors:
                if interceptor.priority >= ANSWERING_PRIORITY and self.runner.reports_illness(turn):
                    break  # an illness described is taken up by the intake, not by a knowledge answer
                if await interceptor.func(ctx):
                    self._emit_stack(state, turn)
                    return turn
            # A slot whose spec says `announce_correction: false` (a choice: 转全科 after 心理科) changes silently.
            said = [n for n in corrected if self._announces_correction(n)]
            if said:
                turn.utter("utter_corrected", corrected="、".join(self._describe(turn, n) for n in said))
            await self.runner.respond(turn, ctx, parse.intent.name, corrected)
            self._emit_stack(state, turn)
            return turn
        except Exception as exc:  # an action crashed: keep only the message, the error and an apology
            await turn.transaction.discard()
            if is_sqlite_busy(exc):
                raise  # not a crash: the turn runs again (`_locked_turn`)
            TURN_ERRORS.inc()
            log.exception("conversation %s: turn failed", state.conversation_id)
            failed = self._open_turn(state, message, parse, cut, actor, sealed)
            failed.emit(ev.ACTION, {"name": "turn", "ok": False, "error": exc.__class__.__name__}, actor="system")
            failed.utter("utter_internal_error")
            return failed
        except BaseException:  # cancelled mid-turn: what the actions wrote is undone, the writer freed
            await turn.transaction.discard()
            raise

    def _open_turn(self, state: ConversationState, message: UserMessage, parse: ParseResult, cut: bool, actor: str,
                   sealed: bool = False) -> Turn:
        turn = Turn(state, self.responses, message, parse, self.store.begin_turn())
        if not state.slots.get("language"):
            turn.set_slot("language", self.default_language, actor="system")
        data: dict[str, Any] = {
            "text": message.text,
            "payload": message.payload,
            "intent": parse.intent.to_dict(),
            # An entity quotes the text it was found in: a sealed answer keeps none of them.
            "entities": [] if sealed else [e.to_dict() for e in parse.entities],
            "message_id": message.message_id,
            "attachments": [a.to_dict() for a in message.attachments],
            "metadata": message.metadata,
        }
        if cut:
            data["truncated"] = True
        turn.emit(ev.USER, data, actor=actor)
        return turn

    def _understand(
        self, state: ConversationState, message: UserMessage
    ) -> tuple[ParseResult, dict[str, Any], bool, bool]:
        """(parse, the payload's slots, whether its JSON was valid, whether it was a payload)."""
        payload = message.payload
        text = message.text.strip()
        if payload is None and text.startswith("/"):
            payload = text
        if payload is None and state.last_buttons:
            match = _BUTTON_NUMBER.match(text)
            if match and int(match.group(1)) <= len(state.last_buttons) and not self._answers_numeric_question(state, text):
                payload = state.last_buttons[int(match.group(1)) - 1]["payload"]
        if payload is None and state.last_buttons and text:
            # A button's title typed ("和心理医生聊聊"), on any channel, unless it names a symptom the
            # safety screen must read.
            titled = button_for_title(state.last_buttons, text)
            if titled is not None and not any(
                    e.entity == "symptom" and not e.negated for e in keep_red_flags(self.interpreter.parse(text)).without_asked().entities):
                payload = titled
        if payload is None and state.last_buttons and text and self.button_readers:
            # A button answered in words ("明天", "9点的"). Only when the words say nothing else the NLU
            # reads as a symptom: "明天上午，我现在胸口疼" goes to the safety screen, not to a booking.
            chosen = next((p for p in (reader(state.last_buttons, text) for reader in self.button_readers) if p), None)
            if chosen is not None:
                parse = keep_red_flags(self.interpreter.parse(text)).without_asked()
                if not any(e.entity == "symptom" and not e.negated for e in parse.entities):
                    payload = chosen
        if payload is not None:
            intent, slots, ok = parse_payload(payload)
            return ParseResult(text=text or payload, intent=Intent(intent, 1.0), intent_ranking=[Intent(intent, 1.0)]), slots, ok, True
        if not text:
            if message.attachments:
                return ParseResult(text="", intent=Intent("inform", 1.0)), {}, True, False
            return ParseResult(text="", intent=Intent(EMPTY, 1.0)), {}, True, False
        # A symptom only named in a general question ("发烧吃什么药", marked `asked` by the NLU since round 11 of issue 11)
        # is no fact about the patient: set aside, as the NLU itself did before (the medicine question's symptom is
        # read back below, `_symptom_beside_question`). A red flag named in a question is not set aside (session seven:
        # "抽搐怎么处理", "黑便要紧吗" — bot/red_flag_questions.py): the safety screen reads it.
        parse = keep_red_flags(self.interpreter.parse(text)).without_asked()
        if parse.entities and any(quotes(text) for quotes in self.quoted_texts):
            return replace(parse, entities=[]), {}, True, False
        return self._symptom_beside_question(parse), {}, True, False

    def _symptom_beside_question(self, parse: ParseResult) -> ParseResult:
        """A medicine question that names its symptom ("牙疼得厉害，吃什么药能止疼"): the NLU reads the
        question and not the symptom, so the words before the question are read again and their symptoms
        kept (round 6 of issue 10): the symptom's intake starts, the question answered on top of it."""
        if parse.intent.name not in SYMPTOM_QUESTION_INTENTS or any(
                e.entity == "symptom" and not e.negated for e in parse.entities):
            return parse  # (newcomer trial 3: a denied symptom, "没发烧", does not stand for the ones named)
        match = pattern("medicine_question").search(parse.text)
        before = parse.text[:match.start()] if match else ""
        if not before.strip(" ，,。"):
            return parse
        known = {(e.value, e.negated) for e in parse.entities if e.entity == "symptom"}
        found = [e for e in self.interpreter.parse(before).without_asked().entities
                 if e.entity == "symptom" and (e.value, e.negated) not in known]
        return replace(parse, entities=[*parse.entities, *found]) if found else parse

    def _announces_correction(self, name: str) -> bool:
        spec = self.flows.slot_spec(name)
        return spec is None or spec.announce_correction

    def _awaits_sensitive_answer(self, state: ConversationState) -> bool:
        if not state.stack or not state.stack[-1].waiting_for:
            return False
        spec = self.flows.slot_spec(state.stack[-1].waiting_for)
        return spec is not None and spec.sensitive

    def _identifiers_to_seal(self, state: ConversationState, text: str) -> bool:
        """`text` holds an ID-card or mobile number and a flow on the stack seals identifiers (flows/cards.yml)."""
        if not text or redact(text) == text:
            return False
        return any((flow := self.flows.flows.get(frame.flow)) is not None and flow.seal_identifiers
                   for frame in state.stack)

    def _answers_numeric_question(self, state: ConversationState, text: str) -> bool:
        """A bare number is a button's number unless it is a valid answer to the numeric question asked."""
        if not state.stack or not state.stack[-1].waiting_for:
            return False
        spec = self.flows.slot_spec(state.stack[-1].waiting_for)
        if spec is None or spec.type not in ("float", "int"):
            return False
        return spec.coerce(text.strip().rstrip(".、)）"))[0]

    @staticmethod
    def _vague_answer(state: ConversationState, text: str) -> bool:
        return bool(state.stack and state.stack[-1].waiting_for and text and only_unknown(text))

    def _bare_number_to_numeric_question(self, state: ConversationState, text: str) -> bool:
        if not state.stack or not state.stack[-1].waiting_for or not _BARE_NUMBER.match(text or ""):
            return False
        spec = self.flows.slot_spec(state.stack[-1].waiting_for)
        return spec is not None and spec.type in ("float", "int")

    def _fill_slots(self, turn: Turn, payload_slots: dict[str, Any], use_entities: bool = True) -> list[str]:
        """Set slots from the payload and from the message's entities; returns the corrected ones."""
        found: dict[str, Any] = {}
        text = turn.parse.text if turn.parse else ""
        correcting = bool(text) and is_correction(text)
        wrong = [m.span() for m in pattern("wrong_clause").finditer(text)] if correcting else []
        for entity in turn.parse.entities if turn.parse and use_entities else ():
            if entity.entity != "symptom" and any(a <= entity.start < b for a, b in wrong):
                continue  # "是六岁 不是五岁": the value said wrong is not filled (fix11a)
            if entity.entity == "medication" and pattern("allergy_after").match(text[entity.end:entity.end + 6]):
                # "对青霉素过敏" names an allergy, not a medicine being taken (it would hide the allergy from the
                # prescription checks and show the doctor "用药: 抗生素"): kept as the stated drug allergy.
                known = str(turn.state.slots.get("drug_allergies") or "")
                said = text[max(0, entity.start - 1):entity.end + 2].strip("，,。 ")
                if self.flows.slot_spec("drug_allergies") is not None and said not in known:
                    found["drug_allergies"] = f"{known}；{said}" if known and not _denies_allergy(known) else said
                continue
            if entity.entity == "medication" and not entity.negated and _not_taken(text, entity.start, entity.end):
                continue  # "还没吃，家里有感冒灵和泰诺": a medicine at hand, not taken (round 8 of issue 10)
            if (entity.entity == "symptom" and entity.value == "fever" and not entity.negated
                    and pattern("fever_simile").search(text[max(0, entity.start - 6):entity.end + 4])):
                continue  # "火烧火燎地疼", "像火烧一样": a burning pain, not a fever (round 5 of issue 10)
            if (entity.entity == "duration" and entity.value == 24
                    and pattern("per_day_dose").search(text[entity.end:entity.end + 8])):
                continue  # "这几天一天吃三四颗": a dose per day, not a one-day illness (round 9, tri11)
            if (entity.entity == "antigen_result" and entity.value == "positive"
                    and pattern("past_positive").search(text[entity.end - 1:entity.end + 4])):
                continue  # "阳过以后", "阳康了": COVID in the past, no current positive test (round 9, tri11)
            if (entity.entity == "symptom" and entity.value == "back_pain" and entity.start > 0
                    and text[entity.start] == "背" and pattern("hand_foot_before").search(text[:entity.start])):
                continue  # "手背都红肿": the back of the hand, not the back (round 9, tri11)
            if (entity.entity == "symptom" and entity.value == "urinary_frequency" and not entity.negated
                    and pattern("toilet_for_stool").search(fold(text))):
                continue  # "一直跑厕所，拉了四五次": the diarrhoea's toilet, not the bladder's (round 9, tri11)
            if (entity.entity == "symptom" and entity.value == "syncope" and not entity.negated
                    and pattern("posture_not_faint").search(text[entity.start:entity.end])):
                continue  # "躺下去…就会晕": lying down on purpose, not a collapse (round 6 of issue 10)
            if (entity.entity == "symptom" and entity.value == "poisoning" and not entity.negated and entity.start > 0
                    and pattern("reading_not_overdose").search(text[entity.start - 1:entity.end])):
                continue  # "三十九度多吃了退烧药": a reading's 多, not "took too much" (round 7 of issue 10)
            if (entity.entity == "symptom" and entity.value == "slurred_speech" and not entity.negated
                    and turn.state.stack and turn.state.stack[-1].waiting_for
                    and pattern("cannot_tell_not_slurred").match(text.strip())):
                continue  # "说不清楚" as the answer to a question: "I can't tell" (round 7 of issue 10)
            if entity.entity == "subject" and turn.state.slots.get("subject") not in (None, "unknown") and says_alone(text):
                continue  # "家里就我一个人": who is at home, never who the patient is (fix6)
            if (entity.entity == "duration" and turn.state.stack
                    and turn.state.stack[-1].waiting_for in AGE_QUESTIONS):
                continue  # "一个半月" to "宝宝多大？": the baby's age (read by the question), not the illness's length
            if (entity.entity == "duration" and isinstance(entity.value, int | float) and 0 < entity.value < 24 * 366
                    and pattern("infant_age_before").search(text[max(0, entity.start - 4):entity.start])
                    and not pattern("onset_after").match(text[entity.end:entity.end + 6])):
                # "我家宝宝20天，今天拉了七八次": a baby's age in days, never a 20-day illness (newcomer trial 5)
                if "age" not in found and turn.state.slots.get("age") is None:
                    found["age"] = round(float(entity.value) / 24 / 365, 3)
                continue
            for name, value in self._slot_values(entity):
                found[name] = self.runner.combine(name, found[name], value) if name in found else value
            if (entity.entity == "symptom" and entity.value == "fever" and not entity.negated
                    and pattern("fever_guess").search(text[max(0, entity.start - 8):entity.end])
                    and not pattern("fever_measured").search(text)):
                found["fever_guessed"] = True  # "好像有点烧": a guess a measured "no" may replace (newcomer trial 9)
        if use_entities and text and "symptoms.irritability" not in found and self._about_a_baby(turn, found) \
                and pattern("baby_crying").search(text) and self.flows.slot_spec("symptoms.irritability") is not None:
            found["symptoms.irritability"] = True  # "宝宝20天，肚子胀，一直哭": a baby's continuous cry (newcomer trial 9)
        for name, value in payload_slots.items():
            if isinstance(name, str):
                found[name] = value
        corrected = []
        for name, value in found.items():
            spec = self.flows.slot_spec(name)
            if spec is None:
                continue
            ok, coerced = spec.coerce(value)
            if not ok:
                continue
            if name == "symptoms.fever" and coerced is False and name not in payload_slots \
                    and self.runner.vague_fever_denial(turn, found, text):
                continue  # "应该不烧吧" after 38.6 ℃ measured: the reading stands (newcomer trial 9)
            previous = turn.state.slot(name)
            changed = previous is not None and previous != coerced and name != "language"
            if previous != coerced and name != "language" and in_live_session(turn.state):
                # With a doctor: what the patient says is news, recorded as an observation.
                if not accept_in_session(turn, name, coerced, previous):
                    continue  # the intake keeps what the doctor read
            elif changed and name not in payload_slots and emergency_standing(turn.state) and previous != "unknown" \
                    and not self.runner.worsens(name, previous, coerced):
                # After the emergency answer a fact typed is never lowered silently ("没有昏迷，他一直醒着",
                # "刚才说错了，不是胸口疼"): held, and the safety screen asks the patient to confirm it. A structured
                # payload (`/inform{"spo2": 98}`) is taken as it always was.
                turn.held[name] = coerced
                continue
            elif changed and not payload_slots.get(name) == value and not self.runner.accepts_change(turn, name, previous, coerced):
                continue  # a stray reading never silently rewrites what the patient said before
            turn.set_slot(name, coerced, actor="patient")
            turn.filled_this_turn.add(name)
            if changed and previous != "unknown" and not self._answers_pending(turn, name):
                corrected.append(name)
        return corrected

    @staticmethod
    def _answers_pending(turn: Turn, name: str) -> bool:
        return bool(turn.state.stack) and turn.state.stack[-1].waiting_for == name

    @staticmethod
    def _about_a_baby(turn: Turn, found: dict[str, Any]) -> bool:
        """Whether the patient is a baby under one (as said in this message, or known before)."""
        age = found.get("age", turn.state.slots.get("age"))
        subject = found.get("subject", turn.state.slots.get("subject"))
        if isinstance(age, int | float) and not isinstance(age, bool):
            return age < 1
        return subject == "infant"

    def _slot_values(self, entity: Entity) -> list[tuple[str, Any]]:
        values = []
        for spec in self.flows.by_entity(entity.entity):
            if spec.type == "map":
                values.append((f"{spec.name}.{entity.value}", not bool(entity.negated)))
            elif spec.entity_value is not None:
                value = spec.entity_value
                values.append((spec.name, (not value) if entity.negated and isinstance(value, bool) else value))
            elif spec.numbers_only:
                if isinstance(entity.value, int | float) and not isinstance(entity.value, bool) and not entity.negated:
                    values.append((spec.name, entity.value))
            elif not entity.negated:
                values.append((spec.name, entity.value))
        return values

    def _describe(self, turn: Turn, name: str) -> str:
        spec = self.flows.slot_spec(name)
        label = spec.label if spec else name
        if "." in name:  # a map key: say which entry changed, in words: 症状（咳嗽）
            group, _, code = name.partition(".")
            value = turn.state.slot(name)
            if group == "symptoms" and isinstance(value, bool):
                # Fix11a: "好的，已更正：没有皮疹" — what the patient said, not only which entry changed.
                return self.responses.text("emergency_change_present" if value else "emergency_change_absent",
                                           turn.state, {"name": code_name(group, code)})
            return f"{label}（{code_name(group, code)}）"
        value = turn.state.slot(name)
        if value is None:  # a reading said to be another one's (fix11a): 呼吸频率 已删去
            return f"{label} {self.responses.text('value_removed', turn.state, {})}"
        if isinstance(value, bool):  # 怀孕：否, never "False"
            return f"{label}：{self.responses.text('value_yes' if value else 'value_no', turn.state, {})}"
        if turn.state.language in ("", None, "zh"):
            # The words the doctor reads too (bot/consultations/labels.py): 配偶 not "spouse", 7个月 not 0.58 (newcomer
            # trial 9). Imported here: the consultations package imports the engine.
            from bot.consultations.labels import labels

            return f"{label} {labels().value(name, value)}"
        return f"{label} {display_value(value)}"

    @staticmethod
    def _emit_stack(before: ConversationState, turn: Turn) -> None:
        frames = [f.to_dict() for f in turn.state.stack]
        if frames != [f.to_dict() for f in before.stack]:
            turn.emit(ev.STACK, {"frames": frames}, actor="bot")

    # ---- outside a turn --------------------------------------------------------------------

    async def _append(self, conversation_id: str, events: list[Event]) -> ConversationState:
        """Append under the conversation's lock. Another writer that got there first (a process with its
        own lock, as `wenzhen chat` beside `wenzhen serve` on one SQLite file) is met by reloading and
        appending again — a doctor's reply is never lost to a write conflict."""
        for attempt in range(3):
            async with self.locks.hold(conversation_id, self.store.cache_key(conversation_id)) as lease:
                state = await self.store.load(conversation_id, lease=lease)
                if state.seq == 0:
                    raise UnknownConversation(conversation_id)
                after = state.copy()
                for event in events:
                    after.apply(event)
                try:
                    await self.store.append(state, events, after, lease)
                    return after
                except IntegrityError:
                    await self.store.forget_cached(conversation_id)
                    if attempt == 2:
                        raise
                    log.warning("conversation %s: write conflict, appending again (%d)", conversation_id, attempt + 1)
        raise AssertionError("unreachable")

    async def _deliver(self, channel: str, sender: str, messages: list[BotMessage]) -> None:
        output = self.outputs.get(channel)
        if output is not None and messages:
            await output.send(sender, messages)


__all__ = ["Engine", "OutputChannel", "UnknownConversation", "clean_text", "conversation_id_for", "parse_payload"]
