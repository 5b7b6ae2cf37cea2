"""A Redis server of the test's own, on a loopback port the kernel handed out, that a test may stop and start again.

Never the shared Redis: others run their tests against it. Started without persistence, so a
restart brings it back empty, as after a crash of a cache-only Redis.
"""
from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import redis

from tests.conftest import free_port


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


class OwnRedis:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self._proc: subprocess.Popen[bytes] | None = None
        self._started_once = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (again, on the same port). The first start moves to another port if a parallel test took this one."""
        for _ in range(3):
            if self._launch():
                self._started_once = True
                return
            if self._started_once:
                break
            self.port = free_port()
        raise RuntimeError(f"redis-server did not start on {self.port}")

    def _launch(self) -> bool:
        self._proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        # Listening, and ours (its process id): a redis-server that found the port taken exits at once.
        while not self._answers(self._proc.pid):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                return False
            time.sleep(0.02)
        return True

    def _answers(self, pid: int) -> bool:
        if _free(self.port):
            return False
        client = redis.Redis(port=self.port, socket_timeout=1)
        try:
            return int(client.info("server")["process_id"]) == pid
        except redis.RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(10)
        self._proc = None
