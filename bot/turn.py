"""One turn of a conversation: the working state and the events it adds, committed all or nothing."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Awaitable, Callable

from bot import events as ev
from bot.events import Event
from bot.messages import BotMessage, UserMessage
from bot.state import ConversationState

if TYPE_CHECKING:
    from bot.responses import Responses
    from bot.store import TurnTransaction
    from nlu import ParseResult


class Turn:
    """Collects the events of one turn, applying each to a working copy of the state at once."""

    def __init__(
        self,
        state: ConversationState,
        responses: "Responses",
        message: UserMessage | None = None,
        parse: "ParseResult | None" = None,
        transaction: "TurnTransaction | None" = None,
    ) -> None:
        self.state = state.copy()
        self.responses = responses
        self.message = message
        self.parse = parse
        self.events: list[Event] = []
        self.replies: list[BotMessage] = []
        self.filled_this_turn: set[str] = set()  # slots the patient's message itself filled
        # After an emergency answer, a fact the message would lower ("没有昏迷") is held here, not set: the
        # safety screen asks the patient to confirm it first (actions/triage/screen.py).
        self.held: dict[str, Any] = {}
        # Fix11a: the answer was a correction of an earlier slot ("刚才说错了 是91" meaning the SpO2): the pending
        # question does not read it.
        self.answer_spent = False
        # The buttons the patient saw when typing this answer (the message's own event clears
        # `state.last_buttons`): a typed title or button number is read against these.
        self.buttons_shown: list[dict[str, str]] = list(state.last_buttons)
        self.answer_text = message.text if message else ""  # what the patient typed ("" for a payload)
        self.after_commit: list[Callable[[], Awaitable[Any]]] = []  # run once the turn is stored
        self._transaction = transaction

    @property
    def transaction(self) -> "TurnTransaction":
        if self._transaction is None:
            raise RuntimeError("this turn has no database transaction (made outside the engine)")
        return self._transaction

    def emit(self, type_: str, data: dict[str, Any] | None = None, actor: str = "bot") -> Event:
        event = Event(type_, dict(data or {}), actor=actor)
        self.events.append(event)
        self.state.apply(event)
        return event

    def set_slot(self, name: str, value: Any, actor: str = "bot") -> None:
        if self.state.slot(name) != value:
            self.emit(ev.SLOT, {"name": name, "value": value}, actor=actor)

    def send(self, message: BotMessage) -> None:
        self.replies.append(message)
        self.emit(ev.BOT, message.to_dict())

    def end_flows(self, reason: str) -> None:
        """End every running flow (cancel, emergency, an interrupting flow), newest first."""
        while self.state.stack:
            frame = self.state.stack.pop()
            self.emit(ev.FLOW_ENDED, {"flow": frame.flow, "reason": reason})

    def utter(self, key: str, **variables: Any) -> None:
        for message in self.responses.render(key, self.state, variables, turn_seed=len(self.events)):
            self.send(message)
