"""A lean load generator for the benchmarks: keep-alive HTTP/1.1 requests written by hand."""
from __future__ import annotations

import asyncio
import json
import time


class LeanClient:
    """One keep-alive HTTP/1.1 connection, requests written by hand: on a 2-core machine the load
    generator shares the CPU with the server, so it must cost far less than the server does."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, payload: dict) -> tuple[int, bytes]:
        """POST a JSON body."""
        return await self.post_bytes(path, json.dumps(payload, ensure_ascii=False).encode(), "application/json")

    async def post_bytes(self, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode() + body
        )
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


Request = tuple[str, bytes, str]  # path, body, content type


async def closed_loop(host: str, port: int, conversations: list[list[Request]]) -> tuple[float, list[float], list[bytes]]:
    """Every conversation sends its next request as soon as the last is answered: the most a server can do."""
    latencies: list[float] = []
    replies: list[bytes] = []

    async def one(requests: list[Request]) -> None:
        client = LeanClient(host, port)
        try:
            for path, body, content_type in requests:
                started = time.perf_counter()
                status, reply = await client.post_bytes(path, body, content_type)
                latencies.append(time.perf_counter() - started)
                assert status == 200, reply[:300]
                replies.append(reply)
        finally:
            await client.close()

    began = time.perf_counter()
    await asyncio.gather(*(one(r) for r in conversations))
    return time.perf_counter() - began, latencies, replies


async def paced(host: str, port: int, conversations: list[list[Request]], rate: float) -> tuple[float, list[float], list[bytes]]:
    """Open loop: request i of all falls due at i / rate (spread over the conversations, each in order);
    latency counts from when a request fell due, so a server that falls behind cannot hide it."""
    latencies: list[float] = []
    replies: list[bytes] = []
    began = time.perf_counter()
    width = len(conversations)

    async def one(c: int, requests: list[Request]) -> None:
        client = LeanClient(host, port)
        try:
            for k, (path, body, content_type) in enumerate(requests):
                due = began + (k * width + c) / rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                status, reply = await client.post_bytes(path, body, content_type)
                latencies.append(time.perf_counter() - due)
                assert status == 200, reply[:300]
                replies.append(reply)
        finally:
            await client.close()

    await asyncio.gather(*(one(c, r) for c, r in enumerate(conversations)))
    return time.perf_counter() - began, latencies, replies


def percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "mean": sum(ordered) / len(ordered) * 1000}
