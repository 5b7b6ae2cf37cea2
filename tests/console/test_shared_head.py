"""Every console page has one shared head (integrations/console/static/_head.html, filled in on the server):
the favicon, the stylesheet, common.js and the hospital's time zone from config, never repeated by hand."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from bot.app import create_app
from bot.runtime import Runtime
from integrations.web.rest_auth import RestAuth
from tests.conftest import RuntimeFactory
from tests.console.helpers import on_duty
from tests.monitoring.helpers import enrolled, say
from tests.monitoring.test_console import sign_in

STATIC = Path(__file__).resolve().parents[2] / "integrations" / "console" / "static"
ZONE = "Asia/Kolkata"  # not the default: the page must carry what config says
PAGES = ["/console/login", "/console", "/console/admin", "/console/prescriptions", "/console/admin/broadcasts",
         "/console/admin/feedback", "/console/hospital/reports", "/console/monitoring/patients"]


@pytest.fixture
async def kolkata(make_runtime: RuntimeFactory) -> Runtime:
    return await make_runtime(rest={"auth": "token"}, consultations={"timezone": ZONE})


async def test_every_console_page_has_the_shared_head_with_favicon_and_the_hospitals_zone(kolkata: Runtime) -> None:
    headers = {"Authorization": f"Bearer {RestAuth(kolkata.config).deployment_token}"}
    transport = httpx.ASGITransport(app=create_app(runtime=kolkata))
    async with httpx.AsyncClient(transport=transport, base_url="https://wenzhen.test", headers=headers) as http:
        await enrolled(kolkata, "head-patient")
        await say(http, "head-patient", "血氧97")
        await on_duty(kolkata, "dr.head", ["general", "fever"], role="admin")
        await sign_in(http, "dr.head")
        listed = (await http.get("/api/console/monitoring/patients")).json()
        pages = PAGES + [f"/console/monitoring/patients/{listed[0]['id']}"]
        for path in pages:
            page = await http.get(path)
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), (path, page.status_code)
            html = page.text
            assert html.count('<meta charset="utf-8">') == 1, path
            assert html.count('<link rel="icon" href="/console/static/favicon.svg" type="image/svg+xml">') == 1, path
            assert html.count(f'<meta name="wenzhen-timezone" content="{ZONE}">') == 1, path
            assert html.count('<script src="/console/static/common.js" defer></script>') == 1, path
            assert "<!--#head-->" not in html and 'href="data:,"' not in html, path
        icon = await http.get("/console/static/favicon.svg")
        assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml") and "<svg" in icon.text


def test_the_page_files_do_not_repeat_the_head() -> None:
    """The shared block is written once: each page file has the marker and none of its lines."""
    shared = [line.strip() for line in (STATIC / "_head.html").read_text(encoding="utf-8").splitlines() if line.strip()]
    files = [f for f in sorted(STATIC.glob("*.html")) if not f.name.startswith("_")]
    assert len(files) == 7
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert text.count("<!--#head-->") == 1, f.name
        assert not [line for line in shared if re.sub(r"\{timezone\}", "", line) in text], f.name
