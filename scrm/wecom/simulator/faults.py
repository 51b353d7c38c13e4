"""Injected failures: an errcode, an HTTP status or extra latency on one path (or ``*``).

Faults are one-shot by default (``times=1``) so a client that refreshes or retries sees the
fault pass, as it would with a real transient WeCom failure.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    path: str
    errcode: int | None
    http_status: int | None
    latency: float | None
    remaining: int


def normalize_path(path: str) -> str:
    """``/cgi-bin/externalcontact/get`` and ``externalcontact/get`` name the same endpoint."""
    path = path.strip().lstrip("/")
    if path.startswith("cgi-bin/"):
        path = path[len("cgi-bin/") :]
    return path.rstrip("/")


class Faults:
    """The queue of pending faults, consulted once per API call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def inject(
        self,
        path: str,
        *,
        errcode: int | None = None,
        http_status: int | None = None,
        latency: float | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls to ``path`` (``"*"``: any path) fail or lag.

        :raise ValueError: when no effect is given or ``times`` is not positive.
        """
        if errcode is None and http_status is None and latency is None:
            raise ValueError("inject needs errcode=, http_status= or latency=")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.append(
                Fault(normalize_path(path) or "*", errcode, http_status, latency, times)
            )

    def take(self, path: str) -> Fault | None:
        """The first pending fault matching ``path``, consumed once; ``None`` when none."""
        with self._lock:
            for fault in self._faults:
                if fault.path in ("*", path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
