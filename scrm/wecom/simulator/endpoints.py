"""The registry of simulated WeCom endpoints and the request/response plumbing they share.

Each handler module declares its endpoints with :func:`endpoint` (documented method, path,
and which apps may call it). Handlers raise :class:`ApiError` for WeCom business errors and
return the payload without ``errcode``/``errmsg``, which the dispatcher adds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrm.wecom.simulator.core import Simulator

CONTACT = frozenset({"contact"})  # 客户联系-callable app only
AGENT = frozenset({"agent"})
BOTH = frozenset({"contact", "agent"})


class ApiError(Exception):
    """A WeCom errcode answer (still HTTP 200)."""

    def __init__(self, errcode: int, errmsg: str):
        super().__init__(errcode, errmsg)
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass
class ApiRequest:
    """One call as a handler sees it: query arguments, parsed JSON body, calling app."""

    args: dict[str, str]
    body: dict[str, Any]
    app: str

    def arg(self, name: str) -> str:
        """A required query argument. :raise ApiError: 41xxx-style when missing."""
        value = self.args.get(name)
        if value in (None, ""):
            raise ApiError(40058, f"missing query parameter {name}")
        return value

    def field(self, name: str, default: Any = None, *, required: bool = False) -> Any:
        """A body field. :raise ApiError: 40058 when required and missing or empty."""
        value = self.body.get(name, default)
        if required and value in (None, "", [], {}):
            raise ApiError(40058, f"missing body field {name}")
        return value

    def int_field(self, name: str, default: int) -> int:
        value = self.body.get(name, default)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(40058, f"field {name} must be an integer") from None


Handler = Callable[["Simulator", ApiRequest], dict[str, Any]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    apps: frozenset[str]
    handler: Handler


REGISTRY: dict[str, Endpoint] = {}


def endpoint(method: str, path: str, *, apps: frozenset[str] = CONTACT):
    """Register a handler for ``/cgi-bin/<path>`` answering the documented ``method``."""

    def register(handler: Handler) -> Handler:
        if path in REGISTRY:
            raise RuntimeError(f"endpoint {path} registered twice")
        REGISTRY[path] = Endpoint(method.upper(), path, apps, handler)
        return handler

    return register


def page(items: list, cursor: str | None, limit: int) -> tuple[list, str]:
    """One cursor page of ``items``: the cursor is the stringified offset of the next page."""
    try:
        start = int(cursor) if cursor else 0
    except ValueError:
        raise ApiError(40058, f"invalid cursor {cursor!r}") from None
    chunk = items[start : start + limit]
    end = start + len(chunk)
    return chunk, (str(end) if end < len(items) else "")
