"""The regulator's export: one record per consultation, streamed page by page, resumable, with a signed manifest.

Records are ordered by (requested_at, id) and the export is deterministic: the same range gives
the same bytes, so a manifest (counts, sha256, Ed25519 signature) can be recomputed and checked.
Memory stays flat: consultations are read `PAGE` at a time with a keyset cursor, and only the
events of that page's conversations are held. Field by field: docs/supervision.md.
"""
from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import hmac
import io
import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy import Text, and_, cast, or_, select

from bot import events as ev
from bot.config import Config, ensure_secret_key
from bot.consultations.departments import load_departments
from bot.consultations.summary import build_intake
from bot.consultations.lifecycle import ENDED
from bot.consultations.models import ConsultationRow, StaffRow
from bot.crypto import derive_key
from bot.db import Database, EventRow
from bot.events import Event
from bot.state import ConversationState
from bot.supervision.chain import canonical
from bot.supervision.models import PractisingIdRow, SealedRecordRow

FORMATS = ("jsonl", "csv")
PAGE = 500  # consultations per read
SEALED_TEXT = "[sealed]"  # what an answer sealed by the engine reads as: the export never opens it
CSV_COLUMNS = (
    "consultation_id", "institution_code", "institution_name", "department_code", "department_name",
    "doctor_practising_id", "doctor_name", "doctor_title", "patient_pseudonym", "patient_age_band", "patient_sex",
    "status", "created_at", "accepted_at", "closed_at", "triage_level", "triage_rules", "triage_ruleset",
    "intake", "conversation", "prescriptions", "prescription_review", "fee_fen", "order_no", "paid_at",
    "closing", "sealed",
)


class ExportError(ValueError):
    """A request the export cannot serve (bad range, format or cursor); the message says why."""


@dataclass(frozen=True)
class Cursor:
    """Where an export stopped: after the consultation requested at `at` with id `id`."""

    at: dt.datetime
    id: str

    def encode(self) -> str:
        return base64.urlsafe_b64encode(canonical({"at": self.at.isoformat(), "id": self.id}).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            return cls(dt.datetime.fromisoformat(data["at"]), str(data["id"]))
        except (ValueError, KeyError, TypeError):
            raise ExportError("the cursor is not one an export gave out") from None


@dataclass
class Manifest:
    """What an export file holds, signed by the deployment's export key."""

    date_from: str
    date_to: str
    format: str
    records: int = 0
    events: int = 0
    sha256: str = ""
    cursor_from: str | None = None
    cursor_to: str | None = None
    complete: bool = False
    public_key: str = ""
    signature: str = ""

    def body(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "signature"}

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Exporter:
    """Export the consultations requested in `[date_from, date_to)` (aware datetimes)."""

    config: Config
    db: Database
    date_from: dt.datetime
    date_to: dt.datetime
    format: str = "jsonl"
    cursor: Cursor | None = None
    limit: int | None = None
    header: bool = True  # CSV: start with the column names (not when appending to a resumed file)
    records: int = 0
    events: int = 0
    last: Cursor | None = None
    _digest: Any = field(default_factory=hashlib.sha256)

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ExportError(f"format must be one of {', '.join(FORMATS)}")
        if self.date_from.tzinfo is None or self.date_to.tzinfo is None:
            raise ExportError("the range needs time zones")
        if self.date_to <= self.date_from:
            raise ExportError("'to' must be after 'from'")
        if self.limit is not None and self.limit < 1:
            raise ExportError("limit must be at least 1")
        config = self.config
        self._institution = {"code": str(config.get("supervision.institution.code", "")),
                             "name": str(config.get("supervision.institution.name", ""))}
        self._pseudonym_key = derive_key(ensure_secret_key(config), b"wenzhen patient pseudonym v1")
        self._departments = load_departments(config)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The export's bytes, record by record (CSV: a header first)."""
        if self.format == "csv" and self.header:
            yield self._track(_csv_line(CSV_COLUMNS).encode("utf-8"))
        async for record in self.iter_records():
            if self.format == "jsonl":
                yield self._track(orjson.dumps(record, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE))
            else:
                yield self._track(_csv_line(_csv_row(record)).encode("utf-8"))

    def absorb(self, written: bytes) -> None:
        """Resuming a file: count what it already holds into the digest."""
        self._digest.update(written)

    def _track(self, data: bytes) -> bytes:
        self._digest.update(data)
        return data

    def manifest(self, complete: bool) -> Manifest:
        manifest = Manifest(
            date_from=self.date_from.isoformat(), date_to=self.date_to.isoformat(), format=self.format,
            records=self.records, events=self.events, sha256=self._digest.hexdigest(),
            cursor_from=self.cursor.encode() if self.cursor else None,
            cursor_to=self.last.encode() if self.last else None, complete=complete,
        )
        return sign(self.config, manifest)

    async def iter_records(self) -> AsyncIterator[dict[str, Any]]:
        after = self.cursor
        while True:
            want = PAGE if self.limit is None else min(PAGE, self.limit - self.records)
            if want <= 0:
                return
            page = await self.page(after, want)
            if not page:
                return
            async for record in self._build(page):
                yield record
            after = Cursor(page[-1].requested_at, page[-1].id)
            if len(page) < want:
                return

    async def has_more(self) -> bool:
        return bool(await self.page(self.last or self.cursor, 1))

    async def page(self, after: Cursor | None, size: int) -> list[ConsultationRow]:
        query = select(ConsultationRow).where(
            ConsultationRow.requested_at >= self.date_from, ConsultationRow.requested_at < self.date_to)
        if after is not None:
            query = query.where(or_(ConsultationRow.requested_at > after.at,
                                    and_(ConsultationRow.requested_at == after.at, ConsultationRow.id > after.id)))
        async with self.db.session() as session:
            return list((await session.scalars(
                query.order_by(ConsultationRow.requested_at, ConsultationRow.id).limit(size))).all())

    async def _build(self, page: list[ConsultationRow]) -> AsyncIterator[dict[str, Any]]:
        conversations = sorted({c.conversation_id for c in page})
        doctor_ids = sorted({c.doctor_id for c in page if c.doctor_id is not None})
        async with self.db.session() as session:
            doctors = {r.id: r for r in (await session.scalars(select(StaffRow).where(StaffRow.id.in_(doctor_ids)))).all()}
            practising = dict((await session.execute(select(PractisingIdRow.staff_id, PractisingIdRow.practising_id)
                                                     .where(PractisingIdRow.staff_id.in_(doctor_ids)))).all())
            sealed = set((await session.scalars(select(SealedRecordRow.conversation_id)
                                                .where(SealedRecordRow.conversation_id.in_(conversations)))).all())
        events: dict[str, list[Event]] = {cid: [] for cid in conversations}
        async with self.db.engine.connect() as conn:
            # The event data as its JSON text, decoded by orjson: decoding is most of an export's work.
            result = await conn.stream(select(
                EventRow.conversation_id, EventRow.seq, EventRow.type, EventRow.actor, EventRow.timestamp,
                cast(EventRow.data, Text).label("data"))
                .where(EventRow.conversation_id.in_(conversations))
                .order_by(EventRow.conversation_id, EventRow.seq).execution_options(yield_per=5000))
            async for rows in result.partitions():  # a batch per await: a row at a time costs a context switch each
                for row in rows:
                    events[row.conversation_id].append(
                        Event(row.type, _decode(row.data), row.actor, row.timestamp, row.seq))
        windows = {cid: segments(found) for cid, found in events.items()}
        replayed: dict[str, tuple[ConversationState, int]] = {}
        for c in page:
            found = events[c.conversation_id]
            start, end = windows[c.conversation_id].get(c.id, (0, len(found)))
            state, done = replayed.get(c.conversation_id, (ConversationState(c.conversation_id), 0))
            if done > end:  # an earlier end than already replayed: start over (never in request order)
                state, done = ConversationState(c.conversation_id), 0
            for event in found[done:end]:
                state.apply(event)
            replayed[c.conversation_id] = (state, end)
            doctor_id = c.doctor_id if c.doctor_id is not None else -1
            yield self._record(c, state, found[start:end], doctors.get(doctor_id), practising.get(doctor_id),
                               c.conversation_id in sealed, found)
            self.records += 1
            self.last = Cursor(c.requested_at, c.id)

    def _record(self, c: ConsultationRow, state: ConversationState, window: list[Event], doctor: StaffRow | None,
                practising_id: str | None, sealed: bool, conversation: list[Event] | None = None) -> dict[str, Any]:
        self.events += len(window)
        # Prescriptions are reviewed after the visit may have ended: read from the whole conversation.
        prescribed, reviews = prescription_records(conversation or window, c.id)
        intake = build_intake(state, window).to_dict()
        try:
            department_name = self._departments.get(c.department).name
        except KeyError:
            department_name = c.department
        triage = state.latest_triage or {}
        return {
            "consultation_id": c.id,
            "institution": self._institution,
            "department": {"code": c.department, "name": department_name},
            "doctor": None if doctor is None else {
                "practising_id": practising_id, "name": doctor.display_name, "title": doctor.title, "role": doctor.role},
            "patient": {"pseudonym": self._pseudonym(c.conversation_id), "age_band": age_band(state.slots.get("age")),
                        "sex": state.slots.get("sex") if state.slots.get("sex") in ("male", "female") else None},
            "status": c.status,
            "created_at": _iso(c.requested_at), "accepted_at": _iso(c.accepted_at), "closed_at": _iso(c.ended_at),
            "triage": {"level": triage.get("level") or c.level, "rules": list(triage.get("rules") or []),
                       "ruleset": triage.get("ruleset")},
            "intake": {k: intake[k] for k in ("symptoms_present", "symptoms_absent", "vitals", "risk_factors",
                                             "medications", "background", "said")},
            "conversation": [_line(e) for e in window if e.type in (ev.USER, ev.BOT)],
            "prescriptions": prescribed,
            "prescription_review": {"reviews": reviews} if reviews else None,
            "fees": {"fee_fen": c.fee_fen, "order_no": c.order_no, "paid_at": _iso(c.paid_at)},
            "closing": c.closing,
            "sealed": sealed,
        }

    def _pseudonym(self, conversation_id: str) -> str:
        return hmac.new(self._pseudonym_key, conversation_id.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def segments(events: list[Event]) -> dict[str, tuple[int, int]]:
    """Each consultation's part of its conversation, as [start, end) indexes into `events`.

    A part runs from the patient's first message after the previous consultation ended (the
    intake the bot held before this request included) to the patient's first message after this
    one ended, so the ending transition and the doctor's closing words belong to it.
    """
    found: dict[str, tuple[int, int]] = {}
    start, ending = 0, None
    for index, event in enumerate(events):
        if event.type == ev.USER and ending is not None:
            found[ending] = (found[ending][0], index)
            start, ending = index, None
        if event.type == ev.HANDOFF and event.data.get("consultation_id"):
            cid = str(event.data["consultation_id"])
            if cid not in found:
                found[cid] = (start, len(events))
            if event.data.get("status") in ENDED:
                ending = cid
    return found


def prescription_records(events: list[Event], consultation_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The consultation's prescriptions as last signed (bot/prescriptions: `prescription` events) and every
    pharmacist decision, oldest first."""
    latest: dict[str, dict[str, Any]] = {}
    reviews: list[dict[str, Any]] = []
    for event in events:
        data = event.data
        if event.type != "prescription" or data.get("consultation_id") != consultation_id:
            continue
        pid = str(data.get("prescription_id"))
        at = dt.datetime.fromtimestamp(event.timestamp, dt.timezone.utc).isoformat()
        if data.get("action") in ("prescription.approve", "prescription.reject"):
            reviews.append({"prescription_id": pid, "version": data.get("version"), "pharmacist_id": data.get("pharmacist_id"),
                            "decision": data.get("status"), "reason": data.get("reason"), "at": at})
        signed = latest.get(pid, {}).get("signed_at") if data.get("action") not in ("prescription.sign", "prescription.amend") else at
        latest[pid] = {"prescription_id": pid, "version": data.get("version"), "status": data.get("status"),
                       "doctor_id": data.get("doctor_id"), "diagnosis": data.get("diagnosis"), "lines": data.get("lines") or [],
                       "findings": data.get("findings") or [], "total_fen": data.get("total_fen"), "signed_at": signed}
    return list(latest.values()), reviews


def age_band(age: Any) -> str | None:
    """Ten-year bands (0-9, 10-19, … 80+); under one year is its own band (infants)."""
    if not isinstance(age, int | float) or isinstance(age, bool) or age < 0 or age > 150:
        return None
    if age < 1:
        return "<1"
    if age >= 80:
        return "80+"
    low = int(age) // 10 * 10
    return f"{low}-{low + 9}"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _line(event: Event) -> dict[str, Any]:
    text = event.data.get("text") or ""
    if text.startswith("v1:") and event.type == ev.USER and " " not in text:
        text = SEALED_TEXT
    return {"seq": event.seq, "at": dt.datetime.fromtimestamp(event.timestamp, dt.timezone.utc).isoformat(),
            "from": "patient" if event.type == ev.USER else event.actor, "text": text,
            "attachments": len(event.data.get("attachments") or [])}


def _decode(text: str) -> dict[str, Any]:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # what orjson refuses and json reads: integers beyond 64 bits
        return json.loads(text)


def _csv_row(record: dict[str, Any]) -> tuple[Any, ...]:
    doctor = record["doctor"] or {}
    def as_json(value: Any) -> str:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")

    return (
        record["consultation_id"], record["institution"]["code"], record["institution"]["name"],
        record["department"]["code"], record["department"]["name"], doctor.get("practising_id"), doctor.get("name"),
        doctor.get("title"), record["patient"]["pseudonym"], record["patient"]["age_band"], record["patient"]["sex"],
        record["status"], record["created_at"], record["accepted_at"], record["closed_at"], record["triage"]["level"],
        ";".join(record["triage"]["rules"]), record["triage"]["ruleset"], as_json(record["intake"]),
        as_json(record["conversation"]), as_json(record["prescriptions"]), as_json(record["prescription_review"]),
        record["fees"]["fee_fen"], record["fees"]["order_no"], record["fees"]["paid_at"], as_json(record["closing"]),
        record["sealed"],
    )


def _csv_line(values: Iterable[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(["" if v is None else v for v in values])
    return out.getvalue()


def signing_key(config: Config) -> Ed25519PrivateKey:
    """The deployment's export signing key, derived from WENZHEN_SECRET_KEY (rotates with it)."""
    return Ed25519PrivateKey.from_private_bytes(derive_key(ensure_secret_key(config), b"wenzhen export signing v1"))


def public_key_hex(config: Config) -> str:
    """What the regulator is given once, to check every manifest of this deployment."""
    raw = signing_key(config).public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def sign(config: Config, manifest: Manifest) -> Manifest:
    manifest.public_key = public_key_hex(config)
    manifest.signature = signing_key(config).sign(canonical(manifest.body()).encode("utf-8")).hex()
    return manifest


def manifest_holds(manifest: dict[str, Any], data: bytes, public_key: str) -> str | None:
    """None when the signature is good for `public_key` and `data` matches; else what is wrong."""
    body = {k: v for k, v in manifest.items() if k != "signature"}
    if body.get("public_key") != public_key:
        return "the manifest was signed with another key"
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(
            bytes.fromhex(str(manifest.get("signature", ""))), canonical(body).encode("utf-8"))
    except (InvalidSignature, ValueError):
        return "the manifest's signature does not hold"
    if hashlib.sha256(data).hexdigest() != manifest.get("sha256"):
        return "the file's sha256 differs from the manifest's"
    return None


def export_range(date_from: str, date_to: str, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """`2026-11-01`, `2026-11-30` → [Nov 1 00:00, Dec 1 00:00) in the hospital's time zone (both days
    included); full ISO datetimes with an offset are taken as they are."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)

    def parse(value: str, end: bool) -> dt.datetime:
        try:
            if len(value) == 10:
                day = dt.date.fromisoformat(value)
                return dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time(), zone)
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ExportError(f"{value!r} is not a date (YYYY-MM-DD) or an ISO datetime") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)

    return parse(date_from, False), parse(date_to, True)
