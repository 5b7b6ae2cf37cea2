"""The patient web chat: `/chat` (a page, its script and style, served from here: no CDN) and
`GET /chat/session`, which gives the visitor their own signed session cookie (docs/webchat.md).

The page talks to the engine through the REST channel like any REST client — the webhook, the
message stream, image uploads — authenticated by the visitor cookie, never by the deployment's token.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse

from bot.runtime import Runtime
from integrations.web.rest_auth import RestAuth

STATIC = Path(__file__).with_name("static")
ASSETS = {"chat.js": "text/javascript; charset=utf-8", "chat.css": "text/css; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def chat_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    visitors = RestAuth(runtime.config).visitors

    @router.get("/chat/")
    async def slash() -> RedirectResponse:
        return RedirectResponse("/chat", status_code=308)

    @router.get("/chat")
    async def page() -> FileResponse:
        return FileResponse(STATIC / "chat.html", media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    @router.get("/chat/static/{name}")
    async def asset(name: str) -> FileResponse:
        if name not in ASSETS:
            raise HTTPException(404, "no such file")
        return FileResponse(STATIC / name, media_type=ASSETS[name], headers=SECURITY_HEADERS)

    @router.get("/chat/session")
    async def session(request: Request) -> JSONResponse:
        """This visitor's sender id and CSRF token; a first visit (or an expired cookie) gets a new one.

        Only a page of this origin can read the answer; the cookie itself is HttpOnly and SameSite=Strict.
        """
        visitor = visitors.read(request) or visitors.new()
        response = JSONResponse({"sender": visitor.sender, "csrf": visitor.csrf}, headers={"Cache-Control": "no-store"})
        visitors.issue(response, visitor)  # renewed on every visit
        return response

    return router
