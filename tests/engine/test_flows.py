"""Flow semantics: every step type and every pattern, on the real engine with SQLite."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot import events as ev
from bot.messages import UserMessage
from bot.runtime import Runtime

HERE = Path(__file__).parent
FLOW_CONFIG = {
    "plugins": ["integrations.web", "tests.engine.plugin_for_tests"],
    "flows": {"dir": str(HERE / "flows"), "response_dirs": ["flows/responses", str(HERE / "flows" / "responses")]},
}


@pytest.fixture
async def rt(make_runtime) -> Runtime:
    return await make_runtime(**FLOW_CONFIG)


async def say(rt: Runtime, text: str, sender: str = "p1", **kw) -> list[str]:
    replies = await rt.engine.handle(UserMessage(channel="rest", sender=sender, text=text, **kw))
    return [r.text or "" for r in replies]


async def test_collect_asks_then_branches_on_the_answer(rt: Runtime) -> None:
    assert await say(rt, "/report_symptoms") == ["体温多少度？"]
    assert await say(rt, '/inform{"temperature": 39.2}') == ["咳嗽吗？"]
    assert await say(rt, "/affirm") == ["高烧（39.2℃）"]
    state = await rt.engine.state("p1")
    assert state.slots["symptoms"] == {"cough": True}
    assert state.stack == []


async def test_collect_is_skipped_when_the_slot_is_already_filled(rt: Runtime) -> None:
    assert await say(rt, '/report_symptoms{"temperature": 37.2}') == ["咳嗽吗？"]
    assert await say(rt, "/deny") == ["体温 37.2℃"]


async def test_a_value_outside_the_slot_range_is_reasked_with_a_hint(rt: Runtime) -> None:
    await say(rt, "/report_symptoms")
    replies = await say(rt, '/inform{"temperature": 55}')
    assert replies[-1] == "体温多少度？" and len(replies) == 2
    assert replies[0] in ("抱歉，我没有看懂这个回答，麻烦再回答一下：", "这个回答我没能识别，请再说一次：")
    assert (await rt.engine.state("p1")).slot("temperature") is None


async def test_a_bare_number_answers_a_numeric_question(rt: Runtime) -> None:
    await say(rt, "/report_symptoms")
    assert await say(rt, "38.7") == ["咳嗽吗？"]
    assert (await rt.engine.state("p1")).slot("temperature") == 38.7


async def test_a_button_can_be_answered_by_its_number(rt: Runtime) -> None:
    await say(rt, '/report_symptoms{"temperature": 38}')
    assert await say(rt, "2") == ["体温 38℃"]
    assert (await rt.engine.state("p1")).slot("symptoms.cough") is False


async def test_correction_updates_the_slot_and_redecides_what_depends_on_it(rt: Runtime) -> None:
    await say(rt, "/report_symptoms")
    await say(rt, '/inform{"temperature": 39}')
    replies = await say(rt, '/inform{"temperature": 37.5}')
    assert replies[0].startswith("好的，已更正：体温 37.5")
    assert replies[-1] == "咳嗽吗？"
    assert await say(rt, "/deny") == ["体温 37.5℃"]


async def test_a_digression_is_answered_and_the_flow_resumes(rt: Runtime) -> None:
    await say(rt, '/report_symptoms{"temperature": 38}')
    assert await say(rt, "/ask_medication") == ["吃药的回答", "我们接着刚才的问题：", "咳嗽吗？"]
    assert await say(rt, "/affirm") == ["体温 38℃"]


async def test_a_flow_that_is_not_a_digression_ends_the_running_flow(rt: Runtime) -> None:
    await say(rt, "/report_symptoms")
    assert await say(rt, "/book_appointment") == ["预约的回答"]
    events = await rt.engine.events("p1")
    assert {"flow": "intake", "reason": "interrupted"} in [e.data for e in events if e.type == ev.FLOW_ENDED]
    assert (await rt.engine.state("p1")).stack == []


async def test_call_returns_to_the_caller_and_link_does_not(rt: Runtime) -> None:
    assert await say(rt, "/caller") == ["子流程", "回到调用方"]
    assert await say(rt, "/linker") == ["子流程"]


async def test_set_slots_fills_slots_so_their_question_is_skipped(rt: Runtime) -> None:
    assert await say(rt, "/setter") == ["颜色是 blue"]
    assert (await rt.engine.state("p1")).slot("visited") is True


async def test_a_step_with_when_runs_only_if_its_condition_holds(rt: Runtime) -> None:
    assert await say(rt, '/conditional{"age": 8}') == ["儿童", "完成"]
    assert await say(rt, '/conditional{"age": 40}', sender="p2") == ["完成"]


async def test_text_and_categorical_answers(rt: Runtime) -> None:
    assert await say(rt, "/names") == ["怎么称呼您？"]
    assert await say(rt, "王阿姨") == ["什么颜色？"]
    assert (await say(rt, "green"))[-1] == "什么颜色？"
    assert await say(rt, "red") == ["颜色是 red"]
    assert (await rt.engine.state("p1")).slot("nickname") == "王阿姨"


async def test_cancel_ends_every_flow_and_offers_the_menu(rt: Runtime) -> None:
    await say(rt, "/report_symptoms")
    replies = await rt.engine.handle(UserMessage(channel="rest", sender="p1", text="/cancel"))
    assert replies[0].text == "好的，已结束当前问诊。还有什么可以帮您？"
    assert any(b.payload == "/request_doctor" for b in replies[0].buttons)
    assert (await rt.engine.state("p1")).stack == []


async def test_help_explains_and_asks_the_pending_question_again(rt: Runtime) -> None:
    await say(rt, "/report_symptoms")
    replies = await say(rt, "/help")
    assert replies[0].startswith("使用方法")
    assert replies[-1] == "体温多少度？"


async def test_restart_forgets_flows_and_slots_but_keeps_the_log(rt: Runtime) -> None:
    await say(rt, '/report_symptoms{"temperature": 39}')
    assert await say(rt, "/restart") == ["好的，我们重新开始。请问有什么可以帮您？"]
    state = await rt.engine.state("p1")
    assert state.stack == [] and state.slot("temperature") is None
    assert any(e.type == ev.RESTARTED for e in await rt.engine.events("p1"))


async def test_what_is_not_understood_gets_the_fallback_with_a_way_to_a_human(rt: Runtime) -> None:
    replies = await rt.engine.handle(UserMessage(channel="rest", sender="p1", text="/something_unknown"))
    assert replies[0].text.startswith("抱歉，我没太明白")
    assert "/request_doctor" in [b.payload for b in replies[0].buttons]


async def test_repeated_unusable_answers_are_unknown_and_the_flow_goes_on(rt: Runtime) -> None:
    """At most one re-ask (config engine.reask_limit, round 4 of issue 10: a question is asked at most
    twice), then the answer is `unknown`, a human is offered, and the flow moves on."""
    await say(rt, "/report_symptoms")
    for _ in range(1):
        await say(rt, "/inform")
    replies = await rt.engine.handle(UserMessage(channel="rest", sender="p1", text="/inform"))
    assert replies[0].text.startswith("没关系，这个问题先记为“不清楚”")
    assert [b.payload for b in replies[0].buttons][:1] == ["/request_doctor"]
    state = await rt.engine.state("p1")
    assert state.slots.get("temperature") == "unknown"
    assert not state.stack or state.stack[-1].waiting_for != "temperature"


async def test_an_empty_message_gets_a_gentle_prompt_and_the_pending_question(rt: Runtime) -> None:
    await say(rt, "/report_symptoms")
    assert await say(rt, "   ") == ["您好像没有输入内容，请用文字描述您的情况，或点选下面的选项。", "体温多少度？"]


async def test_broken_payload_json_is_answered_politely(rt: Runtime) -> None:
    replies = await say(rt, '/report_symptoms{"temperature": 39')
    assert replies == ["这个按钮的数据有误，我按您点选的内容继续。", "体温多少度？"]


async def test_a_crashing_action_rolls_back_the_turn_and_apologises(rt: Runtime) -> None:
    before = len(await rt.engine.events("p1"))
    replies = await rt.engine.handle(UserMessage(channel="rest", sender="p1", text="/crash"))
    assert replies[0].text.startswith("抱歉，系统刚才出了点问题")
    assert "/request_doctor" in [b.payload for b in replies[0].buttons]
    events = (await rt.engine.events("p1"))[before:]
    assert [e.type for e in events] == [ev.SLOT, ev.USER, ev.ACTION, ev.BOT]  # language, message, error, apology
    state = await rt.engine.state("p1")
    assert state.slot("visited") is None and state.stack == []


async def test_a_flow_that_never_waits_is_stopped(rt: Runtime) -> None:
    replies = await say(rt, "/loop")
    assert replies[-1].startswith("抱歉，我没太明白")
    assert (await rt.engine.state("p1")).stack == []


async def test_english_responses_are_used_when_the_conversation_language_is_en(rt: Runtime) -> None:
    replies = await say(rt, '/report_symptoms{"temperature": 39, "symptoms.cough": true, "language": "en"}')
    assert replies == ["High fever (39 °C)"]
    # a key without an English text falls back to Chinese
    assert await say(rt, "/caller") == ["子流程", "回到调用方"]


async def test_the_same_message_id_is_answered_once(rt: Runtime) -> None:
    first = await say(rt, "/report_symptoms", message_id="m-1")
    again = await say(rt, "/report_symptoms", message_id="m-1")
    assert first == again == ["体温多少度？"]
    users = [e for e in await rt.engine.events("p1") if e.type == ev.USER]
    assert len(users) == 1


async def test_a_conversation_continues_after_a_restart_of_the_process(make_runtime, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/shared.db"
    first = await make_runtime(database_url=url, **FLOW_CONFIG)
    await say(first, "/report_symptoms")
    await first.stop()
    second = await make_runtime(database_url=url, **FLOW_CONFIG)
    assert await say(second, '/inform{"temperature": 38.8}') == ["咳嗽吗？"]


async def test_concurrent_messages_of_one_conversation_are_handled_one_at_a_time_in_order(rt: Runtime) -> None:
    texts = [f'/inform{{"nickname": "n{i}"}}' for i in range(30)]
    await asyncio.gather(*(say(rt, t, sender="c1") for t in texts))
    events = await rt.engine.events("c1")
    users = [e for e in events if e.type == ev.USER]
    assert [e.data["text"] for e in users] == texts  # each once, in arrival order
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    # every user message is followed by its own answer before the next user message
    kinds = [e.type for e in events if e.type in (ev.USER, ev.BOT)]
    assert all(kinds[i] == ev.USER and kinds[i + 1] == ev.BOT for i in range(0, len(kinds), 2))


async def test_a_bare_number_that_fits_the_numeric_question_is_an_answer_not_a_button(rt: Runtime) -> None:
    assert await say(rt, "/conditional") == ["多大年纪？"]
    await rt.engine.handle(UserMessage(channel="rest", sender="p1", text="/report_symptoms"))
    # now waiting for the temperature, whose question has one button: "1" is no valid temperature → the button
    assert await say(rt, "1") == ["咳嗽吗？"]
    assert (await rt.engine.state("p1")).slot("temperature") == 36.5


async def test_an_answer_that_tells_something_else_is_kept_and_the_question_asked_again(rt: Runtime) -> None:
    await say(rt, "/names")
    replies = await say(rt, '/inform{"age": 35}')
    assert replies[0] in ("好的，您说的情况我都记下了。还需要确认一下：", "收到，这些信息已经记录。先请回答这个问题：")
    assert replies[1] == "怎么称呼您？"
    assert (await rt.engine.state("p1")).slot("age") == 35


async def test_interceptors_run_only_in_runtimes_configured_with_their_plugin(make_runtime) -> None:
    import tests.engine.interceptor_plugin_for_tests  # noqa: F401  (registered process-wide on import)

    without = await make_runtime(**FLOW_CONFIG)
    assert await say(without, "/caller") == ["子流程", "回到调用方"]
    plugins = FLOW_CONFIG["plugins"] + ["tests.engine.interceptor_plugin_for_tests"]
    with_it = await make_runtime(**{**FLOW_CONFIG, "plugins": plugins})
    assert await say(with_it, "/caller") == ["子流程"]


async def test_asking_for_a_human_is_never_taken_as_the_answer_to_a_question(rt: Runtime) -> None:
    await say(rt, "/names")  # waits for free text: anything typed could be the answer
    assert await say(rt, "转人工") == ["子流程", "我们接着刚才的问题：", "怎么称呼您？"]
    assert (await rt.engine.state("p1")).slot("nickname") is None


async def test_after_commit_work_runs_once_the_turn_is_stored_and_never_for_a_rolled_back_turn(rt: Runtime) -> None:
    from tests.engine.plugin_for_tests import NOTIFIED

    NOTIFIED.clear()
    assert await say(rt, "/notify") == ["完成"]
    assert NOTIFIED == ["p1"]
    await say(rt, "/notify_crash")
    assert NOTIFIED == ["p1"]


async def test_strings_inside_a_responses_custom_object_are_templated_too(rt: Runtime) -> None:
    [reply] = await rt.engine.handle(UserMessage(channel="rest", sender="p1", text='/notice{"temperature": 38.5}'))
    assert reply.custom == {"notice": {"name": "test_notice", "data": {"thing1": "38.5℃", "fixed": 3}}}


async def test_the_same_health_question_asked_again_and_again_ends_in_unknown_not_a_loop(rt: Runtime) -> None:
    """Session seven: a digression put the pending question again without counting, so a patient (or a
    scripted driver) who answered every question with the same health question was asked forever."""
    await say(rt, '/report_symptoms{"temperature": 38}')
    assert await say(rt, "/ask_medication") == ["吃药的回答", "我们接着刚才的问题：", "咳嗽吗？"]
    for _ in range(5):
        replies = await say(rt, "/ask_medication")
        if replies[-1] != "咳嗽吗？":
            break
    assert replies[0] == "吃药的回答"
    assert any(r.startswith("没关系，这个问题先记为“不清楚”") for r in replies)
    state = await rt.engine.state("p1")
    assert state.slot("symptoms.cough") == "unknown"
    assert state.stack == []


async def test_different_health_questions_are_each_answered_before_the_question_counts(rt: Runtime) -> None:
    await say(rt, '/report_symptoms{"temperature": 38}')
    for asked in ("布洛芬能吃吗？", "对乙酰氨基酚一次吃几片？", "退烧药饭前吃还是饭后吃？"):
        replies = await say(rt, asked)
        assert replies == ["吃药的回答", "我们接着刚才的问题：", "咳嗽吗？"], (asked, replies)
    frame = (await rt.engine.state("p1")).stack[-1]
    assert frame.digressions == 3 and frame.asks == 1  # none repeated its predecessor: nothing counted
    replies = await say(rt, "布洛芬和感冒药能一起吃吗？")  # one too many: now it counts
    assert (await rt.engine.state("p1")).stack[-1].asks == 2
    assert await say(rt, "/affirm") == ["体温 38℃"]
