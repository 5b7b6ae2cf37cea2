"""The console's pages (Chinese HTML, no inline script) and their static files, under /console."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import FileResponse, RedirectResponse

from bot.runtime import Runtime
from integrations.console.auth import ConsoleAuth
from integrations.console.shell import hospital_timezone
from integrations.console.shell import page as shell_page

STATIC = Path(__file__).with_name("static")
PAGES = {"": "console.html", "login": "login.html", "admin": "admin.html", "prescriptions": "prescriptions.html"}
ASSETS = {"common.js", "console.js", "login.js", "admin.js", "console.css", "prescriptions.js", "favicon.svg"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def console_pages(runtime: Runtime) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    auth = ConsoleAuth(runtime)
    zone = hospital_timezone(runtime)

    @router.get("/console/")
    async def slash() -> RedirectResponse:
        return RedirectResponse("/console", status_code=308)

    @router.get("/console/static/{name}")
    async def asset(name: str) -> FileResponse:
        if name not in ASSETS:
            raise HTTPException(404, "no such file")
        return FileResponse(STATIC / name, headers=SECURITY_HEADERS)

    @router.get("/console")
    @router.get("/console/{page}")
    async def page(request: Request, page: str = "") -> Response:
        # Pages are shells: every piece of data comes from the API, which checks the sign-in. Without a
        # valid sign-in a page sends the browser to the sign-in page at once (303), so that nothing a
        # signed-out browser asks for fails (it used to load the page, get 401 from /me, then go).
        if page not in PAGES:
            raise HTTPException(404, "no such page")
        if page != "login":
            try:
                await auth.current(request)
            except HTTPException:
                return RedirectResponse("/console/login", status_code=303, headers=SECURITY_HEADERS)
        return shell_page(PAGES[page], zone, SECURITY_HEADERS)

    return router


def admin_page(name: str) -> Callable[[Runtime], APIRouter]:
    """A router for the admin page `/console/admin/<name>` and its script: a public shell like the
    console's other pages; every piece of data comes from the API, which checks the role."""

    def router_for(runtime: Runtime) -> APIRouter:
        router = APIRouter(include_in_schema=False)
        zone = hospital_timezone(runtime)

        @router.get(f"/console/admin/{name}")
        async def page() -> Response:
            return shell_page(f"{name}.html", zone, SECURITY_HEADERS)

        @router.get(f"/console/admin/{name}.js")
        async def script() -> FileResponse:
            return FileResponse(STATIC / f"{name}.js", media_type="text/javascript", headers=SECURITY_HEADERS)

        return router

    return router_for
