"""Rules that keep the code whole, checked on the source tree."""

import ast
from pathlib import Path

SCRM = Path(__file__).resolve().parents[1] / "scrm"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_wecom_gateway_imports_wechatpy():
    offenders = [
        str(path.relative_to(SCRM.parent))
        for path in SCRM.rglob("*.py")
        if "wecom" not in path.relative_to(SCRM).parts[:1]
        and any(name.split(".")[0] == "wechatpy" for name in _imports(path))
    ]
    assert offenders == [], f"wechatpy imported outside scrm/wecom/: {offenders}"


def test_production_code_never_imports_the_simulator():
    allowed = {"wecom", "demo"}
    offenders = [
        str(path.relative_to(SCRM.parent))
        for path in SCRM.rglob("*.py")
        if path.relative_to(SCRM).parts[0] not in allowed
        and any(name.startswith("scrm.wecom.simulator") for name in _imports(path))
    ]
    assert offenders == [], f"the simulator is for the demo and tests only: {offenders}"


def test_there_is_no_utils_grab_bag():
    assert not list(SCRM.rglob("utils.py")) and not list(SCRM.rglob("utils/"))
