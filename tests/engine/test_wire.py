"""The one codec for what crosses a process boundary: typed messages in, the same typed messages out."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from bot import wire
from bot.consultations import ChatLine, ConsultationChanged, DepartmentAlert, RedFlag
from bot.consultations.notices import event_name
from bot.consultations.record import Consultation

AT = dt.datetime(2026, 12, 6, 8, 30, tzinfo=dt.timezone.utc)


def consultation() -> Consultation:
    return Consultation(
        id="c1", conversation_id="rest:p1", department="fever", department_name="发热门诊", status="waiting",
        level="urgent", priority=1, fee_fen=0, order_no=None, paid_at=None, requested_at=AT, waiting_since=AT,
        session_starts_at=None, expires_at=None, accepted_at=None, ended_at=None, doctor_id=None, assigned_to=7,
        participants=(7, 9), closing=None)


def test_every_message_comes_back_as_it_went_out() -> None:
    messages = [
        ConsultationChanged("waiting", consultation()),
        ChatLine("c1", "patient", "还是咳嗽", AT, attachments=({"kind": "image", "media_id": "m1"},)),
        DepartmentAlert("rest:p1", "general", "全科", RedFlag("emergency", ("胸痛伴大汗",), ("chest_pain",)), "胸口疼", AT),
    ]
    for message in messages:
        assert wire.loads(json.dumps(wire.encode(message))) == message


def test_the_wire_shape_is_the_one_the_console_reads() -> None:
    line = wire.encode(ChatLine("c1", "doctor:7", "请测体温", AT, name="李医生"))
    assert line == {"type": "message", "consultation_id": "c1", "from": "doctor:7", "text": "请测体温",
                    "at": AT.isoformat(), "name": "李医生", "attachments": []}
    alert = DepartmentAlert("rest:p1", "general", "全科", RedFlag("emergency", ("胸痛",)), "胸口疼", AT)
    data = wire.encode(alert)
    # The console names both alerts "alert" and tells them apart by the missing consultation.
    assert event_name(alert) == "alert" and data["consultation_id"] is None and data["alert"]["reasons"] == ["胸痛"]
    assert event_name(ConsultationChanged("waiting", consultation())) == "consultation"


def test_data_that_is_no_known_message_is_refused() -> None:
    with pytest.raises(wire.WireError):
        wire.decode({"type": "no-such-thing"})
    with pytest.raises(wire.WireError):
        wire.decode({"type": "message", "consultation_id": "c1"})  # fields missing
    with pytest.raises(wire.WireError):
        wire.encode({"type": "message"})  # a dict is not a message
