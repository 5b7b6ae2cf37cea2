"""A rejected prescription reaches its doctor live: the typed `PrescriptionRejected` on the console's event stream
(Server-Sent Events, read as a browser reads it), with the reason and no patient text; not on another doctor's."""
from __future__ import annotations

import asyncio
import json
from typing import Any, AsyncIterator

import httpx

from bot import wire
from bot.app import create_app
from bot.prescriptions.notices import PrescriptionRejected
from bot.runtime import Runtime
from tests.console.helpers import on_duty
from tests.console.test_console_api import sign_in
from tests.prescriptions.test_prescribing_api import body, consultation


async def event_stream(runtime: Runtime, cookie: str) -> AsyncIterator[str]:
    """The console's /api/console/stream as chunks of text, driven over ASGI as a server would (it never ends)."""
    app = create_app(runtime=runtime)
    chunks: asyncio.Queue[str] = asyncio.Queue()
    closed = asyncio.Event()
    sent_request = False

    async def receive() -> dict[str, Any]:
        nonlocal sent_request
        if not sent_request:
            sent_request = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await closed.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200
        elif message["type"] == "http.response.body" and message.get("body"):
            chunks.put_nowait(message["body"].decode())

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "https",
             "path": "/api/console/stream", "raw_path": b"/api/console/stream", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"wenzhen.test"), (b"cookie", cookie.encode())],
             "client": ("127.0.0.1", 40000), "server": ("wenzhen.test", 443)}
    task = asyncio.create_task(app(scope, receive, send))
    try:
        while True:
            yield await asyncio.wait_for(chunks.get(), 15)
    finally:
        closed.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def frames(text: str, event: str) -> list[dict[str, Any]]:
    found = []
    for frame in text.split("\n\n"):
        lines = frame.split("\n")
        if f"event: {event}" in lines:
            found.append(json.loads(next(x for x in lines if x.startswith("data: "))[6:]))
    return found


async def test_the_doctor_sees_the_rejection_on_the_event_stream(runtime: Runtime, client: httpx.AsyncClient,
                                                                 other_client: httpx.AsyncClient) -> None:
    li = await on_duty(runtime, "dr.li", ["general"], name="李明")
    await on_duty(runtime, "dr.zhou", ["general"], name="周红", rostered=False)
    await on_duty(runtime, "ph.wang", [], role="pharmacist", name="王药师", title="主管药师", rostered=False)
    doctor = {"X-CSRF-Token": await sign_in(client, "dr.li")}
    cid = await consultation(runtime, client, doctor["X-CSRF-Token"], "rej-1")
    rx = (await client.post("/api/console/prescriptions", headers=doctor, json=body(cid))).json()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime=runtime)),
                                 base_url="https://wenzhen.test") as colleague:
        await sign_in(colleague, "dr.zhou")
        colleague_cookie = f"wz_console={colleague.cookies['wz_console']}"
    pharmacist = {"X-CSRF-Token": await sign_in(other_client, "ph.wang")}

    mine = event_stream(runtime, f"wz_console={client.cookies['wz_console']}")
    theirs = event_stream(runtime, colleague_cookie)
    received, seen_by_colleague = "", ""
    while "event: ready" not in received:
        received += await anext(mine)
    while "event: ready" not in seen_by_colleague:
        seen_by_colleague += await anext(theirs)
    rejected = await other_client.post(f"/api/console/prescriptions/{rx['id']}/review", headers=pharmacist,
                                       json={"approve": False, "reason": "老年患者首次建议从半片起始，请核对剂量"})
    assert rejected.status_code == 200
    while "event: prescription_rejected" not in received:
        received += await anext(mine)
    [notice] = frames(received + "\n\n", "prescription_rejected")
    assert notice["type"] == "prescription_rejected" and notice["prescription_id"] == rx["id"]
    assert notice["doctor_id"] == li.id and notice["version"] == 1 and notice["medicines"] == ["苯磺酸氨氯地平片"]
    assert notice["pharmacist"] == "王药师 主管药师" and notice["reason"] == "老年患者首次建议从半片起始，请核对剂量"
    assert isinstance(wire.decode(notice), PrescriptionRejected)
    # no patient text (the patient's age 72, the sender id); the prescription number and the time are
    # left out of the search, since a date or a random suffix may contain "72" (RX20261207 2…)
    rest = {k: v for k, v in notice.items() if k not in ("prescription_id", "at")}
    assert "72" not in json.dumps(rest, ensure_ascii=False) and "rej-1" not in json.dumps(notice)

    # Another doctor of the department is not told (a ping or nothing within a heartbeat).
    try:
        seen_by_colleague += await asyncio.wait_for(anext(theirs), 1.0)
    except asyncio.TimeoutError:
        pass
    assert "prescription_rejected" not in seen_by_colleague
    await mine.aclose()
    await theirs.aclose()
