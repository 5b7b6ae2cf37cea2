"""What a serving process keeps in memory (docs/performance.md, "Memory"): no spaCy, one jieba dictionary,
pypinyin's reading table without its phrase tables — and the same segmentation as before each saving.
These check what is loaded and what it answers; no test here measures or times anything."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jieba

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import asyncio, json, sys, tempfile
from bot.config import load_config
from bot.runtime import Runtime
from actions.knowledge import terms

tmp = tempfile.mkdtemp()
env = {"WENZHEN_DATA_DIR": tmp, "WENZHEN_SECRET_KEY": "m" * 48, "DATABASE_URL": f"sqlite:///{tmp}/m.db"}
runtime = Runtime(load_config(sys.argv[1], env=env))
asyncio.run(runtime.start(run_jobs=False, upgrade=True))
replies = asyncio.run(runtime.engine.handle(__import__("bot.messages").messages.UserMessage(
    channel="rest", sender="mem", text="发烧三天了，头疼")))
import jieba, gc
overlays = [o for o in gc.get_objects() if isinstance(o, terms._OverlayTokenizer)]
print(json.dumps({
    "spacy": any(m == "spacy" or m.startswith("spacy.") for m in sys.modules),
    "pypinyin_core": "pypinyin.core" in sys.modules,
    "tokenizers": sum(1 for o in gc.get_objects() if isinstance(o, jieba.Tokenizer)),
    "overlays_share": bool(overlays) and all(o.FREQ.base is jieba.dt.FREQ for o in overlays),
    "answered": bool(replies),
}))
"""


def test_a_serving_runtime_loads_neither_spacy_nor_a_second_jieba_dictionary(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE, str(ROOT / "config.yml")], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["answered"]
    assert not found["spacy"], "spaCy is imported in a serving process (about 65 MB): only training or Pipeline.nlp needs it"
    assert not found["pypinyin_core"], "pypinyin's phrase tables are loaded (about 50 MB): nlu/typos.py needs its reading table only"
    # jieba.dt and the knowledge base's overlay on it: the dictionary itself is loaded once.
    assert found["overlays_share"]


def _texts() -> list[str]:
    texts: set[str] = set()
    for path in sorted((ROOT / "nlu" / "data").rglob("*.yml")):
        if "blind" in path.parts:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip().lstrip("- ").strip()
            if line:
                texts.add(line)
    for path in sorted((ROOT / "content" / "kb").glob("*.md")):
        texts.update(p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip())
    texts.update({"  你好  吗 ", "发烧\u3000三天", "a b  c\t头疼\n", "", " ", "我 头疼,  发烧38.5度"})
    return sorted(texts)


def test_the_nlu_segments_as_spacys_chinese_tokenizer_did() -> None:
    from nlu.interpreter import shared_pipeline
    from nlu.pipeline import words

    pipeline = shared_pipeline()
    texts = _texts()
    assert len(texts) > 2000
    different = [t for t in texts if words(t) != [tok.text for tok in pipeline.nlp(t) if not tok.is_space]]
    assert different == []


def test_the_knowledge_base_segments_as_with_a_private_dictionary() -> None:
    from actions.knowledge import terms as terms_module
    from nlu.interpreter import shared_pipeline

    shared_pipeline()  # the NLU has taught jieba.dt its words, as in a serving process
    kb = ROOT / "content" / "kb"
    stopwords = Path(terms_module.__file__).with_name("stopwords.txt")
    shared = terms_module.Terms.load(kb / "synonyms.yml", ROOT / "nlu" / "lexicon", stopwords)
    assert shared._tokenizer.FREQ.base is jieba.dt.FREQ

    class Private(terms_module.Terms):  # the tokenizer as before: a dictionary of its own
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            original = terms_module._OverlayTokenizer
            terms_module._OverlayTokenizer = lambda base: jieba.Tokenizer()  # type: ignore[assignment,misc]
            try:
                super().__init__(*args, **kwargs)
            finally:
                terms_module._OverlayTokenizer = original  # type: ignore[misc]

    private = Private.load(kb / "synonyms.yml", ROOT / "nlu" / "lexicon", stopwords)
    assert not isinstance(private._tokenizer, terms_module._OverlayTokenizer)
    texts = _texts()
    different = [t for t in texts if shared.of(t) != private.of(t)]
    assert different == [], different[:5]


_SERVE_PROBE = """
import json, sys
from fastapi.testclient import TestClient
from bot.app import create_app
from bot.config import load_config

env = {"WENZHEN_DATA_DIR": sys.argv[2], "WENZHEN_SECRET_KEY": "m" * 48,
       "DATABASE_URL": f"sqlite:///{sys.argv[2]}/serve.db"}
with TestClient(create_app(load_config(sys.argv[1], env=env))) as client:
    ready = client.get("/readyz").status_code
    reply = client.post("/webhooks/rest/webhook", json={"sender": "lazy", "message": "你好"}).status_code
print(json.dumps({"ready": ready, "webhook": reply,
                  "loaded": sorted({m.split(".")[0] for m in sys.modules} & {"telegram", "wechatpy", "taskiq", "alembic"})}))
"""


def _serve_probe(tmp_path: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", _SERVE_PROBE, str(ROOT / "config.yml"), str(tmp_path)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    found: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_a_serving_app_without_telegram_or_wechat_imports_neither_nor_taskiq_nor_alembic_at_head(tmp_path: Path) -> None:
    """Embedded defaults, no WENZHEN_TELEGRAM_* / WENZHEN_WECHAT_*: python-telegram-bot (~21 MB), wechatpy (~8 MB)
    and taskiq (~11 MB) stay out of the process; alembic (~11 MB) is imported to create the schema on the first
    start and not on the next, when the database is already at every head."""
    first = _serve_probe(tmp_path)
    assert first["ready"] == 200 and first["webhook"] in (200, 401), first
    assert first["loaded"] == ["alembic"], first
    second = _serve_probe(tmp_path)
    assert second["ready"] == 200, second
    assert second["loaded"] == [], second


def test_the_heads_read_without_alembic_are_what_alembic_stores_after_upgrading(tmp_path: Path) -> None:
    """`Database.upgrade` skips alembic only when `alembic_version` equals `script_heads()`; if the two ever
    disagreed for a database at head, alembic would just run again, but if `script_heads()` missed a new
    migration, it would not be applied — so it must be exactly what alembic itself writes."""
    import asyncio

    from sqlalchemy import text

    from bot.db import Database, _run_alembic_upgrade, script_heads

    async def stored_after_alembic() -> set[str]:
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/heads.db")
        try:
            async with db.engine.begin() as conn:
                await conn.run_sync(_run_alembic_upgrade)  # alembic itself, not the shortcut
                rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
                return {row[0] for row in rows}
        finally:
            await db.close()

    heads = script_heads()
    assert heads is not None
    assert asyncio.run(stored_after_alembic()) == set(heads)
