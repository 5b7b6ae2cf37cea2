"""Session seven (fix11c): binding a card (绑定就诊卡) takes a name or relation words to "为谁绑定", keeps what was typed
when the relation must be asked again, and never says the medical "先记为不清楚 … 120" — typed over REST."""
from __future__ import annotations

import json

import pytest

from tests.intake.conftest import say_texts
from tests.wechat.test_cards import ID_ADULT

pytestmark = pytest.mark.asyncio(loop_scope="module")

MEDICAL_GIVE_UP = "不清楚"


async def test_a_name_said_to_whom_is_kept_and_the_relation_asked_once_with_buttons(client) -> None:
    sender = "s7-card-name"
    await say_texts(client, sender, "绑定就诊卡", "1")
    said, replies, tracker = await say_texts(client, sender, "周玉兰")
    assert "什么人" in said and "姓名" not in said
    assert [b["title"] for b in replies[-1]["buttons"]] == ["本人", "子女", "父母", "配偶", "其他"]
    said, _, _ = await say_texts(client, sender, "父母")
    assert "身份证" in said  # the name is not asked again
    said, _, tracker = await say_texts(client, sender, ID_ADULT, "13800138100")
    assert "绑定成功" in said and "周*兰（父母）" in said
    assert "周玉兰" not in json.dumps(tracker, ensure_ascii=False)  # the name typed there was sealed


async def test_relation_and_name_in_one_answer(client) -> None:
    sender = "s7-card-both"
    await say_texts(client, sender, "绑定就诊卡", "1")
    said, _, _ = await say_texts(client, sender, "给我爸绑，叫王建国")
    assert "身份证" in said
    said, _, _ = await say_texts(client, sender, ID_ADULT, "13800138101")
    assert "王*国（父母）" in said


async def test_an_unreadable_relation_never_gets_the_medical_give_up_nor_120(client) -> None:
    sender = "s7-card-unclear"
    await say_texts(client, sender, "绑定就诊卡", "1", "周玉兰")
    texts = []
    for text in ("嗯嗯", "啊", ID_ADULT, "13800138102"):
        said, _, _ = await say_texts(client, sender, text)
        texts.append(said)
    everything = "\n".join(texts)
    assert MEDICAL_GIVE_UP not in everything and "120" not in everything
    assert "保留" in everything and "绑定成功" in everything


async def test_a_refused_relation_is_asked_again_and_nothing_typed_is_lost(client) -> None:
    sender = "s7-card-self-twice"
    await say_texts(client, sender, "绑定就诊卡", "1", "本人", "张三丰", ID_ADULT, "13800138103")
    await say_texts(client, sender, "绑定就诊卡", "本人", "李四", "110101199003070011")
    said, _, _ = await say_texts(client, sender, "13800138104")
    assert "重新绑定" not in said and "保留" in said and "什么人" in said
    said, _, _ = await say_texts(client, sender, "配偶")
    assert "绑定成功" in said and "李*（配偶）" in said
