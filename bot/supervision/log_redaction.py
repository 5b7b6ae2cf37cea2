"""A safety net under the rule that logs never hold patient data: ID-card and mobile numbers are
masked in every log record (message and traceback) before any handler sees it.

Names and free text cannot be recognised by a pattern; they are kept out of logs by never being
logged (tests/supervision/test_logs.py checks a whole consultation for them). This catches what
slips through anyway: a number in an exception message, a sender id that is a phone number.
"""
from __future__ import annotations

import logging
import re
import traceback
from typing import Any

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")
_installed = False


def redact(text: str) -> str:
    return MOBILE.sub("[phone]", ID_NUMBER.sub("[id-number]", text))


def install() -> None:
    """Wrap the process's log record factory (once): records are created already masked."""
    global _installed
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        # Arguments stay arguments (uvicorn's access formatter unpacks them); only text is masked.
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        return record

    logging.setLogRecordFactory(factory)
