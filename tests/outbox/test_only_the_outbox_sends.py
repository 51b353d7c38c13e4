"""No code reaches WeCom's send endpoints except the outbox's delivery module."""

from __future__ import annotations

import ast
from pathlib import Path

from scrm.wecom.endpoints.send import SEND_PATHS

SCRM = Path(__file__).resolve().parents[2] / "scrm"
SEND_FUNCTIONS = {"add_msg_template", "send_welcome_msg", "add_moment_task", "send_app_message"}
ALLOWED = {"outbox/delivery.py", "wecom/endpoints/send.py"}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _sends(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings and any(p in node.value for p in SEND_PATHS):
                found.append(f"line {node.lineno}: path {node.value!r}")
        elif isinstance(node, ast.Attribute) and node.attr in SEND_FUNCTIONS:
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "scrm.wecom.endpoints.send":
            names = {alias.name for alias in node.names} & SEND_FUNCTIONS
            found.extend(f"line {node.lineno}: imports {name}" for name in sorted(names))
    return found


def test_only_the_delivery_module_calls_wecom_send_endpoints():
    offenders = {}
    for path in SCRM.rglob("*.py"):
        relative = path.relative_to(SCRM).as_posix()
        if relative in ALLOWED or relative.startswith("wecom/simulator/"):
            continue  # the simulator is the fake WeCom that answers these paths
        found = _sends(path)
        if found:
            offenders[relative] = found
    assert offenders == {}, f"send WeCom messages through the gate and the outbox: {offenders}"


def test_the_check_sees_the_delivery_module_send():
    assert any(".add_msg_template" in hit for hit in _sends(SCRM / "outbox" / "delivery.py"))
