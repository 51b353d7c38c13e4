"""``scrm check-config --online``: ask WeCom for a token with each secret and explain refusals."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask

from scrm.ops.config_check import ERROR, OK, Finding
from scrm.wecom.client import APP_SECRETS, WeComClient
from scrm.wecom.errors import InvalidCredential, IpNotAllowed, WeComError, WeComUnavailable

_SECRET_WHERE = {
    "contact": "客户联系 → 客户 → API → 可调用接口的应用 → the app's Secret",
    "agent": "应用管理 → 自建 → the sidebar app → Secret → 查看",
}


def _explain(secret_key: str, app_name: str, exc: WeComError, api_base: str) -> str:
    if isinstance(exc, InvalidCredential) and exc.errcode == 40013:
        return (
            "WeCom says the corp id is invalid (40013); copy WECOM_CORP_ID again from "
            "管理后台 → 我的企业 → 企业信息 → 企业ID"
        )
    if isinstance(exc, InvalidCredential):
        return (
            f"WeCom refused the secret (40001: invalid credential); copy {secret_key} again from "
            f"{_SECRET_WHERE[app_name]} — it must belong to the corp in WECOM_CORP_ID"
        )
    if isinstance(exc, IpNotAllowed):
        return (
            "WeCom refused this server's IP (60020); add the server's public IP to "
            "应用管理 → the app → 企业可信IP"
        )
    if isinstance(exc, WeComUnavailable):
        return f"cannot reach {api_base} ({exc.errmsg}); check the network, proxy and firewall"
    return f"gettoken failed: errcode {exc.errcode} {exc.errmsg}"


def check_credentials(app: Flask) -> Iterator[Finding]:
    """Fetch one access token per WeCom app; a token is only held in memory, never stored."""
    cfg = app.config
    for app_name, secret_key in APP_SECRETS.items():
        key = f"{secret_key} (gettoken)"
        corp_id, secret = cfg.get("WECOM_CORP_ID"), cfg.get(secret_key)
        if not corp_id or not secret:
            yield Finding(ERROR, key, "skipped: set WECOM_CORP_ID and the secret first")
            continue
        # A throwaway client with in-memory token storage: checking must not touch the database.
        client = WeComClient(
            str(corp_id),
            str(secret),
            api_base=cfg["WECOM_API_BASE"],
            timeout=cfg.get("WECOM_HTTP_TIMEOUT", 10),
            max_retries=0,
        )
        try:
            client.fetch_access_token()
        except WeComError as exc:
            yield Finding(ERROR, key, _explain(secret_key, app_name, exc, cfg["WECOM_API_BASE"]))
        else:
            yield Finding(OK, key, "WeCom issued a token")
