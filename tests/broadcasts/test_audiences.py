"""Audiences: groups from what the bot knows, combined with departments and WeChat user tags."""
from __future__ import annotations

from bot import broadcasts as bc
from bot.runtime import Runtime
from tests.broadcasts.conftest import Patient
from tests.broadcasts.mass_wechat import MassWeChat


async def recipients(runtime: Runtime, **audience: object) -> set[str]:
    result = await bc.plan(runtime, bc.Audience(**audience), ["wechat_mass"])  # type: ignore[arg-type]
    return {p.sender for p in result.by_method["wechat_mass"]}


async def test_groups_come_from_the_slots_the_conversation_filled(wechat_runtime: Runtime, patient: Patient) -> None:
    await patient("grandma", age=72)
    await patient("diabetic", age=45, **{"conditions.diabetes": True})
    await patient("expecting", age=29, pregnant=True)
    await patient("toddler", subject="child", age=3)
    await patient("healthy", age=30)
    assert await recipients(wechat_runtime, groups=("elderly",)) == {"grandma"}
    assert await recipients(wechat_runtime, groups=("chronic",)) == {"diabetic"}
    assert await recipients(wechat_runtime, groups=("pregnant",)) == {"expecting"}
    assert await recipients(wechat_runtime, groups=("children",)) == {"toddler"}
    assert await recipients(wechat_runtime, groups=("high_risk",)) == {"grandma", "diabetic", "expecting"}
    assert await recipients(wechat_runtime, groups=("elderly", "chronic")) == {"grandma", "diabetic"}
    assert await recipients(wechat_runtime, groups=("high_risk", "chronic"), match="all") == {"diabetic"}
    assert len(await recipients(wechat_runtime)) == 5


async def test_home_isolation_means_positive_and_in_touch_recently(wechat_runtime: Runtime, patient: Patient) -> None:
    await patient("positive", antigen_result="positive")
    await patient("negative", antigen_result="negative")
    assert await recipients(wechat_runtime, groups=("home_isolation",)) == {"positive"}


async def test_a_restart_forgets_what_the_bot_knew(wechat_runtime: Runtime, patient: Patient) -> None:
    from bot.messages import UserMessage

    await patient("forgotten", age=80)
    await wechat_runtime.engine.handle(UserMessage("wechat", "forgotten", payload="/restart"))
    assert await recipients(wechat_runtime, groups=("elderly",)) == set()


async def test_wechat_user_tags_are_synced_and_narrow_the_audience(
    wechat_runtime: Runtime, patient: Patient, wechat: MassWeChat
) -> None:
    await patient("tagged-old", age=70)
    await patient("untagged-old", age=75)
    await patient("tagged-young", age=20)
    wechat.tag_users("慢病随访", ["tagged-old", "tagged-young"])
    assert await bc.sync_tags(wechat_runtime) == {"wechat": 2}
    assert await recipients(wechat_runtime, tags=("慢病随访",)) == {"tagged-old", "tagged-young"}
    assert await recipients(wechat_runtime, groups=("elderly",), tags=("慢病随访",)) == {"tagged-old"}
    # A later sync replaces the mirror: a tag removed in WeChat no longer selects anyone.
    wechat.members.clear()
    await bc.sync_tags(wechat_runtime)
    assert await recipients(wechat_runtime, tags=("慢病随访",)) == set()


async def test_opted_out_patients_are_planned_as_skipped_with_the_reason(wechat_runtime: Runtime, patient: Patient) -> None:
    await patient("stays", age=70)
    await patient("leaves", age=70)
    await bc.record_opt_out(wechat_runtime, "wechat", "leaves", source="test")
    result = await bc.plan(wechat_runtime, bc.Audience(groups=("elderly",)), ["wechat_mass"])
    assert [p.sender for p in result.by_method["wechat_mass"]] == ["stays"]
    assert [(p.sender, reason) for p, _, reason in result.skipped] == [("leaves", bc.OPTED_OUT)]


async def test_an_unknown_group_or_method_is_refused_with_a_clear_reason(wechat_runtime: Runtime) -> None:
    import pytest

    content = bc.Content(title="t", text="正文")
    with pytest.raises(bc.BroadcastError, match="unknown audience group"):
        await bc.create_campaign(wechat_runtime, "x", content, bc.Audience(groups=("martians",)), ["wechat_mass"], "admin:t")
    with pytest.raises(bc.BroadcastError, match="unknown delivery method"):
        await bc.create_campaign(wechat_runtime, "x", content, bc.Audience(), ["carrier_pigeon"], "admin:t")


async def test_the_department_of_the_last_consultation_selects_patients(wechat_runtime: Runtime, patient: Patient) -> None:
    import datetime as dt

    from bot.consultations.models import ConsultationRow

    await patient("fever-then-resp", age=50)
    await patient("resp-then-fever", age=50)
    await patient("never-consulted", age=50)
    day = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    async with wechat_runtime.db.transaction() as session:
        for number, (cid, department, hours) in enumerate((
            ("wechat:fever-then-resp", "fever", 0), ("wechat:fever-then-resp", "respiratory", 5),
            ("wechat:resp-then-fever", "respiratory", 0), ("wechat:resp-then-fever", "fever", 5),
        )):
            session.add(ConsultationRow(id=f"c{number}", conversation_id=cid, department=department, status="closed",
                                        requested_at=day + dt.timedelta(hours=hours), participants=[]))
    assert await recipients(wechat_runtime, departments=("fever",)) == {"resp-then-fever"}
    assert await recipients(wechat_runtime, departments=("fever", "respiratory")) == {"fever-then-resp", "resp-then-fever"}
