"""WeCom's sign-in pages, simulated: the OAuth2 authorize page (网页授权, what WeCom opens
before our sidebar) and the web login page (企业微信扫码登录, the console's QR login).

Real WeCom signs in whoever is using the WeCom client, silently. The simulator's stand-in for
the client is :data:`OPEN_IN_WECOM_PATH` (the demo's printed links and tests): "member
``userid`` opens ``url`` in WeCom" remembers that member in a cookie of this browser and goes
to ``url``; the sign-in pages then sign that member in without asking. Without it, each page
lists the corp's active members to pick from ("who is holding the phone"). A ``userid`` query
parameter (simulator only: tests) picks at once. Either way the browser goes back to
``redirect_uri?code=…&state=…`` with a single-use code that ``auth/getuserinfo`` resolves
within five minutes (errcode 40029 afterwards).

Served by :class:`scrm.wecom.simulator.server.SimulatorApp` through :func:`respond`.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from werkzeug.wrappers import Request, Response

from scrm.wecom.simulator.operator_base import OperatorError

if TYPE_CHECKING:
    from scrm.wecom.simulator.core import Simulator

AUTHORIZE_PATH = "/connect/oauth2/authorize"
WEB_LOGIN_PATH = "/wwlogin/sso/login"
#: The pages this module answers, and the parameters WeCom requires on each.
PAGES = {
    AUTHORIZE_PATH: ("appid", "redirect_uri", "response_type", "scope"),
    WEB_LOGIN_PATH: ("login_type", "appid", "redirect_uri"),
}
#: ``?userid=…&url=…``: the member opens ``url`` in their WeCom client (see the module's text).
OPEN_IN_WECOM_PATH = "/__sim__/open-in-wecom"
#: The cookie naming the member signed in to this browser's stand-in WeCom client.
MEMBER_COOKIE = "wecom_simulator_member"
_ACTIVE = 1


def respond(sim: Simulator, request: Request) -> Response:
    """Answer one of :data:`PAGES`: a redirect with a code, or the member picker.

    WeCom shows an error page for a wrong corp id, agent id, scope or login type; so does
    this (HTTP 400, plain text naming the parameter).
    """
    args = request.args
    missing = [name for name in PAGES[request.path] if not args.get(name)]
    if missing:
        return _error(f"missing parameter {', '.join(missing)}")
    if args["appid"] != sim.corp_id:
        return _error(f"appid {args['appid']!r} is not this corp ({sim.corp_id})")
    if args.get("agentid") and args["agentid"] != str(sim.agent_id):
        return _error(f"agentid {args['agentid']!r} is not an app of this corp")
    if request.path == AUTHORIZE_PATH:
        if args["response_type"] != "code":
            return _error("response_type must be code")
        if args["scope"] not in ("snsapi_base", "snsapi_privateinfo"):
            return _error("scope must be snsapi_base or snsapi_privateinfo")
    elif args["login_type"] not in ("CorpApp", "ServiceApp"):
        return _error("login_type must be CorpApp or ServiceApp")
    userid = args.get("userid") or _member_using_wecom(sim, request)
    if not userid:
        return _picker(sim, request)
    try:
        code = sim.operator.rm_opens_sidebar(userid).code
    except OperatorError as exc:
        return _error(str(exc))
    query = urlencode({"code": code, "state": args.get("state", "")})
    redirect_uri = args["redirect_uri"]
    sep = "&" if "?" in redirect_uri else "?"
    return Response(status=302, headers={"Location": f"{redirect_uri}{sep}{query}"})


def open_in_wecom(sim: Simulator, request: Request) -> Response:
    """Answer :data:`OPEN_IN_WECOM_PATH`: remember ``userid`` as the member using WeCom in this
    browser, then redirect to ``url`` (HTTP 400 for an unknown or departed member)."""
    userid, url = request.args.get("userid", ""), request.args.get("url", "")
    if not userid or not url:
        return _error("missing parameter userid or url")
    if urlsplit(url).scheme not in ("http", "https"):
        return _error(f"url {url!r} is not an http(s) address")
    if not _is_active(sim, userid):
        return _error(f"{userid!r} is not an active member of this corp")
    response = Response(status=302, headers={"Location": url})
    response.set_cookie(MEMBER_COOKIE, userid, httponly=True, samesite="Lax")
    return response


def _member_using_wecom(sim: Simulator, request: Request) -> str | None:
    # A member who has left since cannot use WeCom any more: then the picker is shown.
    userid = request.cookies.get(MEMBER_COOKIE)
    return userid if userid and _is_active(sim, userid) else None


def _is_active(sim: Simulator, userid: str) -> bool:
    with sim.lock:
        user = sim.corp.users.get(userid)
        return user is not None and user.status == _ACTIVE


def _error(message: str) -> Response:
    return Response(f"WeCom sign-in error: {message}", status=400, content_type="text/plain")


def _picker(sim: Simulator, request: Request) -> Response:
    qr = request.path == WEB_LOGIN_PATH
    title = "企业微信扫码登录（模拟器）" if qr else "企业微信网页授权（模拟器）"
    verb = "以此身份扫码" if qr else "以此身份打开"
    with sim.lock:
        members = [u for u in sim.corp.users.values() if u.status == _ACTIVE]
    rows = []
    for user in sorted(members, key=lambda u: u.userid):
        href = request.path + "?" + urlencode({**request.args.to_dict(), "userid": user.userid})
        rows.append(
            f'<li><a href="{html.escape(href)}" data-userid="{html.escape(user.userid)}">'
            f"{html.escape(user.name)} <small>{html.escape(user.userid)}</small> · {verb}</a></li>"
        )
    body = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title></head><body>"
        f"<h1>{title}</h1><p>WeCom simulator: pick the member using WeCom.</p>"
        f"<ul>{''.join(rows) or '<li>no active members</li>'}</ul></body></html>"
    )
    return Response(body, content_type="text/html; charset=utf-8")
