"""WeCom errors, translated in one place into one typed exception family.

Retry policy lives with the types: :class:`TokenExpired` → refresh the token once;
:class:`WeComBusy` → back off with jitter and retry a bounded number of times; everything
else (:class:`PermissionDenied`, :class:`IpNotAllowed`, :class:`InvalidRequest` …) is never
retried.
"""

from __future__ import annotations


class WeComError(Exception):
    """A WeCom API call failed. ``errcode`` is WeCom's code (``None`` for transport errors)."""

    retryable = False

    def __init__(self, errcode: int | None, errmsg: str, path: str = ""):
        self.errcode = errcode
        self.errmsg = errmsg
        self.path = path
        super().__init__(f"WeCom {path or 'call'} failed: errcode={errcode} {errmsg}".strip())


class TokenExpired(WeComError):
    """40014 / 42001 / 41001: the access token is invalid, expired or missing."""


class InvalidCredential(WeComError):
    """40001 / 40013: the corp id or secret is wrong — fix WECOM_CORP_ID or the secret."""


class WeComBusy(WeComError):
    """-1 / 45009 / 45033: WeCom is busy or we are over a rate limit; retry later."""

    retryable = True


class WeComUnavailable(WeComError):
    """The HTTP call itself failed (timeout, connection error, 5xx)."""

    retryable = True


class PermissionDenied(WeComError):
    """48002: the app has no permission for this API (check 可调用接口的应用 / visible range)."""


class IpNotAllowed(WeComError):
    """60020: this server's IP is not in the app's 企业可信IP list."""


class InvalidRequest(WeComError):
    """A 4xxxx/8xxxx parameter or business error: the request itself must change."""


TOKEN_ERRCODES = frozenset({40014, 42001, 41001})
BUSY_ERRCODES = frozenset({-1, 45009, 45033})

_BY_CODE: dict[int, type[WeComError]] = {
    40001: InvalidCredential,
    40013: InvalidCredential,
    48002: PermissionDenied,
    60020: IpNotAllowed,
    **{code: TokenExpired for code in TOKEN_ERRCODES},
    **{code: WeComBusy for code in BUSY_ERRCODES},
}


def translate(errcode: int | None, errmsg: str | None, path: str = "") -> WeComError:
    """The typed exception for a WeCom ``errcode`` (``None`` means a transport failure)."""
    if errcode is None:
        return WeComUnavailable(None, errmsg or "transport error", path)
    cls = _BY_CODE.get(int(errcode), InvalidRequest)
    return cls(int(errcode), errmsg or "", path)
