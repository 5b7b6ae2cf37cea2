"""The bot on Telegram: one python-telegram-bot Application, its handlers, and webhook or polling mode.

Patients chat with the engine (`patients.py`); linked doctors get the queue and live sessions
(`doctors/`). Updates arrive through the webhook route under `serve` (`webhook.py`) or by long
polling; both end in `Application.process_update`, so the same handlers serve both modes.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Awaitable, Iterable

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import Forbidden, InvalidToken, TelegramError
from telegram.ext import (
    Application,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import ConfigError
from bot.locks import MemoryLocks
from bot.messages import BotMessage
from bot.staff_links import staff_links
from bot.state import ConversationState
from integrations.telegram.doctors import DoctorDesk
from integrations.telegram.linking import PROVIDER, ChatLinks
from integrations.telegram.patients import PatientChat
from integrations.telegram.polling import Poller
from integrations.telegram.rendering import to_telegram
from integrations.telegram.service import TelegramService
from integrations.telegram.settings import TelegramSettings

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("wenzhen.telegram")

# Everything else Telegram may send (edited messages, channel posts, polls, ...) is not asked for.
ALLOWED_UPDATES = ["message", "callback_query"]
_PRIVATE = filters.ChatType.PRIVATE


def mask_chat(chat_id: int | str) -> str:
    """A chat id for logs: enough to tell chats apart, not enough to find the person."""
    text = str(chat_id)
    return "…" + text[-3:]


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Updates of different chats are handled at once; those of one chat one after another, in order.

    (PTB's default handles every update of the bot one at a time: one slow chat would hold up all.)
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._chats = MemoryLocks(timeout=300.0)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        async with self._chats.hold(str(chat.id)):
            await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


class TelegramChannel(TelegramService):
    """Owns the Application and routes each update to the patient chat or the doctor desk."""

    def __init__(self, runtime: "Runtime", settings: TelegramSettings) -> None:
        self.runtime = runtime
        self.settings = settings
        builder = (
            Application.builder()
            .token(settings.token)
            .base_url(settings.bot_base_url)
            .base_file_url(settings.file_base_url)
            .concurrent_updates(ChatOrderedProcessor())
        )
        if settings.mode == "webhook":
            builder = builder.updater(None)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.linker = ChatLinks(staff_links(runtime, PROVIDER))
        self.patients = PatientChat(self)
        self.doctors = DoctorDesk(self)
        app = self.application
        app.add_handler(CommandHandler("link", self._on_link, filters=_PRIVATE))
        app.add_handler(CallbackQueryHandler(self._on_callback))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & _PRIVATE, self._on_message))
        app.add_error_handler(self._on_error)
        self.poller = Poller(self, ALLOWED_UPDATES) if settings.mode == "polling" else None
        self.running = False
        self._seen: OrderedDict[str, None] = OrderedDict()  # without Redis: recent `first_time` keys

    @property
    def bot(self) -> Any:
        return self.application.bot

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        try:
            await self.application.initialize()  # getMe: a wrong token or base URL fails here, at start
        except InvalidToken as exc:
            raise ConfigError("WENZHEN_TELEGRAM_TOKEN was refused by the Telegram Bot API") from exc
        except TelegramError as exc:
            raise ConfigError(f"the Telegram Bot API at {self.settings.api_base} cannot be reached: {exc}") from exc
        self.runtime.register_output("telegram", self.patients)
        await self.doctors.start()
        if self.poller is not None:
            await self.poller.start()
        elif self.settings.webhook_url:
            try:
                await self.bot.set_webhook(
                    url=self.settings.webhook_url,
                    secret_token=self.settings.webhook_header_secret,
                    allowed_updates=ALLOWED_UPDATES,
                )
            except TelegramError as exc:
                # The public base only: the full URL carries the secret path.
                raise ConfigError(f"Telegram refused the webhook under {self.settings.public_url}: {exc}") from exc
        self.running = True
        log.info("telegram channel started (%s mode)", self.settings.mode)

    async def stop(self) -> None:
        self.running = False
        await self.doctors.stop()
        if self.poller is not None:
            await self.poller.stop()
        await self.application.shutdown()

    async def process(self, data: dict[str, Any]) -> None:
        """Handle one update as Telegram sent it (JSON already decoded); raises ValueError when it is not one.

        Kinds the bot does not use are dropped unread: a newer Bot API may add fields that this
        library version refuses, and Telegram would retry a refused update forever.
        """
        used = {kind: data[kind] for kind in ALLOWED_UPDATES if kind in data}
        if not used:
            return
        try:
            update = Update.de_json({"update_id": data["update_id"], **used}, self.bot)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"not a Telegram update: {exc.__class__.__name__}") from exc
        await self.application.process_update(update)

    # -- sending -------------------------------------------------------------------------------

    async def send(self, chat_id: int, messages: Iterable[BotMessage]) -> list[Message]:
        """Send bot messages to a chat in order; a chat that blocked the bot is logged, not raised."""
        sent: list[Message] = []
        for message in messages:
            for out in to_telegram(message):
                try:
                    if out.photo_url:
                        sent.append(await self.bot.send_photo(chat_id, out.photo_url, reply_markup=out.keyboard))
                    else:
                        sent.append(await self.bot.send_message(chat_id, out.text, reply_markup=out.keyboard))
                except Forbidden:
                    log.warning("telegram chat %s blocked the bot; message not delivered", mask_chat(chat_id))
                    return sent
                except TelegramError as exc:
                    log.warning("telegram chat %s: message not delivered (%s)", mask_chat(chat_id), exc.__class__.__name__)
        return sent

    def text(self, key: str, **variables: Any) -> str:
        """A response of `flows/responses/*/telegram.yml` in the deployment's language (doctors' texts)."""
        state = ConversationState(conversation_id="telegram", slots={"language": self.runtime.config.language})
        return self.runtime.responses.text(key, state, variables)

    async def say(
        self, chat_id: int, key: str, keyboard: InlineKeyboardMarkup | None = None, **variables: Any
    ) -> Message | None:
        try:
            return await self.bot.send_message(chat_id, self.text(key, **variables), reply_markup=keyboard)
        except TelegramError as exc:
            log.warning("telegram chat %s: %s not delivered (%s)", mask_chat(chat_id), key, exc.__class__.__name__)
            return None

    # -- routing -------------------------------------------------------------------------------

    async def _on_link(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.doctors.link(update, " ".join(context.args or []))

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        staff_id = await self.linker.staff_for_chat(chat_id)
        if staff_id is not None:
            if await self.first_delivery(update.update_id):
                await self.doctors.on_message(update, staff_id)
        else:
            await self.patients.on_message(update)

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.message is None or query.message.chat.type != "private":
            return
        staff_id = await self.linker.staff_for_chat(query.message.chat.id)
        if staff_id is not None:
            if await self.first_delivery(update.update_id):
                await self.doctors.on_callback(update, staff_id)
        else:
            await self.patients.on_callback(update)

    async def first_time(self, key: str) -> bool:
        """True once per key across all workers (Redis SET NX; in memory without Redis, one process)."""
        redis = self.runtime.redis
        if redis is not None:
            return bool(await redis.set(self.runtime.key(f"telegram:once:{key}"), "1", nx=True, ex=86_400))
        if key in self._seen:
            return False
        self._seen[key] = None
        while len(self._seen) > 10_000:
            self._seen.popitem(last=False)
        return True

    async def first_delivery(self, update_id: int) -> bool:
        """False for an update seen before (a retried webhook, a re-polled batch).

        Patients' turns are made idempotent by the engine; a doctor's message goes to the domain,
        which would send it to the patient a second time, so doctors' updates are claimed here.
        """
        return await self.first_time(f"update:{update_id}")

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # A handler failed (the API went away mid-turn, a bug): log it; the next update is handled normally.
        log.error("telegram update failed: %r", context.error, exc_info=context.error)

