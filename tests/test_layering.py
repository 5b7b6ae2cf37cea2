"""Every module respects the layering `integrations → actions → bot → nlu`: arrows point inward only.

Imports are read with `ast` from the source (every import: at the top, inside functions, and the
type-only ones under TYPE_CHECKING, which are dependencies all the same).
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("nlu", "bot", "actions", "integrations")  # inner to outer
RANK = {name: rank for rank, name in enumerate(LAYERS)}


def imported_modules(source: str) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in a module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


def violations(root: Path) -> list[str]:
    """Each import of a module from an outer layer (or a relative import, which hides its layer)."""
    wrong = []
    for layer in LAYERS:
        for path in sorted((root / layer).rglob("*.py")):
            where = path.relative_to(root)
            for line, module in imported_modules(path.read_text(encoding="utf-8")):
                target = module.split(".")[0]
                if module.startswith("."):
                    wrong.append(f"{where}:{line}: relative import {module!r}")
                elif target in RANK and RANK[target] > RANK[layer]:
                    wrong.append(f"{where}:{line}: {layer} must not import {module} (an outer layer)")
    return wrong


def test_every_module_imports_only_its_own_layer_or_inner_ones() -> None:
    assert violations(ROOT) == []


def test_the_check_reads_the_real_code() -> None:
    # The engine's runtime imports the NLU (inward): the reader must see that, or it proves nothing.
    modules = [m for _, m in imported_modules((ROOT / "bot" / "runtime.py").read_text(encoding="utf-8"))]
    assert "nlu" in modules and "bot.engine" in modules
    assert sum(1 for layer in LAYERS for _ in (ROOT / layer).rglob("*.py")) > 100


def test_an_outward_import_is_caught(tmp_path: Path) -> None:
    for layer in LAYERS:
        (tmp_path / layer).mkdir()
    (tmp_path / "bot" / "engine.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from integrations.telegram import channel\n")
    (tmp_path / "nlu" / "text.py").write_text("def f():\n    import bot.config\n")
    (tmp_path / "actions" / "triage.py").write_text("from bot import engine\nfrom nlu import text\n")
    assert violations(tmp_path) == [
        "nlu/text.py:2: nlu must not import bot.config (an outer layer)",
        "bot/engine.py:3: bot must not import integrations.telegram (an outer layer)",
    ]
