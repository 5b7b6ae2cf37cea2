"""A few real consultations, made the way patients and doctors make them (REST channel, console API)."""
from __future__ import annotations

import httpx

from bot.runtime import Runtime
from tests.console.helpers import PASSWORD, on_duty, say
from tests.console.test_console_api import queued, sign_in


async def consult(http: httpx.AsyncClient, sender: str, lines: list[str], csrf: str, close: bool = True) -> str:
    """The patient says `lines`, asks for a doctor; the signed-in doctor accepts, replies and (maybe) closes."""
    for line in lines:
        await say(http, sender, line)
    cid = await queued(http, sender)
    headers = {"X-CSRF-Token": csrf}
    assert (await http.post(f"/api/console/consultations/{cid}/accept", headers=headers)).status_code == 200
    await http.post(f"/api/console/consultations/{cid}/messages", json={"text": "请多喝水，注意休息"}, headers=headers)
    if close:
        response = await http.post(f"/api/console/consultations/{cid}/close", headers=headers,
                                   json={"summary": "上呼吸道感染", "advice": "居家观察", "level": "selfcare"})
        assert response.status_code == 200, response.text
    return cid


async def doctor_and_admin(runtime: Runtime, http: httpx.AsyncClient) -> str:
    """dr.li of general (signed in on `http`; returns the CSRF token) and an administrator `boss`."""
    await on_duty(runtime, "dr.li", ["general"], name="李医生", title="主治医师")
    await on_duty(runtime, "boss", [], role="admin", name="院办", rostered=False)
    return await sign_in(http, "dr.li")


__all__ = ["PASSWORD", "consult", "doctor_and_admin", "sign_in"]
