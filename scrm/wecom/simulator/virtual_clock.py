"""The simulator's clock: real time plus an offset, or frozen at a chosen instant.

Token expiry, welcome-code lifetimes, ``createtime``/``join_time`` stamps and callback
timestamps all read this clock, so a test can jump 2 hours or 20 seconds without sleeping.
"""

from __future__ import annotations

import threading
import time


class VirtualClock:
    """``now()`` is epoch seconds as a float: real time + offset, unless frozen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen: float | None = None

    def now(self) -> float:
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return time.time() + self._offset

    def timestamp(self) -> int:
        """``now()`` as whole seconds, as WeCom stamps its payloads."""
        return int(self.now())

    def advance(self, seconds: float) -> None:
        """Move the clock forward (frozen or not) by ``seconds``."""
        with self._lock:
            if self._frozen is not None:
                self._frozen += seconds
            else:
                self._offset += seconds

    def freeze(self) -> None:
        """Stop the clock at the current instant; ``advance`` still moves it."""
        now = self.now()
        with self._lock:
            self._frozen = now

    def set(self, ts: float) -> None:
        """Freeze the clock at ``ts`` epoch seconds."""
        with self._lock:
            self._frozen = float(ts)

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._offset = 0.0
            self._frozen = None
