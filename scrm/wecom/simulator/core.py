"""The simulator: one fake WeCom corp, its apps and tokens, and the dispatcher every
``/cgi-bin/`` call goes through (faults → token → permission → limits → handler).
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

# Importing the handler modules registers their endpoints.
from scrm.wecom.simulator import (  # noqa: F401
    api_broadcasts,
    api_contact_way,
    api_customers,
    api_directory,
    api_groupmsg_admin,
    api_groups,
    api_intercept,
    api_moment_cancel,
    api_moment_comments,
    api_staff_tags,
    api_tags,
    api_transfer,
)
from scrm.wecom.simulator.endpoints import REGISTRY, ApiError, ApiRequest
from scrm.wecom.simulator.faults import Faults, normalize_path
from scrm.wecom.simulator.jobs import CorpJobs
from scrm.wecom.simulator.limits import check_limits
from scrm.wecom.simulator.operator import Operator
from scrm.wecom.simulator.pusher import CallbackPusher
from scrm.wecom.simulator.state import Corp
from scrm.wecom.simulator.virtual_clock import VirtualClock

log = logging.getLogger(__name__)

TOKEN_TTL = 7200  # seconds, as WeCom issues them


@dataclass(frozen=True)
class Call:
    """One API call the simulator answered, for assertions."""

    method: str
    path: str
    app: str | None
    errcode: int | None  # None: an injected HTTP failure


@dataclass
class _Token:
    app: str
    expires_at: float


class Simulator:
    """A stateful fake WeCom corp with two apps: ``contact`` (客户联系) and ``agent``."""

    def __init__(
        self,
        corp_id: str,
        *,
        contact_secret: str,
        agent_secret: str,
        agent_id: int,
        clock: VirtualClock | None = None,
    ) -> None:
        self.corp_id = corp_id
        self.agent_id = int(agent_id)
        self.secrets = {contact_secret: "contact", agent_secret: "agent"}
        self.clock = clock or VirtualClock()
        self.lock = threading.RLock()
        self.faults = Faults()
        self.calls: list[Call] = []
        self.corp = Corp(self.clock)
        self.jobs = CorpJobs()
        self._tokens: dict[str, _Token] = {}
        self.pusher = CallbackPusher(corp_id, self.agent_id, self.clock)
        self.operator = Operator(self)
        # WeCom answers 81017 to an unfiltered groupchat/list past this many visible members.
        self.groupchat_list_member_cap = 1000
        # Bumped by reset(): a call still sleeping on injected latency when the simulator is
        # reset belongs to the previous test and must not touch the new state or call log.
        self._generation = 0

    # ---- lifecycle ------------------------------------------------------------------

    def reset(self) -> None:
        """Empty corp data, faults, call log, tokens and pending pushes; real time again."""
        with self.lock:
            self._generation += 1
            self.clock.reset()
            self.faults.clear()
            self.calls.clear()
            self.corp = Corp(self.clock)
            self.jobs = CorpJobs()
            self._tokens.clear()
            self.pusher.reset()
            self.groupchat_list_member_cap = 1000

    def expire_tokens(self) -> None:
        """Make every issued token expired now (the next call with one answers 42001)."""
        with self.lock:
            past = self.clock.now() - 1
            for token in self._tokens.values():
                token.expires_at = past

    def calls_to(self, path: str) -> list[Call]:
        """The logged calls to one endpoint path (``externalcontact/get``)."""
        path = normalize_path(path)
        with self.lock:
            return [c for c in self.calls if c.path == path]

    def counts(self) -> dict[str, int]:
        """How much corp data there is (for ``GET /__sim__/state``)."""
        with self.lock:
            counts = self.corp.counts()
            counts["calls"] = len(self.calls)
            counts["pending_pushes"] = len(self.pusher.pending)
            return counts

    # ---- seeding (no callbacks) -----------------------------------------------------

    def add_department(self, id, name, parent_id=None, order=0):
        """Seed a department. :raise ValueError: when the parent does not exist."""
        with self.lock:
            return self.corp.add_department(id, name, parent_id, order)

    def add_user(self, userid, name, department_ids, **kwargs):
        """Seed a member (keyword args: follow, position, mobile, email, status)."""
        with self.lock:
            return self.corp.add_user(userid, name, department_ids, **kwargs)

    def add_customer(self, external_userid=None, name="", **kwargs) -> str:
        """Seed a customer; returns its external_userid (generated when not given)."""
        with self.lock:
            return self.corp.add_customer(external_userid, name, **kwargs)

    def add_follow(self, userid, external_userid, **kwargs):
        """Seed an RM ↔ customer follow relation (remark, description, state, tag_ids …)."""
        with self.lock:
            return self.corp.add_follow(userid, external_userid, **kwargs)

    def add_tag_group(self, name, tags, order=0) -> tuple[str, list[str]]:
        """Seed a corp tag group; returns ``(group_id, [tag_ids])`` in the order given."""
        with self.lock:
            return self.corp.add_tag_group(name, tags, order)

    def add_group_chat(self, owner, name, members=()) -> str:
        """Seed a customer group; ``members`` are ``(userid, type 1|2, join_scene)``."""
        with self.lock:
            return self.corp.add_group_chat(owner, name, members)

    # ---- dispatch -------------------------------------------------------------------

    def handle(
        self, method: str, path: str, args: dict[str, str], raw_body: bytes
    ) -> tuple[int, dict[str, Any] | str]:
        """Answer one ``/cgi-bin/<path>`` call: ``(http_status, json_payload_or_text)``."""
        path = normalize_path(path)
        generation = self._generation
        fault = self.faults.take(path)
        app = self._app_of(args)
        if fault is not None:
            if fault.latency:
                time.sleep(fault.latency)
                if generation != self._generation:
                    return 200, {"errcode": -1, "errmsg": "system busy: simulator was reset"}
            if fault.http_status is not None:
                self._record(method, path, app, None)
                return fault.http_status, f"injected HTTP {fault.http_status}"
            if fault.errcode is not None:
                self._record(method, path, app, fault.errcode)
                return 200, {"errcode": fault.errcode, "errmsg": "injected fault"}
        try:
            payload = self._dispatch(method.upper(), path, args, raw_body)
            errcode = 0
            payload = {"errcode": 0, "errmsg": "ok", **payload}
        except ApiError as exc:
            errcode = exc.errcode
            payload = {"errcode": exc.errcode, "errmsg": exc.errmsg}
        self._record(method, path, app, errcode)
        return 200, payload

    def _dispatch(
        self, method: str, path: str, args: dict[str, str], raw_body: bytes
    ) -> dict[str, Any]:
        if path == "gettoken":
            return self._gettoken(args)
        endpoint = REGISTRY.get(path)
        if endpoint is None:
            raise ApiError(404, f"unknown API /cgi-bin/{path}: the simulator does not know it")
        if method != endpoint.method:
            code = 43001 if endpoint.method == "GET" else 43002
            raise ApiError(code, f"require {endpoint.method} method for /cgi-bin/{path}")
        app = self._authorize(args)
        if app not in endpoint.apps:
            raise ApiError(48002, f"api forbidden: the {app} app may not call {path}")
        body = self._parse_body(raw_body) if method == "POST" else {}
        check_limits(path, body)
        with self.lock:
            return endpoint.handler(self, ApiRequest(dict(args), body, app))

    @staticmethod
    def _parse_body(raw: bytes) -> dict[str, Any]:
        # wechatpy posts JSON without a Content-Type header, so never trust the header.
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise ApiError(47001, "data format error: the body is not JSON") from None
        if not isinstance(body, dict):
            raise ApiError(47001, "data format error: the body must be a JSON object")
        return body

    def _gettoken(self, args: dict[str, str]) -> dict[str, Any]:
        if args.get("corpid") != self.corp_id:
            raise ApiError(40013, "invalid corpid")
        app = self.secrets.get(args.get("corpsecret") or "")
        if app is None:
            raise ApiError(40001, "invalid credential: wrong corpsecret")
        with self.lock:
            now = self.clock.now()
            for value, token in self._tokens.items():
                if token.app == app and token.expires_at > now:
                    return {"access_token": value, "expires_in": int(token.expires_at - now)}
            value = secrets.token_urlsafe(48)
            self._tokens[value] = _Token(app, now + TOKEN_TTL)
            return {"access_token": value, "expires_in": TOKEN_TTL}

    def _authorize(self, args: dict[str, str]) -> str:
        value = args.get("access_token")
        if not value:
            raise ApiError(41001, "access_token missing")
        with self.lock:
            token = self._tokens.get(value)
            if token is None:
                raise ApiError(40014, "invalid access_token")
            if token.expires_at <= self.clock.now():
                raise ApiError(42001, "access_token expired")
            return token.app

    def _app_of(self, args: dict[str, str]) -> str | None:
        with self.lock:
            if "corpsecret" in args:
                return self.secrets.get(args["corpsecret"])
            token = self._tokens.get(args.get("access_token") or "")
            return token.app if token else None

    def _record(self, method: str, path: str, app: str | None, errcode: int | None) -> None:
        with self.lock:
            self.calls.append(Call(method.upper(), path, app, errcode))
