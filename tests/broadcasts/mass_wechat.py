"""The local WeChat with mass-send semantics the broadcast tests need, on top of tests/wechat/simulator.py.

Adds what WeChat does and the shared simulator leaves out: `mass/sendall` delivers to every
user holding the tag at that moment and refuses a repeated `clientmsgid` with 45065 (without
delivering again); customer-service and template messages land in the same per-user inbox;
tag names are unique (45157) and tags can be deleted; tagging is O(batch) so 100,000 users work.
A test can make the server hold its answer to the n-th mass send (the message is already
delivered) to kill a worker while it waits.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Any

from tests.wechat.simulator import WeChatAPIServer

TAGGING_LIMIT = 50


class MassWeChat(WeChatAPIServer):
    def __init__(self, app_id: str, app_secret: str) -> None:
        super().__init__(app_id=app_id, app_secret=app_secret)
        self.inbox: dict[str, list[str]] = defaultdict(list)
        self.members: dict[int, set[str]] = defaultdict(set)
        self.client_msg_ids: set[str] = set()
        self.mass_sends = 0
        self.hold_mass_send: int | None = None  # the n-th accepted mass send answers only after `release`
        self.release = threading.Event()
        self.call_times: dict[str, list[float]] = defaultdict(list)
        self.strangers: set[str] = set()  # openids that do not follow this account: tagging them fails

    def _answer(self, call: Any) -> Any:
        self.call_times[call.path].append(time.monotonic())
        return super()._answer(call)

    def _routes(self) -> dict[str, Any]:
        routes = super()._routes()
        routes.update({
            "/cgi-bin/message/custom/send": self._custom,
            "/cgi-bin/message/template/send": self._template,
            "/cgi-bin/tags/delete": self._delete_tag,
            "/cgi-bin/message/mass/sendall": self._mass,
        })
        return routes

    def _create_tag(self, body: dict[str, Any]) -> dict[str, Any]:
        name = (body.get("tag") or {}).get("name", "")
        with self._lock:
            if any(t["name"] == name for t in self.tags.values()):
                return {"errcode": 45157, "errmsg": "invalid tag name"}
        return super()._create_tag(body)

    def _tagging(self, body: dict[str, Any], add: bool) -> dict[str, Any]:
        tag_id = int(body.get("tagid", 0))
        openids = body.get("openid_list") or []
        if len(openids) > TAGGING_LIMIT:
            return {"errcode": 40032, "errmsg": "invalid openid list size"}
        if self.strangers & set(openids):
            return {"errcode": 40003, "errmsg": "invalid openid"}
        with self._lock:
            if tag_id not in self.tags:
                return {"errcode": 45159, "errmsg": "invalid tag id"}
            (self.members[tag_id].update if add else self.members[tag_id].difference_update)(openids)
            self.tags[tag_id]["count"] = len(self.members[tag_id])
        return {"errcode": 0, "errmsg": "ok"}

    def _tag_members(self, body: dict[str, Any]) -> dict[str, Any]:
        members = sorted(self.members.get(int(body.get("tagid", 0)), ()))
        return {"count": len(members), "data": {"openid": members}, "next_openid": ""}

    def tag_users(self, name: str, openids: list[str]) -> None:
        """An account tag made by the hospital's staff in the WeChat back office."""
        tag = self._create_tag({"tag": {"name": name}})["tag"]
        self.members[tag["id"]].update(openids)
        self.tags[tag["id"]]["count"] = len(openids)

    def _delete_tag(self, body: dict[str, Any]) -> dict[str, Any]:
        tag_id = int((body.get("tag") or {}).get("id", 0))
        with self._lock:
            if self.tags.pop(tag_id, None) is None:
                return {"errcode": 45159, "errmsg": "invalid tag id"}
            self.members.pop(tag_id, None)
        return {"errcode": 0, "errmsg": "ok"}

    def _mass(self, body: dict[str, Any]) -> dict[str, Any]:
        key = body.get("clientmsgid")
        with self._lock:
            if key and key in self.client_msg_ids:
                return {"errcode": 45065, "errmsg": "clientmsgid exist"}
            if key:
                self.client_msg_ids.add(key)
            tag_id = int((body.get("filter") or {}).get("tag_id", 0))
            for openid in self.members.get(tag_id, ()):
                self.inbox[openid].append(body["text"]["content"])
            self.mass_sends += 1
            hold = self.mass_sends == self.hold_mass_send
        if hold:
            self.release.wait(60)
        return super()._mass(body)

    def _custom(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.inbox[body["touser"]].append(body["text"]["content"])
        return {"errcode": 0, "errmsg": "ok"}

    def _template(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.inbox[body["touser"]].append(str(body.get("data")))
        return {"errcode": 0, "errmsg": "ok", "msgid": next(self._counter)}
