"""The patient's "谁看过我的记录": who opened their record, by role and time (names only if policy allows).

An interceptor after the safety screen (10) and the live-session relay (20): the question is
recognised by the phrases of `privacy.yml` (or the payload `/ask_access_log`), answered from the
audit trail (`bot.supervision.access`), and the dialogue that was running goes on afterwards.
`supervision.access_log.show_names: true` adds the staff member's name and title.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from nlu.yaml_files import load_yaml

from bot.action_api import ActionContext, interceptor
from bot.config import Config
from bot.consultations import Consultations
from bot.supervision import AuditTrail
from bot.supervision.access import accesses

PHRASES_FILE = Path(__file__).with_name("privacy.yml")
INTENT = "ask_access_log"
ACCESS_LOG_PRIORITY = 40
SHOWN = 20  # the newest this many looks are listed


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], ...]:
    data = load_yaml(PHRASES_FILE.read_text(encoding="utf-8"))
    return tuple(re.compile(p) for p in data["patterns"])


def asks_for_access_log(text: str) -> bool:
    compact = "".join(text.split())
    return any(p.search(compact) for p in _patterns())


@interceptor("access_log", ACCESS_LOG_PRIORITY)
async def access_log(ctx: ActionContext, config: Config, audit: AuditTrail, directory: Consultations) -> bool:
    asked = ctx.parse is not None and ctx.parse.intent.name == INTENT
    if not asked and not (ctx.message is not None and asks_for_access_log(ctx.message.text or "")):
        return False
    found = await accesses(audit, ctx.conversation_id, SHOWN)
    if not found:
        ctx.utter("utter_access_log_empty")
        return True
    show_names = bool(config.get("supervision.access_log.show_names", False))
    local = directory.roster.local
    lines = []
    for access in found:
        who = ctx.text(f"access_role_{access.role}") if access.role in ("doctor", "pharmacist", "admin") else access.role
        if show_names and access.staff_id is not None:
            staff = await directory.staff.get(access.staff_id)
            if staff is not None:
                who = ctx.text("access_named", role=who, name=staff.display_name, title=staff.title)
        lines.append(ctx.text("access_line", time=local(access.at).strftime("%Y-%m-%d %H:%M"), who=who,
                              what=ctx.text(f"access_{access.action.replace('.', '_')}")))
    ctx.utter("utter_access_log", entries="\n".join(lines), count=len(found))
    return True
