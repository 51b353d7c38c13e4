"""WeCom HTTP clients: wechatpy's enterprise client with a configurable API base, tokens
shared through the database, and one bounded retry policy.

wechatpy's own ``auto_retry`` stays off: on a persistent token error it recurses without
bound. Instead every call here refreshes the token at most once (40014/42001/41001), backs
off with jitter on -1/45009/45033 and transport failures at most ``WECOM_MAX_RETRIES``
times, and never retries permission, IP or parameter errors.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

import requests
from flask import Flask, current_app
from wechatpy.enterprise import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from scrm.wecom.errors import TokenExpired, WeComError, WeComUnavailable, translate

log = logging.getLogger(__name__)

#: The WeCom apps scrm holds a secret for, and the setting that holds each secret.
APP_SECRETS = {
    "contact": "WECOM_CONTACT_SECRET",  # 客户联系: customers, groups, tags, mass messages
    "agent": "WECOM_AGENT_SECRET",  # the self-built app: directory, sidebar, notifications
}
#: Apps a bank has only when it bought the feature; ``get_client`` knows them too.
OPTIONAL_APP_SECRETS = {
    "archive": "WECOM_ARCHIVE_SECRET",  # 会话内容存档: msgaudit/* only
}


class WeComClient(WeChatClient):
    """One WeCom app (one secret). Use :func:`get_client` rather than building one."""

    def __init__(
        self,
        corp_id: str,
        secret: str,
        *,
        api_base: str,
        session: SessionStorage | None = None,
        timeout: float = 10,
        max_retries: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ):
        # An instance attribute shadows the class constant that wechatpy's _request reads.
        self.API_BASE_URL = api_base if api_base.endswith("/") else api_base + "/"
        self.max_retries = max_retries
        self.backoff = backoff
        self._sleep = sleep
        super().__init__(corp_id, secret, session=session, timeout=timeout, auto_retry=False)

    # wechatpy hard-codes https://qyapi.weixin.qq.com/cgi-bin/gettoken; ours follows the base.
    def fetch_access_token(self) -> dict[str, Any]:
        """Fetch a new access token from ``gettoken`` and store it for every process."""
        try:
            res = self._http.get(
                self.API_BASE_URL + "gettoken",
                params={"corpid": self.corp_id, "corpsecret": self.secret},
                timeout=self.timeout,
            )
            res.raise_for_status()
            result = res.json()
        except (requests.RequestException, ValueError) as exc:
            raise WeComUnavailable(None, type(exc).__name__, "gettoken") from exc
        errcode = int(result.get("errcode", 0))
        if errcode != 0:
            raise translate(errcode, result.get("errmsg"), "gettoken")
        expires_in = int(result.get("expires_in", 7200))
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.expires_at = int(time.time()) + expires_in
        log.info("fetched a WeCom access token for app secret …%s", self.secret[-4:])
        return result

    def forget_token(self) -> None:
        """Drop the stored token so the next call fetches a fresh one."""
        self.session.delete(self.access_token_key)
        self.expires_at = None

    def _request(self, method, url_or_endpoint, **kwargs):
        path = url_or_endpoint.split("?", 1)[0]
        if path.startswith(self.API_BASE_URL):
            path = path[len(self.API_BASE_URL) :]
        refreshed = False
        attempt = 0
        while True:
            call_kwargs = dict(kwargs)
            call_kwargs["params"] = dict(kwargs.get("params") or {})
            try:
                return super()._request(method, url_or_endpoint, **call_kwargs)
            except WeChatClientException as exc:
                error = _from_wechatpy(exc, path)
            except requests.RequestException as exc:
                error = WeComUnavailable(None, type(exc).__name__, path)
            except WeComError as exc:  # raised by fetch_access_token
                error = exc
            if isinstance(error, TokenExpired) and not refreshed:
                log.info(
                    "WeCom %s: token rejected (errcode %s); refreshing once", path, error.errcode
                )
                self.forget_token()
                refreshed = True
                continue
            if error.retryable and attempt < self.max_retries:
                attempt += 1
                delay = self.backoff * (2 ** (attempt - 1)) * random.uniform(0.5, 1.5)
                log.warning(
                    "WeCom %s: errcode %s, retry %d/%d in %.2fs",
                    path,
                    error.errcode,
                    attempt,
                    self.max_retries,
                    delay,
                )
                self._sleep(delay)
                continue
            raise error


def _from_wechatpy(exc: WeChatClientException, path: str) -> WeComError:
    if exc.errcode is None:
        status = getattr(exc.response, "status_code", None)
        if status is not None and status < 500:
            return translate(status, f"HTTP {status}", path)
        return WeComUnavailable(None, f"HTTP {status or 'error'}", path)
    return translate(exc.errcode, exc.errmsg, path)


def get_client(app_name: str = "contact", app: Flask | None = None) -> WeComClient:
    """The client for one WeCom app (``contact`` or ``agent``), cached per process.

    :param app_name: which secret to use; see :data:`APP_SECRETS` and
        :data:`OPTIONAL_APP_SECRETS`.
    :raise KeyError: for an unknown app name.
    """
    from scrm.db import db
    from scrm.wecom.tokens import DatabaseTokenStorage

    app = app or current_app._get_current_object()
    cfg = app.config
    secret = cfg[{**APP_SECRETS, **OPTIONAL_APP_SECRETS}[app_name]]
    cache = app.extensions.setdefault("scrm.wecom.clients", {})
    key = (app_name, cfg["WECOM_CORP_ID"], secret, cfg["WECOM_API_BASE"])
    client = cache.get(key)
    if client is None:
        client = WeComClient(
            cfg["WECOM_CORP_ID"],
            secret,
            api_base=cfg["WECOM_API_BASE"],
            session=DatabaseTokenStorage(db.engine),
            timeout=cfg["WECOM_HTTP_TIMEOUT"],
            max_retries=cfg["WECOM_MAX_RETRIES"],
            backoff=cfg["WECOM_RETRY_BACKOFF"],
        )
        cache[key] = client
    return client
