"""A Redis server of the test's own, on a port of this area's range, that a test may stop and start again.

Never the shared Redis: others run their tests against it. Started without persistence, so a
restart brings it back empty, as after a crash of a cache-only Redis.
"""
from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

PORTS = range(18510, 18530)


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


class OwnRedis:
    def __init__(self, workdir: Path) -> None:
        self.port = next(p for p in PORTS if _free(p))
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while _free(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(10)
        self._proc = None
