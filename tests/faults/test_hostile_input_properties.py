"""Property: no public route answers a client's input with a 5xx, whatever JSON or text it sends.

The routes come from the app's own OpenAPI document, so a route added later is fuzzed without
anyone touching this file. Each route gets arbitrary JSON, bodies shaped like its schema but with
hostile values (NUL, lone surrogates, NaN/Infinity, integers past every column, very long text),
and hostile path and query values; requests come signed in as an administrator and as a doctor
(with CSRF tokens), so they reach the handlers rather than stopping at 401. Runs on SQLite and
PostgreSQL. The counts are written to reports/faults/hostile_input-<store>.json.
"""
from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import create_app
from bot.config import PROJECT_ROOT
from bot.consultations import consultations
from bot.runtime import Runtime
from tests.console.helpers import PASSWORD, on_duty

EXAMPLES_PER_ROUTE = 30
REPORT_DIR = PROJECT_ROOT / "reports" / "faults"

NASTY_STRINGS = ["\x00", "a\x00b", "\ud800", "x\udfffy", "\u202e\u200b", "'; DROP TABLE staff;--", "../../etc/passwd",
                 "%00", "1e309", "NaN", "-1", "99999999999999999999", "🙂" * 300, "发烧" * 3000, " ", ""]
PLAUSIBLE = ["fever", "respiratory", "mon", "周一", "08:00", "24:00", "doctor", "admin", "online", "away",
             "urgent", "2026-12-07", "我发烧三天了，39度", "/restart", "u1", 1, 2, 3, True]

texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(NASTY_STRINGS),
    st.builds(lambda a, b: a + "\ud800" + b, st.text(max_size=8), st.text(max_size=8)),
    st.builds(lambda a, b: a + "\x00" + b, st.text(max_size=8), st.text(max_size=8)),
)
numbers = st.one_of(st.integers(), st.integers(min_value=-(2**100), max_value=2**100),
                    st.floats(allow_nan=True, allow_infinity=True))
json_values = st.recursive(
    st.none() | st.booleans() | numbers | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
known_ids = st.sampled_from(["1", "2", "3", "u1"])
# Mostly plausible values, so that most requests get past the first check and reach the handler.
path_values = st.one_of(known_ids, known_ids, texts.filter(lambda s: s != ""),
                        st.integers(min_value=-(2**70), max_value=2**70).map(str))
plausible = st.sampled_from(PLAUSIBLE)
field_values = st.one_of(plausible, plausible, json_values)


def typed_values(spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values of the type the schema names (hostile within that type), to get past type checks."""
    kinds = {spec.get("type")} | {s.get("type") for s in spec.get("anyOf", [])}
    if "object" in kinds:
        return st.dictionaries(texts, json_values, max_size=4)
    if "integer" in kinds:
        return st.one_of(st.sampled_from([1, 2, 3]), numbers.filter(lambda n: isinstance(n, int)))
    if "array" in kinds:
        return st.lists(st.one_of(plausible, texts), max_size=3)
    return st.one_of(plausible.filter(lambda v: isinstance(v, str)), texts)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    body_schema: dict[str, Any] | None
    query: tuple[str, ...]


@dataclass
class Tally:
    tried: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)


def public_routes(openapi: dict[str, Any]) -> list[Route]:
    """Every operation of the OpenAPI document except event streams (they never end by design)."""
    components = openapi.get("components", {}).get("schemas", {})

    def resolve(schema: dict[str, Any] | None) -> dict[str, Any] | None:
        if schema and "$ref" in schema:
            return components.get(schema["$ref"].rsplit("/", 1)[1])
        return schema

    routes = []
    for path, operations in openapi["paths"].items():
        for method, op in operations.items():
            answers = op.get("responses", {}).get("200", {}).get("content", {})
            if "text/event-stream" in answers:
                continue
            content = op.get("requestBody", {}).get("content", {})
            schema = resolve(next(iter(content.values()), {}).get("schema")) if content else None
            query = tuple(p["name"] for p in op.get("parameters", []) if p.get("in") == "query")
            routes.append(Route(method.upper(), path, schema, query))
    return routes


@st.composite
def hostile_request(draw: st.DrawFn, route: Route) -> tuple[str, str, bytes | None, str]:
    """(method, url, body, who): path and query filled with hostile values, a body of one of three kinds."""
    path = route.path
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        value = draw(path_values)
        path = path[:start] + quote(value.encode("utf-8", "surrogatepass"), safe="") + path[end + 1:]
    params = [f"{quote(name)}={quote(draw(texts).encode('utf-8', 'surrogatepass'), safe='')}"
              for name in route.query if draw(st.booleans())]
    url = path + ("?" + "&".join(params) if params else "")
    body: bytes | None = None
    if route.method in ("POST", "PUT", "PATCH", "DELETE"):
        kind = draw(st.sampled_from(["shaped", "shaped", "json", "text"]))
        if kind == "text":
            body = draw(st.binary(max_size=64))
        else:
            if kind == "shaped" and route.body_schema:
                properties = route.body_schema.get("properties") or {}
                value: Any = {name: draw(st.one_of(typed_values(spec), field_values))
                              for name, spec in properties.items() if draw(st.integers(0, 4))}
            else:
                value = draw(json_values)
            body = json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")
    return route.method, url, body, draw(st.sampled_from(["admin", "doctor", "nobody"]))


class Callers:
    """Signed-in clients that stay signed in: a request may sign out, disable or re-password them."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.app = create_app(runtime=runtime)
        self.clients: dict[str, httpx.AsyncClient] = {}
        self.staff: dict[str, Any] = {}

    async def start(self) -> None:
        self.staff["admin"] = await on_duty(self.runtime, "fuzz.admin", [], role="admin", name="管理员")
        self.staff["doctor"] = await on_duty(self.runtime, "fuzz.doctor", ["fever"], name="王医生")
        for who in ("admin", "doctor", "nobody"):
            self.clients[who] = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                                  base_url="https://wenzhen.test", timeout=60)
        for who in ("admin", "doctor"):
            await self.sign_in(who)

    async def sign_in(self, who: str) -> None:
        staff = self.staff[who]
        directory = consultations(self.runtime).staff
        await directory.update(staff.id, active=True, role="admin" if who == "admin" else "doctor")
        await directory.set_password(staff.id, PASSWORD)
        client = self.clients[who]
        client.cookies.clear()
        response = await client.post("/api/console/session", json={"username": staff.username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]

    async def send(self, method: str, url: str, body: bytes | None, who: str) -> int:
        if who != "nobody" and (await self.clients[who].get("/api/console/me")).status_code != 200:
            await self.sign_in(who)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        response = await self.clients[who].request(method, url, content=body, headers=headers)
        return response.status_code

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()


def fuzz_route(route: Route, callers: Callers, loop: asyncio.AbstractEventLoop, tally: Tally) -> None:
    """Run Hypothesis on one route (in a worker thread; the requests run on the test's event loop)."""

    @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(hostile_request(route))
    def answers_without_5xx(request: tuple[str, str, bytes | None, str]) -> None:
        method, url, body, who = request
        status = asyncio.run_coroutine_threadsafe(callers.send(method, url, body, who), loop).result(120)
        tally.tried += 1
        tally.statuses[status] += 1
        if status >= 500:
            tally.server_errors.append(f"{method} {url} as {who}: {status}; body {body[:200] if body else body!r}")
        assert status < 500, f"{method} {url} as {who} answered {status}; body {body!r}"

    answers_without_5xx()


async def test_no_public_route_answers_a_hostile_request_with_a_5xx(store_runtime: Runtime) -> None:
    callers = Callers(store_runtime)
    await callers.start()
    routes = public_routes(callers.app.openapi())
    assert {("POST", "/webhooks/rest/webhook"), ("GET", "/conversations/{sender}/tracker"),
            ("DELETE", "/api/console/quick-replies/{reply_id}")} <= {(r.method, r.path) for r in routes}
    loop = asyncio.get_running_loop()
    tallies: dict[str, Tally] = {}
    try:
        for route in routes:
            tally = tallies[f"{route.method} {route.path}"] = Tally()
            await asyncio.to_thread(fuzz_route, route, callers, loop, tally)
    finally:
        await callers.close()
        write_report(store_runtime, tallies)
    assert not [e for t in tallies.values() for e in t.server_errors]


def write_report(runtime: Runtime, tallies: dict[str, Tally]) -> None:
    store = "postgres" if runtime.config.database_url.startswith("postgresql") else "sqlite"
    statuses: Counter[int] = sum((t.statuses for t in tallies.values()), Counter())
    report = {
        "store": store,
        "routes": len(tallies),
        "tried": sum(t.tried for t in tallies.values()),
        "2xx": sum(n for s, n in statuses.items() if 200 <= s < 300),
        "4xx": sum(n for s, n in statuses.items() if 400 <= s < 500),
        "5xx": sum(n for s, n in statuses.items() if s >= 500),
        "per_route": {name: dict(sorted(t.statuses.items())) for name, t in tallies.items()},
        "server_errors": [e for t in tallies.values() for e in t.server_errors],
    }
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    Path(REPORT_DIR / f"hostile_input-{store}.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(f"\nhostile input on {store}: {report['tried']} requests over {report['routes']} routes: "
          f"{report['2xx']} 2xx, {report['4xx']} 4xx, {report['5xx']} 5xx")
