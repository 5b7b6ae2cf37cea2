"""What flows call: named actions, and interceptors that see every message before the dialogue.

Action modules (in `actions/`) register themselves on import with `@action("name")`;
the engine imports the modules named under `plugins:` in config.yml.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, TypeVar

from bot.messages import BotMessage, UserMessage
from bot.state import ConversationState
from bot.turn import Turn

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.events import Event
    from nlu import ParseResult


class ActionContext:
    """What an action (or interceptor) may see and do during one turn.

    The services an action uses are not reached through here: it declares them as annotated
    parameters after `ctx` (`async def card_save(ctx: ActionContext, cipher: FieldCipher)`), and
    the runtime binds them once (bot/services.py)."""

    def __init__(self, turn: Turn) -> None:
        self._turn = turn

    @property
    def state(self) -> ConversationState:
        return self._turn.state

    @property
    def conversation_id(self) -> str:
        return self._turn.state.conversation_id

    @property
    def channel(self) -> str:
        return self._turn.state.channel

    @property
    def sender(self) -> str:
        return self._turn.state.sender

    @property
    def message(self) -> UserMessage | None:
        return self._turn.message

    @property
    def parse(self) -> "ParseResult | None":
        return self._turn.parse

    @property
    def events(self) -> "list[Event]":
        """The events of this turn so far (an interceptor sees what the safety screen emitted before it)."""
        return list(self._turn.events)

    @property
    def slots(self) -> dict[str, Any]:
        return self._turn.state.slots

    def slot(self, name: str, default: Any = None) -> Any:
        value = self._turn.state.slot(name)
        return default if value is None else value

    def set_slot(self, name: str, value: Any) -> None:
        self._turn.set_slot(name, value)

    @property
    def held(self) -> dict[str, Any]:
        """Facts this message would have lowered after an emergency answer, held for the patient's yes."""
        return self._turn.held

    def note_fact(self, name: str, value: Any) -> None:
        """Set a slot from what the patient's message said (it may answer the pending question)."""
        self._turn.set_slot(name, value, actor="patient")
        self._turn.filled_this_turn.add(name)

    def utter(self, key: str, **variables: Any) -> None:
        self._turn.utter(key, **variables)

    def send(self, message: BotMessage) -> None:
        self._turn.send(message)

    def emit(self, type_: str, data: dict[str, Any] | None = None, actor: str = "bot") -> None:
        self._turn.emit(type_, data, actor=actor)

    def after_commit(self, func: Callable[[], Awaitable[Any]]) -> None:
        """Run `func` once this turn's events are stored (and the conversation unlocked): for telling
        others (a doctor's screen) about something that must not be seen if the turn is rolled back."""
        self._turn.after_commit.append(func)

    def end_flows(self, reason: str) -> None:
        """End every running flow, recording why (e.g. "emergency")."""
        self._turn.end_flows(reason)

    async def transaction(self) -> "AsyncSession":
        """The turn's own database transaction: what an action writes here is committed together with
        the turn's events, or not at all (a failed or conflicting turn rolls it back)."""
        return await self._turn.transaction.session()

    def render(self, key: str, **variables: Any) -> list[BotMessage]:
        """A response rendered for this conversation, without sending it (to send it changed)."""
        return self._turn.responses.render(key, self._turn.state, variables)

    def has_response(self, key: str) -> bool:
        """Whether a response of that key exists (e.g. an optional `<key>_alone` variant)."""
        return self._turn.responses.has(key)

    def text(self, key: str, **variables: Any) -> str:
        """A response's text, rendered for this conversation, without sending it."""
        return self._turn.responses.text(key, self._turn.state, variables)


# What a flow's step runs once the services it declares are bound: `action(ctx)`.
ActionFunc = Callable[[ActionContext], Awaitable[None]]
# An interceptor returns True when it has handled the message and the dialogue must not run.
InterceptorFunc = Callable[[ActionContext], Awaitable[bool]]
# As written: the context first, then the services it declares (bot/services.py binds them).
DeclaredAction = Callable[..., Awaitable[None]]
DeclaredInterceptor = Callable[..., Awaitable[bool]]
A = TypeVar("A", bound=DeclaredAction)
Icpt = TypeVar("Icpt", bound=DeclaredInterceptor)


@dataclass(frozen=True)
class Interceptor:
    name: str
    priority: int  # lower runs first; the safety screen is 10, the live-session relay 20
    func: DeclaredInterceptor


ACTIONS: dict[str, DeclaredAction] = {}
INTERCEPTORS: list[Interceptor] = []


def _within(func: Callable[..., Any], modules: list[str]) -> bool:
    owner = func.__module__
    return any(owner == m or owner.startswith(m + ".") for m in modules)


def actions_of(modules: list[str]) -> dict[str, DeclaredAction]:
    """The actions registered by these plugin modules (registries are process-wide; runtimes are not)."""
    return {name: func for name, func in ACTIONS.items() if _within(func, modules)}


def interceptors_of(modules: list[str]) -> list[Interceptor]:
    """The interceptors registered by these plugin modules, in priority order."""
    return [i for i in INTERCEPTORS if _within(i.func, modules)]


def action(name: str) -> Callable[[A], A]:
    """Register an action under `name`, the name flows use in `action:` steps."""

    def register(func: A) -> A:
        if name in ACTIONS and ACTIONS[name] is not func:
            raise ValueError(f"action {name!r} is registered twice")
        ACTIONS[name] = func
        return func

    return register


def interceptor(name: str, priority: int) -> Callable[[Icpt], Icpt]:
    """Register a function that sees every user message before the dialogue runs."""

    def register(func: Icpt) -> Icpt:
        if not any(i.name == name for i in INTERCEPTORS):
            INTERCEPTORS.append(Interceptor(name, priority, func))
            INTERCEPTORS.sort(key=lambda i: i.priority)
        return func

    return register
