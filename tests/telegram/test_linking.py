"""One-time codes that link a staff account to a Telegram chat (bot/staff_links.py, integrations/telegram/linking.py)."""
import datetime as dt

import pytest

from bot.db import Database, utcnow
from bot.staff_links import CODE_LENGTH, LinkError, StaffLinks
from integrations.telegram.linking import ChatLinks


@pytest.fixture
async def linker(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'link.db'}")
    await db.upgrade()
    yield ChatLinks(StaffLinks(db, "secret-for-tests", "telegram", dt.timedelta(minutes=15)))
    await db.close()


async def test_a_code_links_the_chat_that_sends_it_to_the_staff_member(linker):
    code = await linker.issue(7)
    assert await linker.redeem(code.display, chat_id=555) == 7
    assert await linker.staff_for_chat(555) == 7
    assert await linker.chats_for_staff([7, 8]) == {7: 555}


async def test_a_code_works_once(linker):
    code = await linker.issue(7)
    await linker.redeem(code.code, chat_id=555)
    with pytest.raises(LinkError):
        await linker.redeem(code.code, chat_id=666)
    assert await linker.staff_for_chat(666) is None


async def test_an_expired_code_is_refused(linker):
    code = await linker.links.issue(7, now=utcnow() - dt.timedelta(minutes=16))
    with pytest.raises(LinkError):
        await linker.redeem(code.code, chat_id=555)


async def test_a_new_code_replaces_the_unused_one(linker):
    first = await linker.issue(7)
    second = await linker.issue(7)
    with pytest.raises(LinkError):
        await linker.redeem(first.code, chat_id=555)
    assert await linker.redeem(second.code, chat_id=555) == 7


async def test_a_code_typed_in_lower_case_full_width_or_with_a_dash_is_understood(linker):
    code = await linker.issue(7)
    typed = "".join(chr(ord(c) + 0xFEE0) for c in code.code.lower())  # full-width lower case
    assert await linker.redeem(f" {typed[:4]}－{typed[4:]} ", chat_id=555) == 7


@pytest.mark.parametrize("typed", ["", "ABC", "😀" * CODE_LENGTH, "A" * 10_000])
async def test_malformed_codes_are_refused(linker, typed):
    with pytest.raises(LinkError):
        await linker.redeem(typed, chat_id=555)


async def test_linking_again_moves_the_account_to_the_new_chat_and_frees_the_old(linker):
    await linker.redeem((await linker.issue(7)).code, chat_id=555)
    await linker.redeem((await linker.issue(7)).code, chat_id=777)
    assert await linker.staff_for_chat(555) is None
    assert await linker.chats_for_staff([7]) == {7: 777}
    assert await linker.unlink_chat(777)
    assert await linker.chats_for_staff([7]) == {}


async def test_unlinking_a_staff_member_ends_the_sessions_their_chat_was_working(linker):
    from sqlalchemy import select

    from integrations.telegram.models import TelegramSessionRow

    await linker.redeem((await linker.issue(7)).code, chat_id=555)
    async with linker.db.transaction() as s:
        s.add(TelegramSessionRow(chat_id=555, staff_id=7, consultation_id="c1", started_at=utcnow(), focused_at=utcnow()))
    assert await linker.unlink_staff(7)
    async with linker.db.session() as s:
        [session] = (await s.scalars(select(TelegramSessionRow))).all()
    assert session.ended_at is not None
    assert not await linker.unlink_staff(7)


async def test_a_code_of_one_provider_does_not_link_an_account_of_another(linker):
    other = StaffLinks(linker.db, "secret-for-tests", "wecom", dt.timedelta(minutes=15))
    code = await other.issue(7)
    with pytest.raises(LinkError):
        await linker.redeem(code.code, chat_id=555)
    assert await other.redeem(code.code, "wecom-user-1") == 7
    assert await linker.chats_for_staff([7]) == {}


def test_a_link_code_shows_the_command_to_send():
    from bot.staff_links import LinkCode

    code = LinkCode("ABCDEFGH", 7, "telegram", utcnow())
    assert code.to_dict()["command"] == "/link ABCD-EFGH"
