"""Importing the script library from YAML (``scrm sidebar import-scripts FILE``).

The file has up to three lists: ``branches`` (网点地址 for {网点地址}: ``department`` name or
``department_id``, ``address``), ``materials`` (key, kind, category, title, content) and
``scripts`` (key, category, title, body, product_name, material, order). Rows are matched by
key (branches by department): new keys are added, known ones changed; nothing absent from the
file is removed (retire a script with ``active: false``). All or nothing: one bad row and no
row is written, and the error names the row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from scrm.db import db, utcnow
from scrm.directory.models import Department
from scrm.errors import ScrmError
from scrm.sidebar.models import BranchAddress, SidebarScript
from scrm.sidebar.scripts import find_material, save_material, save_script

SEED_FILE = Path(__file__).with_name("seed_scripts.yaml")


def read_library(path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """The lists of a library file.

    :raise ScrmError: unreadable YAML, or a top level that is not a mapping of lists.
    """
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ScrmError(f"{path}: cannot read it as UTF-8 YAML ({error})") from None
    if not isinstance(data, dict):
        raise ScrmError(f"{path}: the top level must be a mapping with branches/materials/scripts")
    lists = {}
    for name in ("branches", "materials", "scripts"):
        rows = data.get(name) or []
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ScrmError(f"{path}: {name} must be a list of mappings")
        lists[name] = rows
    return lists


def import_library(path: str | Path, *, by: str) -> dict[str, int]:
    """Add or change the branches, materials and scripts of a library file; flushes.

    :param by: who imports (an HQ operator's userid, recorded on each row).
    :return: counts ``branches``, ``materials_added``, ``materials_changed``,
        ``scripts_added``, ``scripts_changed``.
    :raise ScrmError: the first bad row, named by list and position; nothing is written.
    """
    lists = read_library(path)
    counts = dict.fromkeys(
        ("branches", "materials_added", "materials_changed", "scripts_added", "scripts_changed"), 0
    )
    with db.session.begin_nested():
        for i, row in enumerate(lists["branches"], 1):
            _at(f"branches #{i}", lambda row=row: _save_branch(row))
            counts["branches"] += 1
        for i, row in enumerate(lists["materials"], 1):
            known = find_material(str(row.get("key")), active_only=False)
            _at(
                f"materials #{i}",
                lambda row=row, known=known: save_material(row, by=by, material=known),
            )
            counts["materials_changed" if known else "materials_added"] += 1
        for i, row in enumerate(lists["scripts"], 1):
            data = {k: v for k, v in row.items() if k != "material"}
            if "material" in row:
                data["material_key"] = row["material"]
            known = db.session.scalar(
                select(SidebarScript).where(SidebarScript.key == str(row.get("key")))
            )
            _at(
                f"scripts #{i}",
                lambda data=data, known=known: save_script(data, by=by, script=known),
            )
            counts["scripts_changed" if known else "scripts_added"] += 1
    return counts


def _at(where: str, save) -> None:
    try:
        save()
    except ScrmError as error:
        raise ScrmError(f"{where}: {error.message}") from None


def _save_branch(row: dict[str, Any]) -> None:
    address = row.get("address")
    if not isinstance(address, str) or not address.strip() or len(address) > 200:
        raise ScrmError('"address" must be text of 1 to 200 characters')
    if "department_id" in row:
        department = db.session.get(Department, row["department_id"])
    else:
        matches = db.session.scalars(
            select(Department).where(Department.name == row.get("department"))
        ).all()
        if len(matches) > 1:
            raise ScrmError(
                f"{len(matches)} departments are called {row.get('department')!r}; "
                "give department_id instead"
            )
        department = matches[0] if matches else None
    if department is None:
        raise ScrmError("no such department; sync the directory first, or check the name/id")
    found = db.session.scalar(
        select(BranchAddress).where(BranchAddress.department_id == department.id)
    )
    if found is None:
        found = BranchAddress(department_id=department.id)
        db.session.add(found)
    found.address, found.updated_at = address.strip(), utcnow()
    db.session.flush()
