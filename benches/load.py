"""The load generator: runs in its own process, fires requests from a thread pool.

Every request opens a fresh ``http.client`` connection and closes it (no keep-alive), the way
WeCom's servers reach a callback URL. Loops are bounded by a deadline and by the work given.
"""

from __future__ import annotations

import http.client
import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from callback_events import build_callbacks

REQUEST_TIMEOUT = 10.0


@dataclass
class PhaseResult:
    """What one phase measured. ``ok`` holds the indexes of callbacks answered 200."""

    requests: int = 0
    errors: int = 0
    elapsed: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    ok: list[int] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    next_index: int = 0

    def add(self, other: PhaseResult) -> None:
        """Fold another round of the same phase into this one."""
        self.requests += other.requests
        self.errors += other.errors
        self.elapsed += other.elapsed
        self.latencies_ms += other.latencies_ms
        self.ok += other.ok
        self.error_samples = (self.error_samples + other.error_samples)[:5]
        self.next_index = other.next_index

    @property
    def per_second(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0


def _one_request(port: int, method: str, path: str, body: bytes | None) -> tuple[int, float]:
    headers = {"Connection": "close"}
    if body is not None:
        headers["Content-Type"] = "text/xml; charset=utf-8"
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        status = response.status
    finally:
        conn.close()
    return status, (time.perf_counter() - started) * 1000


def _run(port: int, concurrency: int, seconds: float, next_request) -> PhaseResult:
    """Call ``next_request()`` from ``concurrency`` threads until the deadline or the end."""
    result = PhaseResult()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def loop() -> None:
        while time.perf_counter() < deadline:
            item = next_request()
            if item is None:
                return
            index, method, path, body = item
            try:
                status, ms = _one_request(port, method, path, body)
                failure = None if status == 200 else f"HTTP {status}"
            except (OSError, http.client.HTTPException) as exc:
                status, ms, failure = 0, 0.0, type(exc).__name__
            with lock:
                result.requests += 1
                if failure is None:
                    result.latencies_ms.append(ms)
                    if index is not None:
                        result.ok.append(index)
                else:
                    result.errors += 1
                    if len(result.error_samples) < 5:
                        result.error_samples.append(failure)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(loop) for _ in range(concurrency)]:
            future.result()
    result.elapsed = time.perf_counter() - started
    return result


def hello_world(port: int, concurrency: int, seconds: float) -> PhaseResult:
    """GET /healthz as fast as the server answers, for ``seconds``."""

    def next_request():
        return None, "GET", "/healthz", None

    return _run(port, concurrency, seconds, next_request)


# The prepared callbacks live in the load process between rounds, so they are built once.
_prepared: list = []


def prepare_callbacks(count: int, marker: str) -> int:
    """Build ``count`` encrypted callbacks before any clock starts; returns how many."""
    _prepared[:] = build_callbacks(count, marker)
    return len(_prepared)


def callbacks(port: int, concurrency: int, seconds: float, start: int) -> PhaseResult:
    """POST the prepared callbacks from index ``start`` for ``seconds`` (or until used up).

    ``result.next_index`` is where the next round starts.
    """
    counter = itertools.count(start)
    lock = threading.Lock()

    def next_request():
        with lock:
            index = next(counter)
        if index >= len(_prepared):
            return None
        return index, "POST", _prepared[index].path, _prepared[index].body

    result = _run(port, concurrency, seconds, next_request)
    result.next_index = min(next(counter), len(_prepared))
    return result
