"""Benchmark: the WeChat webhook in safe mode (decrypt → engine → encrypt), one worker.

Starts a real `wenzhen serve` (one worker, embedded SQLite) with the WeChat channel pointed at
the local WeChat API server, then plays WeChat: many followers each sending text messages,
sealed (signed and AES-encrypted) before the clock starts. Prints throughput and p50/p99
latency of the passive replies. Target: >= 300 msg/s, p99 <= 100 ms.
Run: `.venv/bin/python bench/wechat.py --users 20 --messages 25 [--shared]`.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import Request, closed_loop, paced, percentiles  # noqa: E402
from bench.rest import start  # noqa: E402  (one way to start a server for every benchmark)
from tests.wechat.simulator import WeChatAPIServer, WeChatPlatform  # noqa: E402

TOKEN, APP_ID, SECRET = "bench_token", "wx_bench_app", "bench-secret"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
TEXTS = ["你好", "怎么用", "谢谢", "再见"]


def followers(prefix: str, users: int, messages: int) -> list[list[Request]]:
    """What WeChat would POST for `users` followers writing `messages` texts each, signed and encrypted."""
    platform = WeChatPlatform(None, TOKEN, APP_ID, AES_KEY, mode="safe")  # type: ignore[arg-type]
    scripts = []
    for u in range(users):
        requests = []
        for i in range(messages):
            query, body = platform.seal(platform.to_xml(platform.text(f"{prefix}_{u}", TEXTS[i % len(TEXTS)])))
            requests.append((f"/webhooks/wechat?{urlencode(query)}", body.encode(), "text/xml"))
        scripts.append(requests)
    return scripts


def measure(url: str, users: int, messages: int, rate: float) -> list[tuple[str, float, list[float], int]]:
    """A closed loop (as fast as answered), then an open loop paced at `rate`; replies that are not
    `success` are passive replies (answered within WeChat's window, no customer-service message needed)."""
    host, port = url.removeprefix("http://").split(":")
    asyncio.run(closed_loop(host, int(port), followers("o_warm", 4, 4)))
    results = []
    elapsed, latencies, replies = asyncio.run(closed_loop(host, int(port), followers("o_bench", users, messages)))
    results.append(("as fast as answered", elapsed, latencies, sum(r not in (b"", b"success") for r in replies)))
    elapsed, latencies, replies = asyncio.run(paced(host, int(port), followers("o_paced", users, messages), rate))
    results.append((f"paced at {rate:.0f}/s", elapsed, latencies, sum(r not in (b"", b"success") for r in replies)))
    return results


def protocol_only(count: int = 2000) -> None:
    """The channel's own work per message, without the engine: verify, decrypt, parse, encrypt the reply."""
    from integrations.wechat.protocol import read_message, render_reply, text_reply
    from integrations.wechat.settings import WeChatSettings

    settings = WeChatSettings(token=TOKEN, app_id=APP_ID, app_secret=SECRET, aes_key=AES_KEY, mode="safe")
    platform = WeChatPlatform(None, TOKEN, APP_ID, AES_KEY, mode="safe")  # type: ignore[arg-type]
    sealed = [platform.seal(platform.to_xml(platform.text(f"o_{i}", "我发烧39度，咳嗽两天了"))) for i in range(count)]
    began = time.perf_counter()
    for query, body in sealed:
        inbound = read_message(settings, query, body.encode())
        render_reply(settings, inbound, text_reply(inbound, "请问您现在体温多少度？\n回复数字：\n1 没有发烧"))
    elapsed = time.perf_counter() - began
    print(f"protocol only (no engine): {count / elapsed:.0f} msg/s, {elapsed / count * 1e6:.0f} µs per message")


def report(name: str, elapsed: float, latencies: list[float], passive: int) -> None:
    p = percentiles(latencies)
    print(f"wechat safe mode, 1 worker, {name}: {len(latencies)} msgs  {len(latencies) / elapsed:.1f} msg/s  "
          f"p50 {p['p50']:.1f} ms  p95 {p['p95']:.1f} ms  p99 {p['p99']:.1f} ms  "
          f"mean {p['mean']:.1f} ms  passive replies {passive}/{len(latencies)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50, help="followers writing at once")
    parser.add_argument("--messages", type=int, default=20, help="messages each follower sends")
    parser.add_argument("--rate", type=float, default=300, help="messages per second of the paced run")
    parser.add_argument("--port", type=int, default=None, help="the server's port (default: a free one)")
    parser.add_argument("--shared", action="store_true",
                        help="also run on PostgreSQL + Redis (WENZHEN_TEST_POSTGRES / WENZHEN_TEST_REDIS)")
    args = parser.parse_args()
    protocol_only()
    backends: list[tuple[str, dict[str, str]]] = [("sqlite (embedded)", {})]
    database = None
    if args.shared:
        from tests.services import REDIS_URL, create_postgres_database

        database = asyncio.run(create_postgres_database())
        backends.append(("postgresql + redis", {"DATABASE_URL": database.replace("+asyncpg", ""), "REDIS_URL": REDIS_URL}))
    try:
        for name, extra in backends:
            run(name, extra, args.users, args.messages, args.rate, args.port)
    finally:
        if database is not None:
            from tests.services import drop_postgres_database

            asyncio.run(drop_postgres_database(database))


def run(name: str, extra: dict[str, str], users: int, messages: int, rate: float, port: int | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp, WeChatAPIServer(APP_ID, SECRET) as api:
        workdir = Path(tmp)
        raw = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
        raw["wechat"] = {**raw.get("wechat", {}), "mode": "safe"}
        raw["redis"] = {"prefix": f"wzbench:{os.getpid()}:"}
        (workdir / "config.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WENZHEN_", "DATABASE_URL", "REDIS_URL"))}
        env.update(
            PYTHONPATH=str(ROOT),
            WENZHEN_CONFIG=str(workdir / "config.yml"),
            DATABASE_URL=f"sqlite:///{workdir}/bench.db",
            WENZHEN_DATA_DIR=str(workdir / "data"),
            WENZHEN_SECRET_KEY="bench-secret-key-" + "x" * 32,
            WENZHEN_WECHAT_TOKEN=TOKEN,
            WENZHEN_WECHAT_APPID=APP_ID,
            WENZHEN_WECHAT_SECRET=SECRET,
            WENZHEN_WECHAT_AES_KEY=AES_KEY,
            WENZHEN_WECHAT_API_BASE=api.base_url,
        )
        env.update(extra)
        proc, url = start(env, workdir, port)
        try:
            for how, elapsed, latencies, passive in measure(url, users, messages, rate):
                report(f"{name}, {how}", elapsed, latencies, passive)
        finally:
            proc.terminate()
            proc.wait(20)


if __name__ == "__main__":
    main()
