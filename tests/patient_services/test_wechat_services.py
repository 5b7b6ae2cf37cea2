"""Through the local WeChat platform: every menu button answers with something other than the
fallback, and a location message gets the nearest fever clinics."""
from __future__ import annotations

import time

from bot.config import load_config
from tests.wechat.conftest import WeChatSetup

FALLBACK = "没太明白"
# The four buttons that used to answer the fallback (issue 14), and what they say now.
ONCE_DEAD = {"BOOK": "预约挂号需要先绑定就诊卡", "REPORT": "查报告需要先绑定就诊卡",
             "FEVER_CLINIC": "哪个县", "FEEDBACK": "投诉、建议、表扬，还是其他"}


async def test_every_menu_button_answers_something_other_than_the_fallback(wechat: WeChatSetup) -> None:
    platform = wechat.platform("safe")
    keys = [b["key"] for top in load_config().get("wechat.menu") for b in top.get("sub_button", [top])]
    assert len(keys) == 14
    for i, key in enumerate(keys):
        openid = f"o_menu_{key.lower()}"
        delivery = await platform.push(platform.event(openid, "CLICK", EventKey=key, create_time=int(time.time()) + i))
        await wechat.settle()
        said = delivery.text or "\n".join(m.get("text", {}).get("content", "")
                                          for m in wechat.api.customer_messages(openid))
        assert said.strip(), key
        assert FALLBACK not in said and "帮不上忙" not in said, (key, said)
        assert ONCE_DEAD.get(key, "") in said, (key, said)


async def test_the_fever_clinic_button_then_a_location_gives_the_nearest_by_distance(wechat: WeChatSetup) -> None:
    platform = wechat.platform("safe")
    asked = await platform.push(platform.event("o_fever", "CLICK", EventKey="FEVER_CLINIC"))
    assert "发送位置" in asked.text
    located = await platform.push(platform.location("o_fever", 26.26, 117.63, label="三明市三元区"))
    text = located.text
    assert text.startswith("离您最近的发热门诊"), text
    assert text.index("三明市第一医院") < text.index("沙县区总医院")
    assert "大田县总医院" not in text  # expired
