"""Benchmark: ordinary REST turns against one `wenzhen serve` worker, load from `wrk` (a separate C process).

For each source tree given (this checkout by default; `--source old=/tmp/wenzhen-d9407ee` adds
another, e.g. the previous release, measured in the same run) and each backend (embedded SQLite;
PostgreSQL + Redis on a fresh database and key prefix) it starts a server, warms it up, then runs
`wrk -t N -c N` with `bench/wrk/conversations.lua`: N patients each holding five-message
conversations (你好, 怎么用, 谢谢, 再见, 你好) back to back, closed loop. It prints messages per
second, wrk's latency percentiles, non-200 answers and the worker's RSS once it answers /healthz and
after the run. The database is migrated (`wenzhen db upgrade`) before `serve`, as a deployment does.
Needs Debian's `wrk`.

    .venv/bin/python bench/throughput.py --duration 15 --source old=/tmp/wenzhen-d9407ee
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.services import REDIS_URL, create_postgres_database, drop_postgres_database  # noqa: E402

SCRIPT = ROOT / "bench" / "wrk" / "conversations.lua"


@dataclass
class Result:
    label: str
    backend: str
    rate: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int
    rss_mb: float
    start_rss_mb: float = 0.0
    cpu_ms: float = 0.0  # the worker's CPU time (all its threads) per answered request during the run


def start_server(source: Path, env: dict[str, str], workdir: Path, port: int) -> subprocess.Popen[bytes]:
    log = (workdir / f"server-{port}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--log-level", "ERROR", "serve", "--port", str(port), "--workers", "1"],
        env={**env, "PYTHONPATH": str(source)}, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
    )
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {(workdir / f'server-{port}.log').read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def rest_token(source: Path, env: dict[str, str], workdir: Path) -> str:
    """The deployment's REST token (`wenzhen rest token`); "" for a tree whose REST channel has none."""
    done = subprocess.run([sys.executable, "-m", "bot.cli", "rest", "token"], env={**env, "PYTHONPATH": str(source)},
                          cwd=workdir, capture_output=True, text=True, check=False, timeout=120)
    return done.stdout.strip().splitlines()[-1] if done.returncode == 0 and done.stdout.strip() else ""


def wrk(port: int, connections: int, seconds: float, run: str, token: str = "") -> str:
    out = subprocess.run(
        ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{seconds:.0f}s", "--latency", "--timeout", "10s",
         "-s", str(SCRIPT), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, env={**os.environ, "WENZHEN_BENCH_RUN": run, "WENZHEN_BENCH_TOKEN": token},
        check=True,
    )
    return out.stdout


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse(label: str, backend: str, output: str, rss_mb: float, start_rss_mb: float = 0.0) -> Result:
    pct = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", output, re.M))
    if len(pct) < 3:
        raise SystemExit(f"{label} {backend}: unexpected wrk output:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(n) for n in re.findall(r"Socket errors: .*?timeout (\d+)", output))
    return Result(label, backend, rate, _ms(pct["50"]), _ms(pct["90"]), _ms(pct["99"]), errors, rss_mb, start_rss_mb)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(label: str, source: Path, backend: str, args: argparse.Namespace, port: int) -> Result:
    workdir = Path(tempfile.mkdtemp(prefix=f"wenzhen-bench-{label}-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WENZHEN_", "DATABASE_URL", "REDIS_URL", "PYTHONPATH"))}
    env.update(WENZHEN_DATA_DIR=str(workdir / "data"), WENZHEN_SECRET_KEY="bench-" + "k" * 40,
               WENZHEN_CONFIG=str(source / "config.yml"))
    database = None
    if backend == "embedded":
        env["DATABASE_URL"] = f"sqlite:///{workdir}/bench.db"
    else:
        database = asyncio.run(create_postgres_database())
        env.update(DATABASE_URL=database.replace("+asyncpg", ""), REDIS_URL=REDIS_URL,
                   WENZHEN_REDIS_PREFIX=f"bench-{uuid.uuid4().hex[:8]}:")
    # Migrated first, as a deployment does (`wenzhen db upgrade`, then `serve`): the worker finds its schema at head.
    subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env={**env, "PYTHONPATH": str(source)},
                   cwd=workdir, capture_output=True, check=True, timeout=300)
    proc = start_server(source, env, workdir, port)
    start_rss = rss_mb(proc.pid)
    try:
        # The shipped REST channel wants the deployment's token (a tree from before it has none).
        token = rest_token(source, env, workdir)
        wrk(port, args.connections, args.warmup, f"warm{uuid.uuid4().hex[:6]}", token)
        cpu = cpu_seconds(proc.pid)
        output = wrk(port, args.connections, args.duration, f"run{uuid.uuid4().hex[:6]}", token)
        cpu = cpu_seconds(proc.pid) - cpu
        result = parse(label, backend, output, rss_mb(proc.pid), start_rss)
        requests = re.search(r"(\d+) requests in", output)
        result.cpu_ms = 1e3 * cpu / int(requests.group(1)) if requests and int(requests.group(1)) else 0.0
        return result
    finally:
        proc.terminate()
        proc.wait(30)
        if database:
            asyncio.run(drop_postgres_database(database))
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", action="append", default=[], metavar="LABEL=DIR",
                        help="another source tree to measure in the same run (its nlu model trained)")
    parser.add_argument("--backend", choices=["embedded", "shared", "both"], default="both")
    parser.add_argument("--connections", type=int, default=40, help="concurrent conversations (wrk threads)")
    parser.add_argument("--duration", type=float, default=15, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before measuring")
    parser.add_argument("--port", type=int, default=18410)
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per source and backend, in alternating order (ABBA); the summary takes medians")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    sources = [("this", ROOT)] + [(s.split("=", 1)[0], Path(s.split("=", 1)[1]).resolve()) for s in args.source]
    backends = ["embedded", "shared"] if args.backend == "both" else [args.backend]
    print(f"{args.connections} conversations, closed loop, {args.duration:.0f} s each, wrk -t{args.connections} "
          f"-c{args.connections}; one worker; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(f"{'source':<8} {'backend':<9} {'msg/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'errors':>7} {'RSS MB start':>12} {'after':>6} {'CPU ms/msg':>10}")
    results: list[Result] = []
    for backend in backends:
        for repeat in range(args.repeat):
            # Alternate the order, so a machine whose load drifts favours neither tree.
            for i, (label, source) in (list(enumerate(sources)) if repeat % 2 == 0 else list(enumerate(sources))[::-1]):
                r = measure(label, source, backend, args, args.port + i)
                results.append(r)
                print(f"{r.label:<8} {r.backend:<9} {r.rate:>8.0f} {r.p50_ms:>8.1f} {r.p90_ms:>8.1f} {r.p99_ms:>8.1f} "
                      f"{r.errors:>7} {r.start_rss_mb:>12.0f} {r.rss_mb:>6.0f} {r.cpu_ms:>10.2f}", flush=True)
    if any(r.errors for r in results):
        print("WARNING: some runs had non-200 answers or timeouts; their msg/s counts failures too")
    for backend in backends:
        this = [r for r in results if r.label == "this" and r.backend == backend]
        for label, _ in sources[1:]:
            other = [r for r in results if r.label == label and r.backend == backend]
            rate, other_rate = statistics.median(r.rate for r in this), statistics.median(r.rate for r in other)
            print(f"{backend}: median of {len(this)}: this {rate:.0f} msg/s, {label} {other_rate:.0f} msg/s = "
                  f"{rate / other_rate:.2f}x; p99 {statistics.median(r.p99_ms for r in this):.0f} vs "
                  f"{statistics.median(r.p99_ms for r in other):.0f} ms; CPU "
                  f"{statistics.median(r.cpu_ms for r in this):.2f} vs {statistics.median(r.cpu_ms for r in other):.2f} ms/msg")


if __name__ == "__main__":
    main()
