"""Live updates for the console: Server-Sent Events fed by `runtime.pubsub` (Redis across workers).

One stream per open console page: the queue changes of the doctor's departments and everything
addressed to the doctor (patient messages, alerts, invitations). Connecting also marks the doctor
as present, which is how the relay knows whether anyone is watching.
"""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any, AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from bot import draining, wire
from bot.consultations import Notice, consultations, topics
from bot.consultations.notices import event_name
from bot.runtime import Runtime
from integrations.console.auth import ConsoleAuth, ConsoleSession

HEARTBEAT_SECONDS = 10.0


def _frame(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def console_stream(runtime: Runtime) -> APIRouter:
    service = consultations(runtime)
    auth = ConsoleAuth(runtime)
    router = APIRouter(prefix="/api/console", tags=["doctor console"])

    @router.get("/stream", response_class=StreamingResponse,
                responses={200: {"content": {"text/event-stream": {}},
                                 "description": "events `ready`, `consultation`, `message`, `alert`, `alert_taken`, `alert_updated`, `invited` "
                                                "(the pub/sub messages of docs/consultations.md)"}})
    async def stream(request: Request, session: ConsoleSession = Depends(auth.current)) -> StreamingResponse:
        """Server-Sent Events: queue changes of my departments and messages of my sessions, as they happen."""
        staff = session.staff
        codes = service.departments.codes() if staff.is_admin else list(staff.departments)
        names = [topics.department(code) for code in codes] + [topics.staff(staff.id)]
        inbox: asyncio.Queue[Notice | None] = asyncio.Queue()  # None: the server is draining
        subscribed = [asyncio.Event() for _ in names]

        async def pump(topic: str, ready: asyncio.Event) -> None:
            async with runtime.pubsub.subscribe(topic) as messages:
                ready.set()
                async for message in messages:
                    inbox.put_nowait(message)

        async def events() -> AsyncIterator[str]:
            pumps = [asyncio.create_task(pump(t, r)) for t, r in zip(names, subscribed)]
            stop_draining = draining.on_drain(lambda: inbox.put_nowait(None))
            try:
                await asyncio.wait_for(asyncio.gather(*(r.wait() for r in subscribed)), 10)
                await service.heartbeat(staff.id)
                last_beat = time.monotonic()
                yield "retry: 2000\n\n" + _frame("ready", {"staff_id": staff.id, "departments": codes})
                while True:
                    try:
                        message = await asyncio.wait_for(inbox.get(), HEARTBEAT_SECONDS)
                        if message is None:  # the server is shutting down: come back in a moment
                            yield "retry: 2000\n\n" + _frame("bye", {"reason": "server restarting"})
                            return
                        yield _frame(event_name(message), wire.encode(message))
                    except asyncio.TimeoutError:
                        # A lost subscription (Redis restarted) ends the stream: the browser reconnects.
                        if await request.is_disconnected() or any(task.done() for task in pumps):
                            return
                        yield ": ping\n\n"
                    # Present while connected, however busy the stream is.
                    if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                        await service.heartbeat(staff.id)
                        last_beat = time.monotonic()
            finally:
                stop_draining()
                for task in pumps:
                    task.cancel()
                await asyncio.gather(*pumps, return_exceptions=True)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    return router
