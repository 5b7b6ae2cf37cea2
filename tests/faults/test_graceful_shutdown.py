"""SIGTERM with a doctor's console stream open: the stream ends with a retry hint and the server exits within 10 s."""
from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.conftest import PROJECT_CONFIG
from tests.console.helpers import PASSWORD, on_duty

SHUTDOWN_LIMIT_SECONDS = 10.0


async def test_sigterm_with_an_open_event_stream_ends_it_with_a_retry_hint_and_exits_within_10_s(
        start_server: Any, make_runtime: Any, tmp_path: Path) -> None:
    console = yaml.safe_load(PROJECT_CONFIG.read_text(encoding="utf-8"))["consultations"]["console"]
    server = start_server(consultations={"console": {**console, "secure_cookie": False}})
    runtime = await make_runtime(database_url=f"sqlite:///{tmp_path}/server.db")
    await on_duty(runtime, "dr.sse", ["fever"])
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        signed_in = await http.post("/api/console/session", json={"username": "dr.sse", "password": PASSWORD})
        assert signed_in.status_code == 200
        received = ""
        async with http.stream("GET", "/api/console/stream") as stream:
            chunks = stream.aiter_text()
            while "event: ready" not in received:
                received += await anext(chunks)
            started = time.monotonic()
            server.terminate()
            async for chunk in chunks:  # ends when the server closes the stream
                received += chunk
            closed_after = time.monotonic() - started
        exit_status = await asyncio.to_thread(server.wait, SHUTDOWN_LIMIT_SECONDS)
        exited_after = time.monotonic() - started
    print(f"\nSIGTERM: stream closed after {closed_after:.2f} s, process exited after {exited_after:.2f} s")
    assert "event: bye" in received and "retry: 2000" in received.split("event: ready", 1)[1]
    # uvicorn, once shut down cleanly, re-raises the signal it caught: the status says "ended by SIGTERM".
    assert exit_status in (0, -signal.SIGTERM) and exited_after <= SHUTDOWN_LIMIT_SECONDS
    assert "Traceback" not in server.log.read_text(errors="replace")
