"""Fault-injection seam, for crash tests only.

The few places where a crash is most telling (WeCom accepted a send, our row does not say so
yet) call :func:`reached` with the name of their point. Production installs nothing, so that
does nothing. A crash test installs a fault at a point from test code, in the process it
starts (e.g. one that ends the process, as a power cut would): the product carries neither
the crash nor a switch that turns it on.
"""

from __future__ import annotations

from collections.abc import Callable

#: WeCom accepted an outbox send and the row is not marked sent yet; context: ``delivery_id``.
OUTBOX_AFTER_SEND = "outbox.after_send"
#: A worker claimed queue rows (committed) and has started none of them; context: ``table``
#: (``inbound_event`` or ``outbound_delivery``) and ``ids``.
ROWS_CLAIMED = "worker.rows_claimed"

POINTS = frozenset({OUTBOX_AFTER_SEND, ROWS_CLAIMED})

_installed: dict[str, list[Callable[..., None]]] = {}


def reached(point: str, **context: object) -> None:
    """Run the faults installed at ``point`` with ``context`` (none outside fault tests)."""
    for fault in _installed.get(point, ()):
        fault(**context)


def install(point: str, fault: Callable[..., None]) -> None:
    """Run ``fault(**context)`` whenever ``point`` is reached in this process (tests only).

    :raise ValueError: for a name not in :data:`POINTS` (a typo would silently test nothing).
    """
    if point not in POINTS:
        raise ValueError(f"no fault-injection point {point!r}; known: {sorted(POINTS)}")
    _installed.setdefault(point, []).append(fault)


def clear() -> None:
    """Remove every installed fault."""
    _installed.clear()
