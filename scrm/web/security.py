"""What every answer tells the browser, and how scrm knows it was reached over HTTPS.

Headers on every response (pages, JSON, files, errors):

- ``X-Content-Type-Options: nosniff``: a file is only ever what its Content-Type says.
- No framing: ``X-Frame-Options: DENY`` and the policy's ``frame-ancestors 'none'``. The
  sidebar is a webview of the WeCom client (聊天工具栏), not an iframe in anyone's page, and
  the console is a top-level page, so nobody needs to frame us.
- ``Referrer-Policy: strict-origin-when-cross-origin``: our addresses carry customer and chat
  ids (``/sidebar/app/?external_userid=…``) and message ids; another site (a material's page)
  sees only our origin, never over plain HTTP, while our own requests keep the full referrer.
  ``no-referrer`` would hide even the origin, which the bank's own sites use to tell traffic
  from scrm; nothing of a customer is in an origin.
- ``Content-Security-Policy``: scripts, styles and fetches from this server only (no inline
  script, style or handler: the templates hold none and ``tests/web`` checks it), images also
  from ``data:`` (WeUI's icons) and the hosts of ``CSP_IMG_HOSTS`` (WeCom's avatars); no plugins,
  no ``<base>`` elsewhere, forms post only here. The WeCom JS-SDK calls the client's bridge and
  ECharts draws on a canvas (its tooltips as rich text), so neither needs more. A bank adds
  its own sources with ``CSP_EXTRA_SOURCES``.

HTTPS: the bank's TLS ends at a reverse proxy. With ``TRUSTED_PROXY_COUNT`` proxies trusted,
werkzeug's ProxyFix takes scheme, host and client address from their ``X-Forwarded-*``
headers, so ``request.is_secure`` and the sign-in's return address are what the browser used;
with 0 (the default) such headers are ignored, so nobody can forge them. Every cookie set on
an HTTPS request is ``Secure`` even where ``SESSION_COOKIE_SECURE`` is off; with it on (the
production default) the session cookie is always Secure. HttpOnly and SameSite=Lax come from
the ``SESSION_COOKIE_*`` settings (Lax still sends the cookie on WeCom's OAuth redirect back to
us, a top-level GET).

A handful of fixed headers and a policy built from two settings did not justify a dependency:
flask-talisman would also rewrite ``SESSION_COOKIE_SECURE`` behind the settings' back and bring
an HTTPS redirect to turn off, and still not make cookies Secure per request.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping

from flask import Flask, current_app
from flask.wrappers import Response
from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger(__name__)

#: The policy before a bank's additions: directive → sources.
BASE_POLICY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("default-src", ("'self'",)),
    ("script-src", ("'self'",)),
    ("style-src", ("'self'",)),
    ("img-src", ("'self'", "data:")),
    ("connect-src", ("'self'",)),
    ("object-src", ("'none'",)),
    ("base-uri", ("'self'",)),
    ("form-action", ("'self'",)),
    ("frame-ancestors", ("'none'",)),
)
FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
_DIRECTIVE = re.compile(r"^[a-z-]+$")
_SOURCE = re.compile(r"^[^\s;,]+$")  # one source expression: no spaces, no list separators


def source_problems(img_hosts: object, extra: object) -> list[str]:
    """What is wrong with ``CSP_IMG_HOSTS`` and ``CSP_EXTRA_SOURCES`` (empty: nothing)."""
    problems = []
    if not isinstance(img_hosts, list | tuple) or not all(isinstance(h, str) for h in img_hosts):
        return ['CSP_IMG_HOSTS must be a list of hosts, e.g. ["https://img.example-bank.cn"]']
    if not isinstance(extra, Mapping):
        return ['CSP_EXTRA_SOURCES must map directives to sources, e.g. {"img-src": [...]}']
    problems += [f"CSP_IMG_HOSTS: {h!r} is not one source" for h in img_hosts if not _one(h)]
    for directive, sources in extra.items():
        if not isinstance(directive, str) or not _DIRECTIVE.match(directive):
            problems.append(f"CSP_EXTRA_SOURCES: {directive!r} is not a directive name")
        elif not isinstance(sources, list | tuple) or not all(_one(s) for s in sources):
            problems.append(f"CSP_EXTRA_SOURCES[{directive!r}] must be a list of sources")
    return problems


def content_security_policy(img_hosts: Iterable[str], extra: Mapping) -> str:
    """The policy header for the given settings; malformed sources are left out (logged)."""
    return _policy(tuple(img_hosts), tuple((k, tuple(v)) for k, v in extra.items()))


@functools.lru_cache(maxsize=8)
def _policy(img_hosts: tuple[str, ...], extra: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    policy = {name: list(sources) for name, sources in BASE_POLICY}
    policy["img-src"] += img_hosts
    for directive, sources in extra:
        policy.setdefault(directive, list(policy["default-src"]))
        policy[directive] += sources
    for name, sources in policy.items():
        kept = [s for s in dict.fromkeys(sources) if _one(s)]
        if len(kept) != len(set(sources)):
            log.warning("CSP: malformed sources for %s left out; run scrm check-config", name)
        policy[name] = kept
    return "; ".join(" ".join([name, *sources]) for name, sources in policy.items())


def _one(source: object) -> bool:
    return isinstance(source, str) and bool(_SOURCE.match(source))


def add_security_headers(response: Response) -> Response:
    """``after_request``: the fixed headers and the policy on every answer."""
    for name, value in FIXED_HEADERS.items():
        response.headers.setdefault(name, value)
    cfg = current_app.config
    try:
        policy = content_security_policy(cfg["CSP_IMG_HOSTS"], cfg["CSP_EXTRA_SOURCES"])
    except (TypeError, AttributeError, ValueError):
        log.warning("CSP settings are malformed; the base policy applies (scrm check-config)")
        policy = content_security_policy((), {})
    response.headers.setdefault("Content-Security-Policy", policy)
    return response


class SecureCookiesOverHttps:
    """WSGI middleware: on a request that came over HTTPS, every ``Set-Cookie`` is ``Secure``.

    It runs around the whole app because the session cookie is written after every
    ``after_request`` hook, by whatever session interface is installed.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def start(status, headers, exc_info=None):
            return start_response(status, [_secured(h) for h in headers], exc_info)

        return self.wsgi_app(environ, start)


def _secured(header: tuple[str, str]) -> tuple[str, str]:
    name, value = header
    if name.lower() != "set-cookie":
        return header
    attributes = {part.strip().lower() for part in value.split(";")[1:]}
    return header if "secure" in attributes else (name, f"{value}; Secure")


def init_app(app: Flask) -> None:
    """Headers on every answer; Secure cookies over HTTPS; trust ``TRUSTED_PROXY_COUNT``
    proxies' ``X-Forwarded-For/-Proto/-Host/-Port`` (outermost, so the cookie rule sees the
    scheme the browser used)."""
    app.after_request(add_security_headers)
    app.wsgi_app = SecureCookiesOverHttps(app.wsgi_app)
    proxies = app.config.get("TRUSTED_PROXY_COUNT") or 0
    if not isinstance(proxies, int) or isinstance(proxies, bool) or proxies < 0:
        log.warning("TRUSTED_PROXY_COUNT is not a whole number ≥ 0; no proxy is trusted")
        proxies = 0
    if proxies:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
