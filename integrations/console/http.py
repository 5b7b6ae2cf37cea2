"""How the console API answers a refused domain operation: its code as the HTTP status."""
from __future__ import annotations

from typing import Any, Awaitable

from fastapi import HTTPException

from bot.consultations import ConsultationError, RosterError, StaffError

STATUS_FOR = {"not_found": 404, "forbidden": 403, "conflict": 409, "invalid": 422}


def refused(exc: ConsultationError | StaffError | RosterError) -> HTTPException:
    if isinstance(exc, ConsultationError):
        return HTTPException(STATUS_FOR.get(exc.code, 400), exc.message)
    return HTTPException(422, str(exc))


async def act(operation: Awaitable[Any]) -> dict[str, Any]:
    """Run a domain operation: its result as JSON, or its refusal as the matching HTTP error."""
    try:
        result = await operation
    except (ConsultationError, StaffError) as exc:
        raise refused(exc) from None
    return result.to_dict() if result is not None else {"ok": True}
