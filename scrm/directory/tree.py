"""Walks of the department tree, given as a ``{department: parent}`` map (the root's parent is
``None``). Pure: the caller reads the map once and may walk it many times."""

from __future__ import annotations

from collections import defaultdict


def department_subtree(parents: dict[int, int | None], root: int) -> list[int]:
    """``root`` and every department below it."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for department, parent in parents.items():
        children[parent].append(department)
    found, todo = [], [root]
    while todo:
        department = todo.pop()
        found.append(department)
        todo.extend(children[department])
    return found


def path_to_root(parents: dict[int, int | None], department: int) -> list[int]:
    """``department``, its parent, and so on up to the root."""
    path = [department]
    # Bounded by the tree's size, so a loop in the stored parents cannot hang the walk.
    while parents.get(path[-1]) is not None and len(path) <= len(parents):
        path.append(parents[path[-1]])
    return path


def branch_in(path: list[int]) -> int:
    """The branch (分行) on a :func:`path_to_root`: the department just below the root (HQ is
    its own branch)."""
    return path[-2] if len(path) >= 2 else path[-1]
