"""Triage driven in words: any vignette file through the REST channel of a real runtime (issue 10).

Run:  .venv/bin/python bench/triage_words.py tests/triage/blind/triage_blind_v1.yml
      WENZHEN_REST_TOKEN=… .venv/bin/python bench/triage_words.py FILE --url http://127.0.0.1:18200   # a running server
Options: --concurrency N (default 4), --quiet (no per-case misses), --transcripts (every talk).

Prints 4-level accuracy, emergency recall, under-triage, self-care accuracy, conversations with
no decision, median and maximum questions before the decision, and the confusion matrix. The
simulated patient and the scoring are tests/triage/words.py.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.config import PROJECT_ROOT, load_config  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from integrations.web.rest_auth import RestAuth  # noqa: E402
from tests.triage.words import WordsScore, load_word_vignettes, run_set  # noqa: E402


async def drive(path: Path, concurrency: int, url: str | None) -> WordsScore:
    vignettes = load_word_vignettes(path)
    prefix = f"words-{uuid.uuid4().hex[:8]}"
    if url:
        token = os.environ.get("WENZHEN_REST_TOKEN")  # `wenzhen rest token` of that server's deployment
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(base_url=url, timeout=60, headers=headers) as http:
            return await run_set(http, vignettes, concurrency, prefix)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/wenzhen.db", "WENZHEN_DATA_DIR": f"{tmp}/data",
               "WENZHEN_SECRET_KEY": os.environ.get("WENZHEN_SECRET_KEY", "bench-secret-key-" + "x" * 32),
               "WENZHEN_REDIS_PREFIX": prefix}
        env.pop("REDIS_URL", None)  # embedded: in-process cache, locks and pub-sub
        runtime = Runtime(load_config(PROJECT_ROOT / "config.yml", env=env))
        await runtime.start(upgrade=True)
        try:
            transport = httpx.ASGITransport(app=create_app(runtime=runtime))
            # The deployment's own token: the shipped REST channel wants one (docs/supervision.md).
            headers = {"Authorization": f"Bearer {RestAuth(runtime.config).deployment_token}"}
            async with httpx.AsyncClient(transport=transport, base_url="http://wenzhen.bench", timeout=60,
                                         headers=headers) as http:
                return await run_set(http, vignettes, concurrency, prefix)
        finally:
            await runtime.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--url", default=None)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--transcripts", action="store_true")
    args = parser.parse_args()
    score = asyncio.run(drive(args.file, args.concurrency, args.url))
    print(score.report(f"Words driver over {args.file}:", details=not args.quiet))
    if args.transcripts:
        for talk in score.talks:
            print(f"\n{talk.vignette.id} ({talk.vignette.expected} → {talk.decided})")
            for asked, said in zip(["(opening)", *talk.asked], talk.said):
                print(f"  {asked:>32}: {said}")


if __name__ == "__main__":
    main()
