"""Rules that keep the code whole, checked on the source tree."""

import ast
import functools
from pathlib import Path

SCRM = Path(__file__).resolve().parents[1] / "scrm"


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(path: Path) -> set[str]:
    tree = _tree(path)
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


# ---- directions: faces → services → models → db -------------------------------------------
#
# A face is where a request or a command comes in: a JSON API (``api.py``), HTML pages
# (``pages.py``), a command line (``cli.py``, ``*_cli.py``) and the console. Nothing calls
# into a face; only the app's wiring imports one to register it.

#: Modules that wire every face into the app.
APP_WIRING = {"scrm", "scrm.cli"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SCRM.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {
    _module_name(path): path for path in SCRM.rglob("*.py") if "migrations" not in path.parts
}


@functools.cache
def _import_edges(path: Path) -> list[tuple[int, str, str]]:
    """``(line, module, name)`` for every name imported by ``path``, lazy imports included;
    ``module`` is the module the name comes from, or the module imported itself (name "")."""
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    edges = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            edges += [(node.lineno, alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                if submodule in MODULES:  # `from package import module`
                    edges.append((node.lineno, submodule, ""))
                else:
                    edges.append((node.lineno, module, alias.name))
    return edges


def _is_face(module: str) -> bool:
    if module in APP_WIRING:  # scrm.cli builds the `scrm` group every package adds to
        return False
    last = module.rpartition(".")[2]
    return (
        last in ("api", "pages", "cli")
        or last.endswith("_cli")
        or module == "scrm.console"
        or module.startswith("scrm.console.")
    )


def _domain(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def _may_import_face(importer: str, face: str) -> bool:
    if importer in APP_WIRING:
        return True
    # A package's init_app registers its own domain's faces; a command group gathers its own
    # domain's sub-commands.
    wiring = MODULES[importer].name == "__init__.py" or importer.endswith("cli")
    return wiring and _domain(importer) == _domain(face)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_module_imports_a_private_name_of_another():
    rule = "a _name is private to its module; make it public (e.g. in a services.py) instead"
    offenders = []
    for module, path in sorted(MODULES.items()):
        imported = set()  # names bound to scrm modules and objects, to catch `name._private`
        for line, source, name in _import_edges(path):
            if not source.startswith("scrm"):
                continue
            imported.add((name or source).rpartition(".")[2])
            if _private(name) or any(_private(part) for part in source.split(".")):
                offenders.append(f"{module}:{line} imports {source} {name}".rstrip())
        for node in ast.walk(_tree(path)):
            if (
                isinstance(node, ast.Attribute)
                and _private(node.attr)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported
            ):
                offenders.append(f"{module}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert offenders == [], f"{rule}: {offenders}"


def test_nothing_imports_a_face():
    rule = (
        "nothing imports a face (api, pages, cli, console): only scrm/__init__.py, "
        "scrm/cli.py, and a package's __init__ or CLI for its own domain's faces wire them"
    )
    offenders = [
        f"{module}:{line} imports {source}"
        for module, path in sorted(MODULES.items())
        for line, source, _ in _import_edges(path)
        if source in MODULES
        and source != module
        and _is_face(source)
        and not _may_import_face(module, source)
    ]
    assert offenders == [], f"{rule}: {offenders}"


def test_models_import_only_models_and_the_database():
    rule = "models import only other models, scrm.db and scrm.errors; services and faces use them"
    allowed = {"scrm.db", "scrm.errors"}
    offenders = [
        f"{module}:{line} imports {source}"
        for module, path in sorted(MODULES.items())
        if module.rpartition(".")[2] == "models"
        for line, source, _ in _import_edges(path)
        if source.startswith("scrm")
        and source not in allowed
        and source.rpartition(".")[2] != "models"
    ]
    assert offenders == [], f"{rule}: {offenders}"


def test_the_database_layer_imports_only_the_model_registry():
    # scrm.db imports scrm.models in init_app, so that every table is on the metadata.
    offenders = [
        f"scrm.db:{line} imports {source}"
        for line, source, _ in _import_edges(MODULES["scrm.db"])
        if source.startswith("scrm") and source != "scrm.models"
    ]
    assert offenders == [], f"scrm.db is the bottom layer, above it only models: {offenders}"


def test_auth_depends_on_no_domain():
    # Core: who is signed in and the permission table. Domains ask auth, never the reverse;
    # which groups or customers a role sees is decided in groups/access.py and
    # customers/access.py.
    allowed = {"scrm.db", "scrm.errors", "scrm.directory.models"}
    offenders = [
        f"scrm.auth:{line} imports {source}"
        for line, source, _ in _import_edges(MODULES["scrm.auth"])
        if source.startswith("scrm") and source not in allowed
    ]
    assert offenders == [], f"scrm.auth is core and imports no domain: {offenders}"


def test_the_simulator_imports_only_itself():
    rule = "the WeCom simulator stands alone: it imports no scrm module outside itself"
    offenders = [
        f"{module}:{line} imports {source}"
        for module, path in sorted(MODULES.items())
        if module.startswith("scrm.wecom.simulator")
        for line, source, _ in _import_edges(path)
        if source.startswith("scrm") and not source.startswith("scrm.wecom.simulator")
    ]
    assert offenders == [], f"{rule}: {offenders}"
