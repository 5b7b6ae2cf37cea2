"""Campaign delivery through the local WeChat: exactly once, opt-outs, limits, the service window, failures."""
from __future__ import annotations

import datetime as dt

import pytest

from actions.knowledge.campaigns import article_content, message_content
from bot import broadcasts as bc
from bot.db import utcnow
from bot.messages import UserMessage
from bot.runtime import Runtime
from integrations.wechat.channel import channel_for
from tests.broadcasts.conftest import Patient, eventually, run_until_finished
from tests.broadcasts.mass_wechat import MassWeChat

EVERYONE = bc.Audience()


async def campaign(runtime: Runtime, methods: list[str], audience: bc.Audience = EVERYONE, article: str = "fever-medicine") -> int:
    content = article_content(runtime, article)
    campaign_id = await bc.create_campaign(runtime, f"推送 {article}", content, audience, methods, "admin:test")
    await bc.schedule_campaign(runtime, campaign_id)
    return campaign_id


async def test_a_mass_campaign_reaches_every_recipient_exactly_once(
    wechat_runtime: Runtime, patient: Patient, wechat: MassWeChat
) -> None:
    people = [await patient(f"user{i}", age=70) for i in range(7)]  # three batches of 3, 3, 1
    report = await run_until_finished(wechat_runtime, await campaign(wechat_runtime, ["wechat_mass"]))
    assert report.counts["sent"] == 7 and report.total == 7
    for openid in people:
        assert len(wechat.inbox[openid]) == 1
        assert "发烧了吃什么退烧药" in wechat.inbox[openid][0] and "退订" in wechat.inbox[openid][0]
    sends = wechat.received("/cgi-bin/message/mass/sendall")
    assert len(sends) == 3 and len({s["clientmsgid"] for s in sends}) == 3
    assert not wechat.tags  # the temporary batch tags are gone


async def test_the_audience_decides_who_gets_it(wechat_runtime: Runtime, patient: Patient, wechat: MassWeChat) -> None:
    await patient("old", age=80)
    await patient("young", age=25)
    report = await run_until_finished(
        wechat_runtime, await campaign(wechat_runtime, ["wechat_mass"], bc.Audience(groups=("elderly",)), "elderly-warning-signs")
    )
    assert report.total == 1
    assert len(wechat.inbox["old"]) == 1 and wechat.inbox["young"] == []


async def test_opted_out_and_unfollowed_patients_are_skipped_with_reasons(
    wechat_runtime: Runtime, patient: Patient, wechat: MassWeChat
) -> None:
    for name in ("keeps", "said-tuiding", "unfollowed"):
        await patient(name, age=70)
    await wechat_runtime.engine.handle(UserMessage("wechat", "said-tuiding", text="退订"))
    channel = channel_for(wechat_runtime)
    assert channel is not None
    await channel.contacts.set_subscribed("unfollowed", False)  # WeChat's unsubscribe event
    report = await run_until_finished(wechat_runtime, await campaign(wechat_runtime, ["wechat_mass"]))
    assert report.counts["sent"] == 1
    assert report.reasons["skipped"] == {bc.OPTED_OUT: 1, "unsubscribed": 1}
    assert len(wechat.inbox["keeps"]) == 1
    assert wechat.inbox["said-tuiding"] == [] and wechat.inbox["unfollowed"] == []


async def test_an_opt_out_after_the_recipients_were_planned_is_honoured_at_send_time(
    wechat_runtime: Runtime, patient: Patient, wechat: MassWeChat
) -> None:
    await patient("late-leaver", age=70)
    await patient("stayer", age=70)
    await wechat_runtime.jobs.stop()  # run the queue by hand: plan first, opt out, then send
    content = message_content(wechat_runtime, "通知", "本周六发热门诊延长开放时间。")
    campaign_id = await bc.create_campaign(wechat_runtime, "通知", content, EVERYONE, ["wechat_mass"], "admin:test")
    await bc.schedule_campaign(wechat_runtime, campaign_id)
    await wechat_runtime.jobs.run_due()

    async def planned() -> bool:
        return (await bc.report(wechat_runtime, campaign_id)).counts["pending"] == 2

    await eventually(planned)
    await bc.record_opt_out(wechat_runtime, "wechat", "late-leaver", source="test")
    await wechat_runtime.jobs.run_due()
    report = await run_until_finished(wechat_runtime, campaign_id)
    assert wechat.inbox["late-leaver"] == []
    assert len(wechat.inbox["stayer"]) == 1
    assert wechat.inbox["stayer"][0].startswith("本周六发热门诊延长开放时间。") and "退订" in wechat.inbox["stayer"][0]
    assert report.reasons["skipped"] == {bc.OPTED_OUT: 1}


async def test_the_monthly_mass_limit_per_user_is_respected(
    make_runtime: object, wechat_env: dict[str, str], wechat: MassWeChat
) -> None:
    from tests.broadcasts.conftest import FAST

    runtime = await make_runtime(**{**FAST, "broadcasts": {**FAST["broadcasts"], "monthly_limits": {"wechat_mass": 1}}})  # type: ignore[operator]
    await runtime.engine.handle(UserMessage("wechat", "reader", payload='/inform{"age": 70}'))
    first = await run_until_finished(runtime, await campaign(runtime, ["wechat_mass"], article="fever-medicine"))
    second = await run_until_finished(runtime, await campaign(runtime, ["wechat_mass"], article="hydration"))
    assert first.counts["sent"] == 1
    assert second.counts["sent"] == 0 and second.reasons["skipped"] == {bc.OVER_LIMIT: 1}
    assert len(wechat.inbox["reader"]) == 1


async def test_customer_service_messages_only_inside_the_48_hour_window(
    wechat_runtime: Runtime, patient: Patient, wechat: MassWeChat
) -> None:
    await patient("recent", age=70)
    await patient("silent", age=70, in_window=False)
    report = await run_until_finished(wechat_runtime, await campaign(wechat_runtime, ["wechat_cs"]))
    assert report.counts["delivered"] == 1
    assert report.reasons["skipped"] == {"outside_window": 1}
    assert len(wechat.inbox["recent"]) == 1 and wechat.inbox["silent"] == []


async def test_a_busy_wechat_api_is_retried_and_nobody_gets_a_duplicate(
    wechat_runtime: Runtime, patient: Patient, wechat: MassWeChat
) -> None:
    people = [await patient(f"p{i}", age=70) for i in range(3)]
    wechat.fail_next["/cgi-bin/message/mass/sendall"] = [-1, 45009]  # system busy, then frequency limit
    report = await run_until_finished(wechat_runtime, await campaign(wechat_runtime, ["wechat_mass"]))
    assert report.counts["sent"] == 3
    assert all(len(wechat.inbox[p]) == 1 for p in people)


async def test_a_failure_that_outlasts_the_retries_leaves_the_batch_for_the_job_queue(
    wechat_runtime: Runtime, patient: Patient, wechat: MassWeChat
) -> None:
    await patient("patient-one", age=70)
    wechat.fail_next["/cgi-bin/message/mass/sendall"] = [-1, -1, -1]  # one more than the in-job retries
    campaign_id = await campaign(wechat_runtime, ["wechat_mass"])

    async def given_up() -> bool:
        return bool(await wechat_runtime.jobs.pending("broadcast:")) and not wechat.fail_next["/cgi-bin/message/mass/sendall"]

    await eventually(given_up)
    interim = await bc.report(wechat_runtime, campaign_id)
    assert interim.counts["pending"] == 1 and interim.counts["sent"] == 0
    # The job queue retries later with backoff; move the clock past it.
    await wechat_runtime.jobs.run_due(now=utcnow() + dt.timedelta(hours=1))
    report = await run_until_finished(wechat_runtime, campaign_id)
    assert report.counts["sent"] == 1 and len(wechat.inbox["patient-one"]) == 1


async def test_a_refused_send_is_recorded_as_failed_with_wechats_reason(
    wechat_runtime: Runtime, patient: Patient, wechat: MassWeChat
) -> None:
    await patient("blocked", age=70)
    wechat.fail_next["/cgi-bin/message/mass/sendall"] = [45028]  # no quota left
    report = await run_until_finished(wechat_runtime, await campaign(wechat_runtime, ["wechat_mass"]))
    assert report.reasons["failed"] == {"wechat errcode 45028": 1}
    assert wechat.inbox["blocked"] == []


async def test_a_cancelled_campaign_sends_nothing_more(wechat_runtime: Runtime, patient: Patient, wechat: MassWeChat) -> None:
    await patient("never", age=70)
    content = article_content(wechat_runtime, "nutrition")
    campaign_id = await bc.create_campaign(wechat_runtime, "明天", content, EVERYONE, ["wechat_mass"], "admin:test")
    await bc.schedule_campaign(wechat_runtime, campaign_id, utcnow() + dt.timedelta(hours=2))
    await bc.cancel_campaign(wechat_runtime, campaign_id)
    await wechat_runtime.jobs.run_due(now=utcnow() + dt.timedelta(hours=3))
    assert (await bc.get_campaign(wechat_runtime, campaign_id)).status == "cancelled"
    assert wechat.inbox["never"] == []


async def test_an_expired_or_unknown_article_cannot_be_broadcast(wechat_runtime: Runtime) -> None:
    with pytest.raises(bc.BroadcastError, match="no article"):
        article_content(wechat_runtime, "no-such-article")


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_workers_on_postgresql_and_redis_deliver_a_campaign_exactly_once(
    postgres_url: str, redis_url: str, make_runtime: object, wechat_env: dict[str, str], wechat: MassWeChat
) -> None:
    # postgres_url first: its database is dropped only after the runtimes made here have stopped.
    from tests.broadcasts.conftest import FAST

    runtime = await make_runtime(database_url=postgres_url, redis_url=redis_url,  # type: ignore[operator]
                                 **{**FAST, "broadcasts": {**FAST["broadcasts"], "rate_limits": {"wechat_mass": 50}}})
    channel = channel_for(runtime)
    assert channel is not None
    people = [f"pg{i}" for i in range(5)]
    for openid in people:
        await runtime.engine.handle(UserMessage("wechat", openid, payload='/inform{"age": 66}'))
        await channel.contacts.interacted(openid)
    await bc.record_opt_out(runtime, "wechat", "pg4", source="test")
    # A second worker on the same database and Redis takes its share of the batches.
    await make_runtime(database_url=postgres_url, redis_url=redis_url, **FAST)  # type: ignore[operator]
    report = await run_until_finished(runtime, await campaign(runtime, ["wechat_mass"], bc.Audience(groups=("elderly",))))
    assert report.counts["sent"] == 4 and report.reasons["skipped"] == {bc.OPTED_OUT: 1}
    assert [len(wechat.inbox[p]) for p in people] == [1, 1, 1, 1, 0]
    assert len(wechat.received("/cgi-bin/message/mass/sendall")) == 2  # batches of 3: each sent once


async def test_resume_queues_again_what_the_job_queue_gave_up_on(
    wechat_runtime: Runtime, patient: Patient, wechat: MassWeChat
) -> None:
    await patient("patient-resumed", age=70)
    wechat.fail_next["/cgi-bin/message/mass/sendall"] = [-1, -1, -1]
    campaign_id = await campaign(wechat_runtime, ["wechat_mass"])

    async def given_up() -> bool:
        return bool(await wechat_runtime.jobs.pending("broadcast:")) and not wechat.fail_next["/cgi-bin/message/mass/sendall"]

    await eventually(given_up)
    with pytest.raises(bc.BroadcastError, match="still has 1 job"):
        await bc.resume_campaign(wechat_runtime, campaign_id)  # never two workers on one batch
    await wechat_runtime.jobs.cancel(f"broadcast:{campaign_id}:")  # as when the queue runs out of attempts
    assert await bc.resume_campaign(wechat_runtime, campaign_id) == 1
    report = await run_until_finished(wechat_runtime, campaign_id)
    assert report.counts["sent"] == 1 and len(wechat.inbox["patient-resumed"]) == 1


async def test_an_article_that_expires_before_its_campaign_is_sent_is_not_sent(
    wechat_runtime: Runtime, patient: Patient, wechat: MassWeChat
) -> None:
    await patient("too-late", age=70)
    lapsed = bc.Content(title="旧指南", text="旧的建议。", article_id="old-guidance", expires="2023-06-30")
    campaign_id = await bc.create_campaign(wechat_runtime, "旧指南", lapsed, EVERYONE, ["wechat_mass"], "admin:test")
    await bc.schedule_campaign(wechat_runtime, campaign_id)
    report = await run_until_finished(wechat_runtime, campaign_id)
    assert report.reasons["skipped"] == {bc.ARTICLE_EXPIRED: 1}
    assert wechat.inbox["too-late"] == []


async def test_template_messages_use_the_configured_template_and_receipts_mark_them_delivered(
    make_runtime: object, wechat_env: dict[str, str], wechat: MassWeChat
) -> None:
    from tests.broadcasts.conftest import FAST

    template = {"id": "TPL-EDU-1", "fields": {"first": "title", "keyword1": "source", "remark": "text"}}
    runtime = await make_runtime(**{**FAST, "broadcasts": {**FAST["broadcasts"], "wechat": {"template": template}}})  # type: ignore[operator]
    await runtime.engine.handle(UserMessage("wechat", "templated", payload='/inform{"age": 70}'))
    campaign_id = await campaign(runtime, ["wechat_template"], article="pulse-oximeter")
    report = await run_until_finished(runtime, campaign_id)
    assert report.counts["sent"] == 1
    sent = wechat.received("/cgi-bin/message/template/send")
    assert sent[0]["template_id"] == "TPL-EDU-1" and sent[0]["touser"] == "templated"
    assert sent[0]["data"]["first"]["value"] == "血氧仪怎么用？血氧多少要去医院？"
    assert "诊疗方案" in sent[0]["data"]["keyword1"]["value"]
    msgid = (await bc.deliveries(runtime, campaign_id))[0].provider_id
    assert msgid and await bc.mark_delivered(runtime, "wechat_template", msgid, ok=True) == 1
    assert (await bc.report(runtime, campaign_id)).counts["delivered"] == 1


async def test_the_daily_user_tag_sync_is_queued_once_per_day(wechat_runtime: Runtime) -> None:
    await bc.schedule_tag_sync(wechat_runtime)  # as a second worker starting would
    queued = await wechat_runtime.jobs.pending("broadcast-tags:")
    assert len(queued) == 1 and queued[0].kind == "broadcast.sync_tags"
    assert utc(queued[0].due_at).astimezone(bc.HOSPITAL_TZ).hour == bc.TAG_SYNC_HOUR


def utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands timestamps back without their zone; they are stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


async def test_a_start_time_without_a_zone_is_china_time(wechat_runtime: Runtime) -> None:
    content = bc.Content(title="通知", text="明早九点推送。")
    campaign_id = await bc.create_campaign(wechat_runtime, "九点", content, EVERYONE, ["wechat_mass"], "admin:test")
    tomorrow = (utcnow() + dt.timedelta(days=1)).astimezone(bc.HOSPITAL_TZ).date()
    await bc.schedule_campaign(wechat_runtime, campaign_id, dt.datetime.combine(tomorrow, dt.time(9, 0)))
    (job,) = await wechat_runtime.jobs.pending(f"broadcast:{campaign_id}:")
    assert utc(job.due_at) == dt.datetime.combine(tomorrow, dt.time(1, 0), tzinfo=dt.timezone.utc)


async def test_an_openid_wechat_refuses_fails_alone_and_the_rest_of_the_batch_is_sent(
    wechat_runtime: Runtime, patient: Patient, wechat: MassWeChat
) -> None:
    for name in ("fine-1", "stranger", "fine-2"):
        await patient(name, age=70)
    wechat.strangers.add("stranger")
    report = await run_until_finished(wechat_runtime, await campaign(wechat_runtime, ["wechat_mass"]))
    assert report.counts["sent"] == 2 and report.reasons["failed"] == {"wechat errcode 40003": 1}
    assert len(wechat.inbox["fine-1"]) == 1 and len(wechat.inbox["fine-2"]) == 1 and wechat.inbox["stranger"] == []
