"""WeCom sign-in for our pages: the sidebar (OAuth2 网页授权, snsapi_base, inside WeCom) and
the console (企业微信扫码登录, WeCom's web login). Both end in a single-use ``code`` that
``auth/getuserinfo`` resolves to a member's userid.

The ``state`` parameter is a random value bound to the browser session: a callback whose
state is not the one this session started is refused (login CSRF), and each state is used once.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import quote, unquote, urlencode, urlsplit

from flask import current_app, session, url_for

from scrm.directory.models import Staff
from scrm.directory.services import ensure_staff
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import oauth as oauth_api
from scrm.wecom.errors import InvalidRequest

log = logging.getLogger(__name__)

_STATE_KEY = "oauth_state"
_NEXT_KEY = "oauth_next"
_STAFF_QUIT = 5  # WeCom member status 已退出企业
# What stays literal when a next page is rebuilt: RFC 3986's path and query characters and
# "%" (what the browser already encoded stays as it is).
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


class SignInRefused(Exception):
    """A sign-in that cannot go on; ``message`` is what the page shows, ``status`` its code."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def safe_next(target: str | None, default: str) -> str:
    r"""``target`` rebuilt as a path (and query) on this site, else ``default``: no open
    redirects.

    Browsers drop tabs and newlines from a Location and read ``\`` as ``/``, so
    ``/<TAB>/evil.example/`` or ``/\evil.example`` would leave the site as ``//evil.example``,
    and CR/LF would split the header. Refused: control characters (``\x00``–``\x1f``,
    ``\x7f``) and backslashes, also once percent-decoded; a scheme or a host; anything but
    one absolute path. What passes is parsed and rebuilt, percent-encoded, never echoed.
    """
    if not target or not isinstance(target, str) or target.startswith("//"):
        return default
    for text in (target, unquote(target)):
        if "\\" in text or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
            return default
    parts = urlsplit(target)
    path = parts.path
    if parts.scheme or parts.netloc or not path.startswith("/"):
        return default
    if path.startswith("//") or unquote(path).startswith("//"):
        return default
    rebuilt = quote(path, safe=_PATH_SAFE)
    if parts.query:
        rebuilt += "?" + quote(parts.query, safe=_QUERY_SAFE)
    return rebuilt


def authorize_url(*, next_path: str, via: str = "oauth") -> str:
    """Where to send the browser to sign in with WeCom, remembering a fresh state.

    :param next_path: our page to return to after sign-in.
    :param via: ``oauth`` (inside WeCom: the sidebar) or ``qr`` (WeCom web login: the console).
    """
    cfg = current_app.config
    state = secrets.token_urlsafe(16)
    session[_STATE_KEY] = state
    session[_NEXT_KEY] = next_path
    redirect_uri = url_for("web_auth.wecom_callback", _external=True)
    if via == "qr":
        base = cfg["WECOM_WEB_LOGIN_URL"]
        params = {"login_type": "CorpApp", "appid": cfg["WECOM_CORP_ID"]}
        params |= {"agentid": cfg["WECOM_AGENT_ID"], "redirect_uri": redirect_uri}
        params["state"] = state
        fragment = ""
    else:
        base = cfg["WECOM_OAUTH_AUTHORIZE_URL"]
        params = {"appid": cfg["WECOM_CORP_ID"], "redirect_uri": redirect_uri}
        params |= {"response_type": "code", "scope": "snsapi_base", "state": state}
        params["agentid"] = cfg["WECOM_AGENT_ID"]
        fragment = "#wechat_redirect"
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}{urlencode(params)}{fragment}"


def take_state(sent: str | None) -> str:
    """Check the callback's ``state`` against this session's and forget it (single use).

    :return: the page to go to after sign-in.
    :raise SignInRefused: when the state is missing, stale or someone else's.
    """
    expected = session.pop(_STATE_KEY, None)
    next_path = session.pop(_NEXT_KEY, "/")
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        log.warning("WeCom sign-in callback refused: state does not match this browser session")
        raise SignInRefused(
            "这个登录链接已失效或不是从本页面发起的。请关闭页面后重新打开。"
            " (The sign-in was not started from this browser or was already used; open the page "
            "again.)"
        )
    return next_path


def staff_for_code(code: str | None) -> Staff:
    """The member of staff behind a WeCom OAuth/web-login code.

    :raise SignInRefused: a missing, used or expired code (40029), a visitor who is not a
        member of the corp, or a member who has left the bank.
    """
    if not code:
        log.warning("WeCom sign-in callback without a code (the user cancelled)")
        raise SignInRefused("没有收到企业微信的授权码，登录已取消。请重新打开页面。 (No code.)")
    try:
        identity = oauth_api.get_user_identity(get_client("agent"), code)
    except InvalidRequest as exc:
        log.warning("WeCom refused the sign-in code (errcode %s)", exc.errcode)
        raise SignInRefused(
            "登录授权码已使用或已过期（约 5 分钟有效）。请关闭页面后重新打开。"
            f" (WeCom errcode {exc.errcode}: the code was used already or is older than 5 "
            "minutes; open the page again.)"
        ) from exc
    if not identity.is_member:
        log.warning("WeCom sign-in by a non-member refused")
        raise SignInRefused(
            "此页面仅供本行员工使用。 (Only members of the bank's WeCom can sign in.)", 403
        )
    staff = ensure_staff(identity.userid)
    if staff.removed_at is not None or staff.status == _STAFF_QUIT:
        log.warning("WeCom sign-in refused: staff %s has left or was removed", staff.id)
        raise SignInRefused(
            "您的账号已停用或已离职，无法登录。如有疑问请联系管理员。"
            " (This member has left the bank or was removed from the directory.)",
            403,
        )
    return staff
