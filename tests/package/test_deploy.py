"""The deployment files describe a deployment that can work: every command they run is a real `wenzhen`
command, every service is health-checked, every volume is declared, the image is multi-stage and non-root.

No Docker engine is needed: the files are parsed and checked against the real CLI and app. Where a
Docker engine with compose exists, `docker compose config` validates compose.yaml as well.
"""
from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import click
import yaml

from bot.app import create_app
from bot.cli import main
from bot.config import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "compose.yaml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
SYSTEMD = PROJECT_ROOT / "deploy" / "systemd"


def assert_real_command(argv: list[str]) -> None:
    """`wenzhen …` parses: every subcommand exists and every option is one that command takes."""
    assert Path(argv[0]).name == "wenzhen", argv
    command: click.Command = main
    ctx = click.Context(main)
    args = argv[1:]
    while args and not args[0].startswith("-") and isinstance(command, click.Group):
        sub = command.get_command(ctx, args[0])
        assert sub is not None, f"no command {args[0]!r} in {argv}"
        command, args = sub, args[1:]
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    for arg in args:
        if arg.startswith("--"):
            assert arg.split("=", 1)[0] in options, f"{argv}: {command.name} takes no {arg}"


def routes() -> set[str]:
    return {getattr(r, "path", "") for r in create_app(runtime=_StubRuntime()).routes}


class _StubRuntime:
    """Only what create_app reads to list the core routes (health, readiness, metrics)."""

    started = False
    plugins: list[Any] = []


def health_path(test: list[str]) -> str:
    found = re.search(r"http://127\.0\.0\.1:\d+(/\w+)", " ".join(test))
    assert found, test
    return found.group(1)


def test_compose_runs_postgres_redis_two_servers_and_a_worker_all_health_checked() -> None:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    services = compose["services"]
    assert services["db"]["image"].startswith("postgres:") and services["redis"]["image"].startswith("redis:")
    servers = [name for name, s in services.items() if s.get("command", [None, None])[:2] == ["wenzhen", "serve"]]
    assert len(servers) == 2
    assert [name for name, s in services.items() if s.get("command") == ["wenzhen", "worker"]] == ["worker"]
    core_routes = routes()
    for name, service in services.items():
        if "command" in service and service["command"][0] == "wenzhen":
            assert_real_command(service["command"])
        if name == "migrate":  # a one-shot job: it completes instead of staying healthy
            assert service["command"] == ["wenzhen", "db", "upgrade"] and service["restart"] == "no"
            continue
        test = service["healthcheck"]["test"]
        if test[1] == "wenzhen":
            assert_real_command(test[1:])
        elif "python" in test:
            assert health_path(test) in core_routes, test
    for name in servers + ["worker"]:
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:") and "WENZHEN_SECRET_KEY" in env
    declared = set(compose["volumes"])
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source.startswith(".") or source in declared, volume
    assert {"pgdata", "redisdata", "wenzhen-data"} <= declared


def test_compose_config_is_valid_for_docker_where_an_engine_exists(tmp_path: Path) -> None:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    # Required secrets are spelled ${NAME:?message}: compose refuses to start without them.
    text = COMPOSE.read_text(encoding="utf-8")
    for secret in ("POSTGRES_PASSWORD", "WENZHEN_SECRET_KEY"):
        assert f"${{{secret}:?" in text
    assert compose["name"] == "wenzhen"
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "info"], capture_output=True).returncode == 0:
        env = {"POSTGRES_PASSWORD": "x", "WENZHEN_SECRET_KEY": "y", "PATH": "/usr/bin:/bin"}
        result = subprocess.run([docker, "compose", "-f", str(COMPOSE), "config", "-q"], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_the_image_is_multi_stage_non_root_with_the_model_trained_at_build() -> None:
    lines = [line.strip() for line in DOCKERFILE.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    stages = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    assert len(stages) == 2
    build, runtime = lines[stages[0]:stages[1]], lines[stages[1]:]
    assert "RUN /opt/wenzhen/bin/wenzhen nlu train" in build
    assert_real_command(["wenzhen", "nlu", "train"])
    for line in build:
        if line.startswith("COPY ") and "--from" not in line:
            for source in line.split()[1:-1]:
                assert (PROJECT_ROOT / source).exists(), line
    assert any(line.startswith("COPY --from=build /opt/wenzhen") for line in runtime)
    user = next(line.split()[1] for line in runtime if line.startswith("USER "))
    assert user not in ("root", "0")
    cmd = [line for line in runtime if line.startswith("CMD ")][-1]  # the last CMD (not the HEALTHCHECK's)
    argv = yaml.safe_load(cmd[4:])  # the JSON (exec) form
    assert_real_command(argv)
    assert f"EXPOSE {argv[argv.index('--port') + 1]}" in runtime
    healthcheck = next(line for line in runtime if line.startswith("HEALTHCHECK "))
    assert "/healthz" in " ".join(runtime[runtime.index(healthcheck):]) and "/healthz" in routes()


def test_systemd_units_run_real_commands_as_the_wenzhen_user() -> None:
    units = sorted(SYSTEMD.glob("*.service"))
    assert {u.name for u in units} >= {"wenzhen-serve@.service", "wenzhen-worker.service", "wenzhen-backup.service"}
    for unit in units:
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read(unit)
        service = parser["Service"]
        assert service["User"] != "root", unit.name
        argv = shlex.split(service["ExecStart"].replace("%i", "5005"))
        if unit.name.startswith(("wenzhen-serve", "wenzhen-worker")):
            assert service["EnvironmentFile"] == "/etc/wenzhen/wenzhen.env"
            assert service["RestartPreventExitStatus"] == "2"  # a one-line start-up failure is not retried
            assert_real_command(argv)
        else:
            assert "pg_dump --format=custom" in service["ExecStart"]
    timer = configparser.ConfigParser(interpolation=None)
    timer.read(SYSTEMD / "wenzhen-backup.timer")
    assert timer["Timer"]["OnCalendar"] and timer["Timer"]["Persistent"] == "true"


def test_the_command_checker_can_fail() -> None:
    for wrong in (["wenzhen", "serve", "--hots", "x"], ["wenzhen", "sevre"], ["wenzhen", "db", "downgrade"]):
        try:
            assert_real_command(wrong)
        except AssertionError:
            continue
        raise AssertionError(f"{wrong} was taken for a real command")
