"""Renewal across the patient's conversations, per person (card): the same ID card bound from two conversations is
one person, whose prescription written in one is renewed from the other; a family member's card, or a stranger's,
does not see it. Typed in Chinese through REST."""
from __future__ import annotations

import httpx

from bot.prescriptions.service import Prescriptions
from bot.runtime import Runtime
from tests.console.helpers import say, texts
from tests.prescriptions.test_renewal import approved_before

ID_FATHER = "11010519491231002X"  # valid GB 11643-1999 numbers
ID_MOTHER = "110105195203150013"


async def bind(http: httpx.AsyncClient, sender: str, id_number: str, relation: str = "1", name: str = "张建国",
               phone: str = "13800138000") -> None:
    """Bind a card by typing (relation: the button's number, 1 本人, 2 父母)."""
    first = texts(await say(http, sender, "/bind_card"))
    if "隐私说明" in first:
        first = texts(await say(http, sender, "1"))
    assert "为谁绑定" in first, first
    assert "姓名" in texts(await say(http, sender, relation))
    assert "身份证" in texts(await say(http, sender, name))
    assert "手机" in texts(await say(http, sender, id_number))
    assert "绑定成功" in texts(await say(http, sender, phone))


async def test_the_same_card_renews_from_another_conversation(runtime: Runtime, client: httpx.AsyncClient,
                                                              other_client: httpx.AsyncClient) -> None:
    await bind(client, "card-web", ID_FATHER)
    _, _, previous = await approved_before(runtime, client, other_client, "card-web")
    # The same person, bound from another conversation (another channel identity), asks to renew.
    await bind(client, "card-app", ID_FATHER)
    asked = texts(await say(client, "card-app", "再开点降压药"))
    assert "苯磺酸氨氯地平片" in asked and previous in asked and "病情稳定吗" in asked
    await say(client, "card-app", "没有，挺稳定的")
    assert "已提交续方申请" in texts(await say(client, "card-app", "没有"))
    [renewal] = (await client.get("/api/console/prescriptions/renewals")).json()
    assert renewal["previous_id"] == previous and renewal["conversation_id"] == "card-app"

    # Another person's card (a stranger's account) finds nothing; nor does the same ID number with another phone.
    await bind(client, "card-other", ID_MOTHER)
    assert "没有查到" in texts(await say(client, "card-other", "再开点降压药"))
    await bind(client, "card-guess", ID_FATHER, phone="13900139000")
    assert "没有查到" in texts(await say(client, "card-guess", "再开点降压药"))


async def test_a_family_members_card_does_not_see_the_prescription(runtime: Runtime, client: httpx.AsyncClient,
                                                                   other_client: httpx.AsyncClient) -> None:
    await bind(client, "card-fam", ID_FATHER)
    _, _, previous = await approved_before(runtime, client, other_client, "card-fam")
    assert previous in texts(await say(client, "card-fam", "再开点降压药"))
    await say(client, "card-fam", "/restart")
    # The mother's card becomes the active one: it is her consultation now, and she has no prescription.
    await bind(client, "card-fam", ID_MOTHER, relation="2", name="李秀英")
    answer = texts(await say(client, "card-fam", "我妈的药快吃完了想再开一个月的"))
    assert "没有查到" in answer and previous not in answer


async def test_the_status_question_answers_for_the_card_across_conversations(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    await bind(client, "card-st-1", ID_FATHER)
    _, _, previous = await approved_before(runtime, client, other_client, "card-st-1")
    await bind(client, "card-st-2", ID_FATHER)
    runtime.services.get(Prescriptions).settings.public_url = "https://hospital.example"
    replies = await say(client, "card-st-2", "我的处方审核好了吗")
    answer = texts(replies)
    assert "送药到家" not in [b["title"] for m in replies for b in m.get("buttons") or []]
    assert previous in answer and "已审核通过" in answer
    assert "hospital.example" not in answer  # the e-prescription is linked only where it was written
    assert "当时开方的对话" in answer  # and ordered there: no 送药到家 button here that could not work
    assert "hospital.example" in texts(await say(client, "card-st-1", "我的处方审核好了吗"))
    await bind(client, "card-st-3", ID_MOTHER)
    assert "没有查到" in texts(await say(client, "card-st-3", "我的处方审核好了吗"))
