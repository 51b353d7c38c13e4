"""What a sync changed: row snapshots before and after, turned into created/updated/removed.

Domain services report nothing about what they changed, and they flush, so the session no
longer knows either. Comparing plain snapshots of the rows before and after a batch of upserts
is the one way to count honestly: a rerun that changes nothing counts nothing.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from sqlalchemy import inspect

#: Columns that move on every sync without the data changing.
_NOISE = frozenset({"synced_at"})

State = dict[str, Any]


def state_of(row: Any, **extra: Any) -> State:
    """A plain snapshot of a row's columns (``synced_at`` left out), plus ``extra`` values
    such as the tags or members that belong to it."""
    mapper = inspect(type(row))
    state = {a.key: getattr(row, a.key) for a in mapper.column_attrs if a.key not in _NOISE}
    state.update(extra)
    return state


def is_live(state: State | None) -> bool:
    """True for a snapshot of a row that exists and is not marked removed."""
    return state is not None and state.get("removed_at") is None


def empty_counts() -> dict[str, int]:
    return {"created": 0, "updated": 0, "removed": 0}


def add_changes(
    counts: dict[str, int],
    before: Mapping[Hashable, State | None],
    after: Mapping[Hashable, State | None],
) -> None:
    """Add to ``counts`` what changed between two snapshots keyed alike.

    A row that becomes live (new, or back after being removed) counts as created; a live row
    that becomes removed counts as removed; a live row whose values differ counts as updated.
    """
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        if is_live(new) and not is_live(old):
            counts["created"] += 1
        elif is_live(old) and not is_live(new):
            counts["removed"] += 1
        elif is_live(old) and old != new:
            counts["updated"] += 1
