"""The WeCom simulator is a world of its own. The product (everything in scrm/ but the
simulator and the demo) neither imports nor names it, and a product process never loads it;
the simulator imports nothing of the product; the demo and the tests plug it in through the
settings a bank uses for its real adapters. (tests/test_layering.py holds the other rules.)"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scrm import create_app
from scrm.archive.ingest.source import ArchiveSourceError, archive_source

ROOT = Path(__file__).resolve().parents[1]
SCRM = ROOT / "scrm"
SIMULATOR = SCRM / "wecom" / "simulator"
DEMO = SCRM / "demo"
#: What the product ships as source: Python, page templates, scripts and styles.
SOURCE_SUFFIXES = {".py", ".html", ".js", ".css"}
NAMES_THE_SIMULATOR = re.compile(r"simulat|__sim__|sim_source", re.IGNORECASE)


def _product_files() -> Iterator[Path]:
    for path in sorted(SCRM.rglob("*")):
        if path.suffix not in SOURCE_SUFFIXES or "node_modules" in path.parts:
            continue
        if path.is_relative_to(SIMULATOR) or path.is_relative_to(DEMO):
            continue
        yield path


def _imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every absolute import in ``path``, ``from a import b`` as ``a.b``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_product_code_never_names_the_simulator():
    named = [
        f"{_where(path, number)}: {line.strip()}"
        for path in _product_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if NAMES_THE_SIMULATOR.search(line)
    ]
    assert not named, "product code names the simulator; move that into scrm/demo:\n" + "\n".join(
        named
    )


def test_product_code_never_imports_the_simulator():
    imports = [
        f"{_where(path, line)}: {module}"
        for path in _product_files()
        if path.suffix == ".py"
        for line, module in _imported_modules(path)
        if module == "scrm.wecom.simulator" or module.startswith("scrm.wecom.simulator.")
    ]
    assert not imports, "\n".join(imports)


def test_the_simulator_imports_nothing_of_the_product():
    imports = [
        f"{_where(path, line)}: {module}"
        for path in sorted(SIMULATOR.rglob("*.py"))
        for line, module in _imported_modules(path)
        if module.split(".")[0] == "scrm" and not module.startswith("scrm.wecom.simulator")
    ]
    assert not imports, "\n".join(imports)


def test_a_product_process_never_loads_the_simulator():
    # The app, its CLI (which lists the demo command) and every product module, in a fresh
    # interpreter: the simulator's modules must not be among those loaded.
    script = """
import importlib, pkgutil, sys
import scrm
from scrm import create_app
create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
skip = {"scrm.demo", "scrm.wecom.simulator", "scrm.migrations"}
def load(package):
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if info.name not in skip:
            module = importlib.import_module(info.name)
            if info.ispkg:
                load(module)
load(scrm)
print("\\n".join(sorted(m for m in sys.modules if m.startswith("scrm.wecom.simulator"))))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", "loaded by product code:\n" + done.stdout


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("", None),
        ("scrm.demo.archive_source:archive_source", "SimulatorArchiveSource"),
        ("simulator", ArchiveSourceError),  # no built-in fallback: only an import string
    ],
)
def test_the_archive_source_is_only_what_the_setting_names(setting, expected):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "ARCHIVE_SOURCE": setting}
    )
    with app.app_context():
        if expected is ArchiveSourceError:
            with pytest.raises(ArchiveSourceError, match="cannot be imported"):
                archive_source(app)
        elif expected is None:
            assert archive_source(app) is None
        else:
            assert type(archive_source(app)).__name__ == expected
