"""Staff accounts: argon2 hashes, lockout after repeated wrong passwords, departments checked."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.consultations.staff import LockoutPolicy, StaffDirectory, StaffError
from bot.db import Database, utcnow


@pytest.fixture
async def directory(tmp_path: Path) -> StaffDirectory:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'staff.db'}")
    await db.upgrade()
    yield StaffDirectory(db, ["fever", "general"], LockoutPolicy(max_failures=3, lock_minutes=15))
    await db.close()


async def test_a_password_is_stored_only_as_an_argon2_hash(directory: StaffDirectory) -> None:
    from sqlalchemy import select

    from bot.consultations.models import StaffRow

    await directory.add("dr.wang", "correct horse 1", display_name="王医生", departments=["fever"])
    async with directory.db.session() as s:
        stored = await s.scalar(select(StaffRow.password_hash))
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert (await directory.authenticate("DR.WANG ", "correct horse 1")).staff is not None


async def test_the_account_locks_after_repeated_wrong_passwords_even_for_the_right_one(directory: StaffDirectory) -> None:
    await directory.add("dr.wang", "correct horse 1", display_name="王医生")
    now = utcnow()
    reasons = [(await directory.authenticate("dr.wang", "guess", now)).reason for _ in range(3)]
    assert reasons == ["invalid", "invalid", "locked"]
    assert (await directory.authenticate("dr.wang", "correct horse 1", now)).reason == "locked"
    later = now + dt.timedelta(minutes=16)
    assert (await directory.authenticate("dr.wang", "correct horse 1", later)).staff is not None


async def test_unknown_users_and_inactive_accounts_cannot_sign_in(directory: StaffDirectory) -> None:
    staff = await directory.add("dr.wang", "correct horse 1", display_name="王医生")
    assert (await directory.authenticate("nobody", "correct horse 1")).reason == "invalid"
    await directory.update(staff.id, active=False)
    assert (await directory.authenticate("dr.wang", "correct horse 1")).reason == "inactive"


async def test_bad_account_data_is_refused_with_a_reason(directory: StaffDirectory) -> None:
    with pytest.raises(StaffError, match="unknown department"):
        await directory.add("dr.wang", "correct horse 1", display_name="王医生", departments=["surgery"])
    with pytest.raises(StaffError, match="at least"):
        await directory.add("dr.wang", "short", display_name="王医生")
    with pytest.raises(StaffError, match="username"):
        await directory.add("王医生", "correct horse 1", display_name="王医生")
    await directory.add("dr.wang", "correct horse 1", display_name="王医生")
    with pytest.raises(StaffError, match="taken"):
        await directory.add("dr.wang", "correct horse 2", display_name="王医生")


async def test_changing_the_password_ends_every_session(directory: StaffDirectory) -> None:
    staff = await directory.add("dr.wang", "correct horse 1", display_name="王医生")
    await directory.set_password(staff.id, "battery staple 2")
    assert (await directory.require(staff.id)).session_version == staff.session_version + 1
    assert (await directory.authenticate("dr.wang", "correct horse 1")).staff is None
