"""The custom menu: WeChat's limits, and `wenzhen wechat menu push` against the local API server."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import load_config
from integrations.wechat.menu import MenuError, build_menu, unmapped_click_keys
from integrations.wechat.settings import load_settings
from tests.conftest import write_config
from tests.wechat.simulator import WeChatAPIServer


def click(name: str, key: str) -> dict[str, str]:
    return {"type": "click", "name": name, "key": key}


def test_the_default_menu_is_valid_and_every_key_leads_somewhere(wechat_env: None) -> None:
    settings = load_settings(load_config())
    assert settings is not None
    body = build_menu(settings.menu)
    assert [b["name"] for b in body["button"]] == ["互联网医院", "新冠咨询", "我的"]
    assert unmapped_click_keys(settings, body) == []


@pytest.mark.parametrize(
    ("menu", "complaint"),
    [
        ([click("一", "a"), click("二", "b"), click("三", "c"), click("四", "d")], "4 top-level buttons"),
        ([{"name": "多", "sub_button": [click(str(i), str(i)) for i in range(6)]}], "6 sub-buttons"),
        ([click("这是一个很长的菜单名字", "a")], "longer than 16 bytes"),
        ([{"type": "click", "name": "缺键"}], "needs 'key'"),
        ([{"type": "view", "name": "网页"}], "needs 'url'"),
        ([{"type": "teleport", "name": "未知", "key": "x"}], "type must be one of"),
        ([{"name": "空", "sub_button": []}], "non-empty list"),
        ([], "non-empty list"),
    ],
)
def test_menus_breaking_wechats_limits_are_refused(menu: list[Any], complaint: str) -> None:
    with pytest.raises(MenuError) as caught:
        build_menu(menu)
    assert complaint in str(caught.value)


def test_menu_push_publishes_the_configured_menu(wechat_env: None, wechat_api: WeChatAPIServer, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.yml")
    result = CliRunner().invoke(main, ["wechat", "menu", "push"], env={"WENZHEN_CONFIG": str(config)})
    assert result.exit_code == 0, result.output
    assert "menu pushed: 3 menus" in result.output
    [body] = wechat_api.received("/cgi-bin/menu/create")
    assert body["button"][1]["sub_button"][0] == {"type": "click", "name": "发热/新冠自查", "key": "COVID_CHECK"}


def test_an_invalid_menu_is_not_pushed_and_exits_2(wechat_env: None, wechat_api: WeChatAPIServer, tmp_path: Path) -> None:
    menu = [click("一", "a"), click("二", "b"), click("三", "c"), click("四", "d")]
    config = write_config(tmp_path / "config.yml", wechat={"menu": menu})
    result = CliRunner().invoke(main, ["wechat", "menu", "push"], env={"WENZHEN_CONFIG": str(config)})
    assert result.exit_code == 2
    assert "WeChat allows 3" in result.output
    assert wechat_api.received("/cgi-bin/menu/create") == []


def test_menu_push_without_credentials_says_what_to_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WENZHEN_WECHAT_TOKEN", "WENZHEN_WECHAT_APPID", "WENZHEN_WECHAT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    config = write_config(tmp_path / "config.yml")
    result = CliRunner().invoke(main, ["wechat", "menu", "push"], env={"WENZHEN_CONFIG": str(config)})
    assert result.exit_code == 2 and "WENZHEN_WECHAT_TOKEN" in result.output


def test_a_configuration_error_is_one_line_and_exit_2(wechat_env: None, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WENZHEN_WECHAT_AES_KEY")
    config = write_config(tmp_path / "config.yml", wechat={"mode": "safe"})
    result = CliRunner().invoke(main, ["wechat", "menu", "show"], env={"WENZHEN_CONFIG": str(config)})
    assert result.exit_code == 2
    assert "needs WENZHEN_WECHAT_AES_KEY" in result.output and "Traceback" not in result.output
