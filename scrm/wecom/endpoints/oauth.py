"""Who opened our page inside WeCom: the OAuth2 code (网页授权, snsapi_base) → identity.

``auth/getuserinfo`` answers ``{userid}`` for a member of the corp and ``{openid,
external_userid}`` for anyone else (a customer opening a shared link). The code is single-use
and lives about five minutes: WeCom answers 40029 for an unknown, used or expired code.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrm.wecom.client import WeComClient

#: errcode for an OAuth code WeCom does not (or no longer) know.
INVALID_CODE = 40029


@dataclass(frozen=True)
class OAuthIdentity:
    """The visitor behind an OAuth code: a member (``userid``) or an outsider (``openid``)."""

    userid: str | None
    openid: str | None = None
    external_userid: str | None = None

    @property
    def is_member(self) -> bool:
        return bool(self.userid)


def get_user_identity(client: WeComClient, code: str) -> OAuthIdentity:
    """Resolve an OAuth code with ``auth/getuserinfo`` (the agent app's token).

    :param client: the agent app's client (``get_client("agent")``).
    :param code: the ``code`` WeCom appended to our redirect URI.
    :raise InvalidRequest: errcode 40029 for an unknown, used or expired code.
    :raise WeComError: for anything else WeCom answered.
    """
    result = client.get("auth/getuserinfo", params={"code": code})
    return OAuthIdentity(
        userid=result.get("userid") or result.get("UserId") or None,
        openid=result.get("openid") or result.get("OpenId") or None,
        external_userid=result.get("external_userid") or None,
    )
