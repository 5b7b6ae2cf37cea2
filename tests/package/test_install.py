"""An installed wenzhen runs anywhere: build the wheel, install it into a fresh venv, `wenzhen serve` from elsewhere.

The fresh venv gets the wheel with `--no-deps`; its dependencies come from the test's own
environment through a `.pth` line (nothing is downloaded). The checkout is never on its path:
what runs is only what the wheel carries.
"""
from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import time
import venv
from pathlib import Path

import httpx
import pytest

from bot.config import PROJECT_ROOT
from tests.conftest import free_port

# What a wheel is built from; everything else of the checkout (tests, .git, a local model) stays out.
SOURCES = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE", "config.yml",
           "bot", "nlu", "flows", "actions", "integrations", "content"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the built wheel installed: returns its `wenzhen` command."""
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.model", "*.egg-info", "build")
    for name in SOURCES:
        origin = PROJECT_ROOT / name
        (shutil.copytree(origin, source / name, ignore=ignore) if origin.is_dir() else shutil.copy2(origin, source / name))
    wheels = root / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(wheels), str(source)],
        capture_output=True, text=True, timeout=120,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("wenzhen-*.whl")
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        capture_output=True, text=True, timeout=120, env=clean_env(root),  # PYTHONPATH would show pip a checkout
    )
    assert install.returncode == 0, install.stderr
    # The dependencies: this environment's site-packages, after the venv's own (so the wheel wins).
    # Written only after the install, so pip never sees (or touches) this environment's own wenzhen.
    (purelib,) = env_dir.glob("lib/python*/site-packages")
    (purelib / "wenzhen-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    return env_dir / "bin" / "wenzhen"


def clean_env(home: Path) -> dict[str, str]:
    """No checkout on the path, no wenzhen settings: only a home folder of its own."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WENZHEN_", "DATABASE_URL", "REDIS_URL", "PYTHON", "XDG_"))}
    env["HOME"] = str(home)
    return env


def test_the_wheel_carries_the_content_and_the_default_configuration(installed: Path) -> None:
    (purelib,) = installed.parent.parent.glob("lib/python*/site-packages")
    for shipped in ("bot/default_config.yml", "flows/slots.yml", "flows/responses/zh", "content/kb",
                    "actions/triage/rules.yml", "actions/guidance/content/home_care.yml",
                    "nlu/lexicon", "nlu/data/health.yml", "bot/migrations/versions"):
        assert (purelib / shipped).exists(), shipped
    assert any((purelib / "content" / "kb").glob("*.md"))


def test_serve_from_another_folder_keeps_its_data_in_the_user_folder_and_answers(installed: Path, tmp_path: Path) -> None:
    elsewhere, home = tmp_path / "elsewhere", tmp_path / "home"
    elsewhere.mkdir()
    home.mkdir()
    port = free_port()
    log = tmp_path / "serve.log"
    proc = subprocess.Popen([str(installed), "serve", "--port", str(port)], cwd=elsewhere, env=clean_env(home),
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while "wenzhen serving on" not in log.read_text(errors="replace"):
            assert proc.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "no start line within 120 s"
            time.sleep(0.2)
        # The shipped REST channel wants a token: the deployment's, as the README shows (`wenzhen rest token`).
        token = subprocess.run([str(installed), "rest", "token"], cwd=elsewhere, env=clean_env(home),
                               capture_output=True, text=True, timeout=120, check=True).stdout.strip()
        auth = {"Authorization": f"Bearer {token}"}
        refused = httpx.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook", json={"sender": "p1", "message": "你好"}, timeout=30)
        assert refused.status_code == 401
        reply = httpx.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook", json={"sender": "p1", "message": "你好"},
                           headers=auth, timeout=30)
        assert reply.status_code == 200
        assert any("问诊" in (m.get("text") or "") for m in reply.json()), reply.text
        helped = httpx.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook", json={"sender": "p1", "message": "我发烧39度"},
                            headers=auth, timeout=30)
        assert helped.status_code == 200 and helped.json()
    finally:
        proc.terminate()
        proc.wait(30)
    data = home / ".local" / "share" / "wenzhen"
    line = next(x for x in log.read_text().splitlines() if x.startswith("wenzhen serving on"))
    assert f"http://127.0.0.1:{port}" in line
    assert f"database sqlite:///{data / 'wenzhen.db'}" in line and f"data {data}" in line
    assert "default_config.yml" in line and "channels console, rest" in line
    assert (data / "wenzhen.db").is_file() and (data / "secret_key").is_file()
    assert list(elsewhere.iterdir()) == [], "nothing may be written to the folder serve was started from"


def test_start_up_failures_are_one_line_and_exit_2(installed: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = clean_env(home)
    (tmp_path / "bad.yml").write_text("plugins: [unclosed\n", encoding="utf-8")
    failures = {
        "bad config": ([str(installed), "serve", "--config", str(tmp_path / "bad.yml")], {}),
        "database": ([str(installed), "serve", "--port", str(free_port())],
                     {"DATABASE_URL": "postgresql://wenzhen@127.0.0.1:1/wenzhen", "WENZHEN_SECRET_KEY": "k" * 40}),
        "redis": ([str(installed), "serve", "--port", str(free_port())],
                  {"REDIS_URL": "redis://127.0.0.1:1/0", "WENZHEN_SECRET_KEY": "k" * 40}),
    }
    expected = {"bad config": "not valid YAML", "database": "cannot reach the database at postgresql://wenzhen@127.0.0.1:1/wenzhen",
                "redis": "cannot reach Redis at redis://127.0.0.1:1/0"}
    for name, (args, extra) in failures.items():
        result = subprocess.run(args, cwd=tmp_path, env={**env, **extra}, capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, (name, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and expected[name] in result.stderr, (name, result.stderr)
    with __import__("socket").socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([str(installed), "serve", "--port", str(port)], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.strip() == f"wenzhen: cannot listen on 127.0.0.1:{port}: Address already in use"
