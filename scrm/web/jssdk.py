"""JS-SDK registration for the sidebar: jsapi tickets cached for every process, the signature,
and ``GET /api/jssdk/config`` giving a page its ``wx.config`` and ``wx.agentConfig`` values.

Tickets live 7200 s and WeCom allows 400 fetches an hour per corp (100 per app), so they are
kept in the ``wecom_token`` table beside the access tokens (same storage, same expiry margin)
and fetched again only when the stored one is about to expire.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, request

from scrm.auth import require
from scrm.errors import ScrmError
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import jsapi as jsapi_api
from scrm.wecom.errors import WeComError

log = logging.getLogger(__name__)

#: The two tickets: ``corp`` signs wx.config, ``agent_config`` signs wx.agentConfig.
TICKET_FETCHERS = {
    "corp": jsapi_api.get_corp_ticket,
    "agent_config": jsapi_api.get_agent_ticket,
}
_fetch_lock = threading.Lock()

bp = Blueprint("web_jssdk", __name__, url_prefix="/api/jssdk")


def jsapi_signature(ticket: str, noncestr: str, timestamp: int | str, url: str) -> str:
    """WeCom's JS-SDK signature: sha1 of the four fields in ASCII key order (§3.7).

    :param url: the page's full URL; anything from ``#`` on is dropped, as WeCom does.
    """
    page = url.split("#", 1)[0]
    raw = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={page}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def _ticket_key(kind: str) -> str:
    cfg = current_app.config
    # Per corp and per agent: two agents of one corp must not share an agent_config ticket.
    return f"{cfg['WECOM_CORP_ID']}_{cfg['WECOM_AGENT_ID']}_jsapi_ticket_{kind}"


def current_ticket(kind: str) -> str:
    """A live jsapi ticket of ``kind`` (``corp`` or ``agent_config``), fetched when needed.

    :raise WeComError: when WeCom refuses to issue one.
    """
    fetch = TICKET_FETCHERS[kind]
    client = get_client("agent")
    key = _ticket_key(kind)
    ticket = client.session.get(key)
    if ticket:
        return ticket
    with _fetch_lock:  # threads of one process fetch once; other processes read the table
        ticket = client.session.get(key)
        if ticket:
            return ticket
        fetched = fetch(client)
        client.session.set(key, fetched.ticket, fetched.expires_in)
        log.info("fetched a WeCom jsapi ticket (%s), valid %ss", kind, fetched.expires_in)
        return fetched.ticket


def signed_config(url: str) -> dict:
    """``wx.config`` (corp) and ``wx.agentConfig`` (app) parameters for the page at ``url``.

    :raise WeComError: when a ticket cannot be had.
    """
    cfg = current_app.config
    page = url.split("#", 1)[0]
    timestamp = int(time.time())
    out = {"url": page}
    for name, kind in (("config", "corp"), ("agent_config", "agent_config")):
        nonce = secrets.token_urlsafe(12)
        out[name] = {
            "timestamp": timestamp,
            "nonceStr": nonce,
            "signature": jsapi_signature(current_ticket(kind), nonce, timestamp, page),
        }
    out["config"] |= {"beta": True, "appId": cfg["WECOM_CORP_ID"]}
    out["agent_config"] |= {"corpid": cfg["WECOM_CORP_ID"], "agentid": cfg["WECOM_AGENT_ID"]}
    return out


def _own_page(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: "http://[x"
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ScrmError('"url" must be the full address of the page (http(s)://host/path)')
    if parts.netloc.lower() != request.host.lower():
        raise ScrmError(
            f'"url" is on {parts.netloc}, not on this server ({request.host}); only our own '
            "pages are signed"
        )
    return url


@bp.get("/config")
@require("customers.read")
def config_view():
    """The JS-SDK signatures for one of our pages (``?url=`` its full address)."""
    url = _own_page(request.args.get("url", "").strip())
    try:
        return signed_config(url)
    except WeComError as exc:
        log.warning("no JS-SDK ticket from WeCom: errcode %s on %s", exc.errcode, exc.path)
        raise ScrmError(
            f"WeCom did not issue a JS-SDK ticket (errcode {exc.errcode}); check "
            "WECOM_AGENT_ID/WECOM_AGENT_SECRET and the app's trusted domain, then reload",
            status_code=502,
        ) from exc
