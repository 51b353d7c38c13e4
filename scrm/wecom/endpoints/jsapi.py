"""JS-SDK tickets (jsapi_ticket) for the sidebar's ``wx.config`` and ``wx.agentConfig``.

Both are fetched with the agent app's token: the corp ticket (``get_jsapi_ticket``) signs
``wx.config``; the app ticket (``ticket/get?type=agent_config``) signs ``wx.agentConfig`` and
must come from the same app whose agentid the page passes. Each lives 7200 s, and WeCom
allows 400 fetches an hour per corp and 100 per app, so callers cache them (scrm.web.jssdk).
"""

from __future__ import annotations

from dataclasses import dataclass

from scrm.wecom.client import WeComClient


@dataclass(frozen=True)
class JsapiTicket:
    ticket: str
    expires_in: int


def get_corp_ticket(client: WeComClient) -> JsapiTicket:
    """The corp's jsapi ticket (signs ``wx.config``).

    :raise WeComError: what WeCom answered (e.g. 45009 past the hourly fetch limit).
    """
    result = client.get("get_jsapi_ticket")
    return JsapiTicket(result["ticket"], int(result.get("expires_in", 7200)))


def get_agent_ticket(client: WeComClient) -> JsapiTicket:
    """The agent app's jsapi ticket (signs ``wx.agentConfig``).

    :raise WeComError: what WeCom answered.
    """
    result = client.get("ticket/get", params={"type": "agent_config"})
    return JsapiTicket(result["ticket"], int(result.get("expires_in", 7200)))
