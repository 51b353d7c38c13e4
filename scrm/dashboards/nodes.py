"""The levels a dashboard is asked for (bank → branch → sub-branch → RM → group), who may see
which, and how a node's rows split among its children.

Departments come from WeCom's tree: depth 1 is HQ (总行, the bank node), depth 2 a branch
(分行), depth 3 and below a sub-branch (支行). A department node's children are the departments
right below it and the RMs whose day rows are filed under the department itself (e.g. staff
of the branch office); an RM's children are their groups.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from sqlalchemy import select

from scrm.auth import BANK_WIDE_ROLES
from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.directory.tree import department_subtree, path_to_root
from scrm.errors import ScrmError
from scrm.groups.models import CustomerGroup
from scrm.payloads import whole_number

LEVELS = ("bank", "branch", "sub_branch", "rm", "group")
#: The bank node's name when the tree has no single root.
BANK_NAME = "全行"


class Tree:
    """The department tree, read once per request."""

    def __init__(self) -> None:
        rows = db.session.execute(select(Department.id, Department.parent_id, Department.name))
        self.parents: dict[int, int | None] = {}
        self.names: dict[int, str] = {}
        self.children: dict[int | None, list[int]] = defaultdict(list)
        for department, parent, name in rows:
            parent = None if parent == department else parent
            self.parents[department], self.names[department] = parent, name
        for department, parent in self.parents.items():
            self.children[parent].append(department)
        for siblings in self.children.values():
            siblings.sort()

    @property
    def roots(self) -> list[int]:
        return self.children[None]

    def path(self, department: int) -> list[int]:
        """From the root down to ``department``."""
        return path_to_root(self.parents, department)[::-1]

    def level(self, department: int) -> str:
        return {1: "bank", 2: "branch"}.get(len(self.path(department)), "sub_branch")

    def subtree(self, department: int) -> list[int]:
        return department_subtree(self.parents, department)


@dataclass(frozen=True)
class Scope:
    """What the caller sees: every department (``None``) or a department subtree."""

    departments: frozenset[int] | None
    root: int | None = None  # the branch lead's own department

    def sees(self, department: int | None) -> bool:
        return self.departments is None or department in self.departments


def scope_of(staff: Staff, tree: Tree) -> Scope:
    """HQ ops and admins see the bank; a branch lead their department and below.

    :raise ScrmError: 403 for a branch lead with no department.
    """
    if staff.role_names & BANK_WIDE_ROLES:
        return Scope(None)
    if staff.department_id is None or staff.department_id not in tree.parents:
        raise ScrmError(
            "your WeCom department is unknown, so no branch is yours; ask an admin to fix "
            "your department in WeCom and run `scrm sync`",
            status_code=403,
        )
    return Scope(frozenset(tree.subtree(staff.department_id)), staff.department_id)


@dataclass(frozen=True)
class Node:
    """One node of the dashboard tree, with the filters that select its rows."""

    level: str
    id: int | None
    name: str
    departments: tuple[int, ...] | None  # rm_daily_metric.department_id in these (None: all)
    staff_id: int | None = None
    group_id: int | None = None
    #: department → the child department its rows belong to (department nodes only).
    child_of: dict[int, int] = field(default_factory=dict, compare=False, repr=False)
    #: departments whose RMs are the node's own children (the node itself; the bank's roots).
    own: tuple[int, ...] = ()
    path: tuple[dict, ...] = ()

    def ref(self) -> dict:
        return {"level": self.level, "id": self.id, "name": self.name}


def resolve(level: str | None, node_id: str | None, scope: Scope, tree: Tree) -> Node:
    """The node asked for, checked against the caller's scope.

    :param level: one of :data:`LEVELS`; none given: the caller's own top node.
    :param node_id: the department, staff or group id (not for ``bank``).
    :raise ScrmError: 400 for an unknown level or node, 403 for a node outside the scope.
    """
    if not level:
        level = "bank" if scope.departments is None else tree.level(scope.root)
        node_id = None if level == "bank" else str(scope.root)
    if level not in LEVELS:
        raise ScrmError(f'"level" {level!r} is unknown; use one of {", ".join(LEVELS)}')
    if level == "bank":
        if scope.departments is None:
            return _bank(tree)
        if scope.root not in tree.roots:
            raise _outside(f"level=bank is the whole bank; you see {tree.names[scope.root]}", scope)
        return replace(_bank(tree), departments=tuple(scope.departments))  # a lead at HQ
    number = _number(node_id, level)
    if level in ("branch", "sub_branch"):
        return _department(number, level, scope, tree)
    if level == "rm":
        return _rm(number, scope, tree)
    return _group(number, scope, tree)


def _number(node_id: str | None, level: str) -> int:
    hint = f"give the {level} id from the row you clicked"
    number = whole_number({"id": node_id}, "id", hint=hint)
    if number is None:
        raise ScrmError(f'"id" is missing; {hint}')
    return number


def _outside(what: str, scope: Scope) -> ScrmError:
    return ScrmError(
        f"{what}; it is outside your scope, ask HQ ops, or open level=branch&id={scope.root} "
        "(your own department)",
        status_code=403,
    )


def _bank(tree: Tree) -> Node:
    child_of = {}
    for root in tree.roots:
        for child in tree.children[root]:
            child_of.update(dict.fromkeys(tree.subtree(child), child))
    name = tree.names[tree.roots[0]] if len(tree.roots) == 1 else BANK_NAME
    node = {"level": "bank", "id": None, "name": name}
    return Node("bank", None, name, None, child_of=child_of, own=tuple(tree.roots), path=(node,))


def _department_path(department: int, scope: Scope, tree: Tree) -> list[dict]:
    path = []
    if scope.departments is None:
        path.append(_bank(tree).ref())
    for step in tree.path(department):
        if tree.level(step) != "bank" and scope.sees(step):
            path.append({"level": tree.level(step), "id": step, "name": tree.names[step]})
    return path


def _department(number: int, level: str, scope: Scope, tree: Tree) -> Node:
    if number not in tree.parents:
        raise ScrmError(f"department {number} is unknown; check the id or run `scrm sync`")
    actual = tree.level(number)
    if actual != level:
        raise ScrmError(
            f"department {number} ({tree.names[number]}) is a {actual}, not a {level}; ask "
            f"level={actual}&id={number}"
        )
    if not scope.sees(number):
        raise _outside(f"{tree.names[number]} is not in your branch", scope)
    child_of = {}
    for child in tree.children[number]:
        child_of.update(dict.fromkeys(tree.subtree(child), child))
    return Node(
        level,
        number,
        tree.names[number],
        tuple(tree.subtree(number)),
        child_of=child_of,
        own=(number,),
        path=tuple(_department_path(number, scope, tree)),
    )


def _rm(number: int, scope: Scope, tree: Tree) -> Node:
    staff = db.session.get(Staff, number)
    if staff is None:
        raise ScrmError(f"no member of staff {number}; give the rm id from the row you clicked")
    if not scope.sees(staff.department_id):
        raise _outside(f"{staff.name} does not work in your branch", scope)
    path = _department_path(staff.department_id, scope, tree) if staff.department_id else []
    ref = {"level": "rm", "id": staff.id, "name": staff.name}
    departments = None if scope.departments is None else tuple(scope.departments)
    return Node("rm", staff.id, staff.name, departments, staff_id=staff.id, path=(*path, ref))


def _group(number: int, scope: Scope, tree: Tree) -> Node:
    group = db.session.get(CustomerGroup, number)
    if group is None:
        raise ScrmError(f"no customer group {number}; give the group id from the row you clicked")
    owner = db.session.get(Staff, group.owner_id) if group.owner_id else None
    department = owner.department_id if owner else None
    if not scope.sees(department):
        raise _outside(f"group {group.name} is not run in your branch", scope)
    path = [*(_department_path(department, scope, tree) if department else [])]
    if owner is not None:
        path.append({"level": "rm", "id": owner.id, "name": owner.name})
    path.append({"level": "group", "id": group.id, "name": group.name})
    departments = None if scope.departments is None else tuple(scope.departments)
    return Node("group", group.id, group.name, departments, group_id=group.id, path=tuple(path))
