"""A small FHIR R4 REST server for the tests (FastAPI on uvicorn, in a thread on 127.0.0.1).

It keeps resources in memory and speaks what the adapter asks: search (Schedule with
`_include=Schedule:actor`, Slot by schedule/status/start ranges, Patient by identifier,
Appointment by patient/status/date, DiagnosticReport by patient with `_include=DiagnosticReport:result`),
read, create (POST) and update (PUT, with version checking through If-Match when given), returning
Bundles. Every resource it stores is validated with fhir.resources first, as a server would.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fhir.resources.R4B import get_fhir_model_class

from tests.conftest import listening_socket

FHIR = "application/fhir+json"


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


class FhirStore:
    def __init__(self) -> None:
        self.resources: dict[str, dict[str, dict[str, Any]]] = {}
        self.requests: list[str] = []
        self._next = 1000
        self.lock = threading.Lock()

    def put(self, resource: dict[str, Any]) -> dict[str, Any]:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        kind = resource["resourceType"]
        if "id" not in resource:
            self._next += 1
            resource["id"] = str(self._next)
        version = int(self.resources.get(kind, {}).get(resource["id"], {}).get("meta", {}).get("versionId", "0")) + 1
        resource["meta"] = {"versionId": str(version)}
        self.resources.setdefault(kind, {})[resource["id"]] = resource
        return resource

    def all(self, kind: str) -> list[dict[str, Any]]:
        return list(self.resources.get(kind, {}).values())


def _bundle(matches: list[dict[str, Any]], included: list[dict[str, Any]] = ()) -> JSONResponse:  # type: ignore[assignment]
    entries = [{"resource": r, "search": {"mode": "match"}} for r in matches]
    entries += [{"resource": r, "search": {"mode": "include"}} for r in included]
    body = {"resourceType": "Bundle", "type": "searchset", "total": len(matches), "entry": entries}
    return JSONResponse(body, media_type=FHIR)


def _dates(values: list[str], actual: str) -> bool:
    at = _when(actual)
    for value in values:
        prefix, rest = value[:2], value[2:]
        bound = _when(rest)
        if prefix == "ge" and not at >= bound or prefix == "lt" and not at < bound:
            return False
        if prefix == "gt" and not at > bound or prefix == "le" and not at <= bound:
            return False
    return True


def make_app(store: FhirStore) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def record(request: Request, call_next: Any) -> Any:
        store.requests.append(f"{request.method} {request.url.path}?{request.url.query}")
        return await call_next(request)

    @app.get("/fhir/Schedule")
    async def schedules(request: Request) -> JSONResponse:
        q = request.query_params
        found = [s for s in store.all("Schedule") if s.get("active", True)]
        if "specialty" in q:
            found = [s for s in found if any(c.get("code") == q["specialty"] for sp in s.get("specialty", [])
                                            for c in sp.get("coding", []))]
        included = []
        if q.get("_include") == "Schedule:actor":
            refs = {a["reference"] for s in found for a in s.get("actor", [])}
            included = [p for p in store.all("Practitioner") if f"Practitioner/{p['id']}" in refs]
        return _bundle(found, included)

    @app.get("/fhir/Slot")
    async def slots(request: Request) -> JSONResponse:
        q = request.query_params
        found = [s for s in store.all("Slot")
                 if s["schedule"]["reference"] == q.get("schedule", s["schedule"]["reference"])
                 and s["status"] == q.get("status", s["status"]) and _dates(q.getlist("start"), s["start"])]
        return _bundle(sorted(found, key=lambda s: s["start"]))

    @app.post("/fhir/Patient/_search")
    async def patients(request: Request) -> JSONResponse:
        form = await request.form()
        system, _, value = str(form.get("identifier", "")).partition("|")
        return _bundle([p for p in store.all("Patient") if any(
            i.get("system") == system and i.get("value") == value for i in p.get("identifier", []))])

    @app.get("/fhir/Appointment")
    async def appointments(request: Request) -> JSONResponse:
        q = request.query_params
        found = [a for a in store.all("Appointment")
                 if any(p["actor"].get("reference") == q.get("patient") for p in a.get("participant", []))
                 and a["status"] == q.get("status", a["status"]) and _dates(q.getlist("date"), a["start"])]
        return _bundle(found)

    @app.get("/fhir/DiagnosticReport")
    async def reports(request: Request) -> JSONResponse:
        q = request.query_params
        found = [r for r in store.all("DiagnosticReport") if r["subject"]["reference"] == q.get("patient")]
        included = []
        if q.get("_include") == "DiagnosticReport:result":
            refs = {r["reference"] for d in found for r in d.get("result", [])}
            included = [o for o in store.all("Observation") if f"Observation/{o['id']}" in refs]
        return _bundle(found, included)

    @app.get("/fhir/{kind}/{rid}")
    async def read(kind: str, rid: str) -> JSONResponse:
        resource = store.resources.get(kind, {}).get(rid)
        if resource is None:
            return JSONResponse({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found"}]},
                                status_code=404, media_type=FHIR)
        return JSONResponse(resource, media_type=FHIR)

    @app.post("/fhir/{kind}")
    async def create(kind: str, request: Request) -> JSONResponse:
        body = await request.json()
        if body.get("resourceType") != kind:
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=400, media_type=FHIR)
        body.pop("id", None)
        with store.lock:
            return JSONResponse(store.put(body), status_code=201, media_type=FHIR)

    @app.put("/fhir/{kind}/{rid}")
    async def update(kind: str, rid: str, request: Request) -> JSONResponse:
        body = await request.json()
        with store.lock:
            current = store.resources.get(kind, {}).get(rid)
            sent = (body.get("meta") or {}).get("versionId")
            if current is not None and sent is not None and sent != current["meta"]["versionId"]:
                return JSONResponse({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "conflict"}]},
                                    status_code=409, media_type=FHIR)
            body["id"] = rid
            return JSONResponse(store.put(body), media_type=FHIR)

    return app


class FhirServer:
    """The app on uvicorn in a daemon thread; `stop()` shuts it down."""

    def __init__(self, store: FhirStore) -> None:
        self.store = store
        # Listening before the thread starts, on a port the kernel chose: tests run in parallel.
        self._socket = listening_socket()
        self.port = int(self._socket.getsockname()[1])
        self.base_url = f"http://127.0.0.1:{self.port}/fhir"
        config = uvicorn.Config(make_app(store), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def start(self) -> "FhirServer":
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test FHIR server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._socket.close()


def seed(store: FhirStore, id_system: str, id_number: str, zone: dt.tzinfo, today: dt.date) -> None:
    """A paediatrics schedule with one doctor, hourly free slots over the next days, a patient with
    the card's ID number, and a blood-count report with a value above its reference range."""
    store.put({"resourceType": "Practitioner", "id": "prac-1", "name": [{"text": "周敏"}],
               "qualification": [{"code": {"text": "主任医师"}}]})
    store.put({"resourceType": "Schedule", "id": "sched-ped", "active": True,
               "specialty": [{"coding": [{"system": "urn:test:dept", "code": "pediatrics", "display": "儿科"}]}],
               "actor": [{"reference": "Practitioner/prac-1", "display": "周敏"}]})
    store.put({"resourceType": "Schedule", "id": "sched-na", "active": True,
               "specialty": [{"coding": [{"system": "urn:test:dept", "code": "nucleic_acid", "display": "核酸检测"}]}],
               "actor": [{"reference": "Location/loc-1", "display": "核酸采样点"}]})
    n = 0
    for days in range(0, 4):
        day = today + dt.timedelta(days=days)
        for hour in (8, 9, 10, 14, 15):
            for schedule in ("sched-ped", "sched-na"):
                n += 1
                start = dt.datetime.combine(day, dt.time(hour), tzinfo=zone)
                store.put({"resourceType": "Slot", "id": f"slot-{n}", "schedule": {"reference": f"Schedule/{schedule}"},
                           "status": "free", "start": start.isoformat(),
                           "end": (start + dt.timedelta(hours=1)).isoformat()})
    store.put({"resourceType": "Patient", "id": "pat-1", "identifier": [{"system": id_system, "value": id_number}],
               "name": [{"text": "张三丰"}]})
    store.put({"resourceType": "Observation", "id": "obs-crp", "status": "final", "code": {"text": "C反应蛋白"},
               "subject": {"reference": "Patient/pat-1"},
               "valueQuantity": {"value": 36.5, "unit": "mg/L"},
               "referenceRange": [{"low": {"value": 0, "unit": "mg/L"}, "high": {"value": 10, "unit": "mg/L"}}],
               "interpretation": [{"coding": [{"code": "H"}]}]})
    store.put({"resourceType": "Observation", "id": "obs-na", "status": "final", "code": {"text": "新型冠状病毒核酸"},
               "subject": {"reference": "Patient/pat-1"}, "valueString": "阴性",
               "referenceRange": [{"text": "阴性"}]})
    store.put({"resourceType": "DiagnosticReport", "id": "rep-1", "status": "final", "code": {"text": "C反应蛋白测定"},
               "subject": {"reference": "Patient/pat-1"}, "issued": "2026-12-06T09:30:00+08:00",
               "result": [{"reference": "Observation/obs-crp"}]})
    store.put({"resourceType": "DiagnosticReport", "id": "rep-2", "status": "final", "code": {"text": "新冠病毒核酸检测"},
               "subject": {"reference": "Patient/pat-1"}, "issued": "2026-12-05T16:00:00+08:00",
               "result": [{"reference": "Observation/obs-na"}]})
