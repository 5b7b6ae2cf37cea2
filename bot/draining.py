"""Shutting down while long-lived responses are open: tell them, so that they end and the process can exit.

uvicorn, on SIGTERM, stops accepting and then waits for every open response to finish before it
shuts the app down; an event stream never finishes by itself. `install()` (called at start-up)
puts a handler in front of the server's own for SIGTERM and SIGINT that runs every callback
registered with `on_drain` — an event stream registers one that ends it with a retry hint.
"""
from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from typing import Any

_callbacks: set[Callable[[], None]] = set()
_state: dict[str, Any] = {"draining": False}


def on_drain(callback: Callable[[], None]) -> Callable[[], None]:
    """Run `callback` (in the event loop) when the process starts shutting down; returns the unregister function."""
    if _state["draining"]:
        callback()
        return lambda: None
    _callbacks.add(callback)
    return lambda: _callbacks.discard(callback)


def _drain() -> None:
    _state["draining"] = True
    for callback in list(_callbacks):
        callback()
    _callbacks.clear()


def install() -> None:
    """Chain a drain handler in front of the current SIGTERM/SIGINT handlers (main thread only, once per process)."""
    if threading.current_thread() is not threading.main_thread():
        return
    _state["loop"] = asyncio.get_running_loop()
    _state["draining"] = False
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)
        if getattr(previous, "wenzhen_drain", False):
            continue  # ours is in front already

        def handler(signum: int, frame: Any, previous: Any = previous) -> None:
            loop = _state.get("loop")
            if isinstance(loop, asyncio.AbstractEventLoop) and not loop.is_closed():
                loop.call_soon_threadsafe(_drain)
            if callable(previous):
                previous(signum, frame)

        handler.wenzhen_drain = True  # type: ignore[attr-defined]
        signal.signal(sig, handler)
