"""Helpers that seal events the way WeCom does (real WXBizMsgCrypt through wechatpy) and
post them to the real ``/wecom/callback`` endpoint."""

from __future__ import annotations

import secrets
import time
from xml.etree import ElementTree

import pytest
from wechatpy.enterprise import WeChatCrypto


def seal(
    plaintext: str,
    *,
    token: str,
    aes_key: str,
    corp_id: str,
    timestamp: int | None = None,
    to_user: str | None = None,
) -> tuple[dict[str, str], bytes]:
    """Encrypt and sign one event: ``(query, body)`` as WeCom would send them.

    Each call draws a fresh random prefix and nonce, like a WeCom retry does.
    """
    nonce = str(secrets.randbelow(10**10))
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    sealed = ElementTree.fromstring(
        WeChatCrypto(token, aes_key, corp_id).encrypt_message(plaintext, nonce, stamp)
    )
    query = {
        "msg_signature": sealed.findtext("MsgSignature"),
        "timestamp": stamp,
        "nonce": nonce,
    }
    body = (
        f"<xml><ToUserName><![CDATA[{to_user or corp_id}]]></ToUserName>"
        f"<Encrypt><![CDATA[{sealed.findtext('Encrypt')}]]></Encrypt>"
        "<AgentID><![CDATA[1000002]]></AgentID></xml>"
    ).encode()
    return query, body


def customer_added_xml(
    corp_id: str,
    *,
    userid: str = "zhang.wei",
    external_userid: str = "wmCUST0001",
    created: int = 1767225600,
    state: str = "南京分行·財富講座🎉",
) -> str:
    """A ``change_external_contact / add_external_contact`` event from ``sys``."""
    return (
        f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName>"
        "<FromUserName><![CDATA[sys]]></FromUserName>"
        f"<CreateTime>{created}</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[change_external_contact]]></Event>"
        "<ChangeType><![CDATA[add_external_contact]]></ChangeType>"
        f"<UserID><![CDATA[{userid}]]></UserID>"
        f"<ExternalUserID><![CDATA[{external_userid}]]></ExternalUserID>"
        f"<State><![CDATA[{state}]]></State>"
        "<WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode></xml>"
    )


def text_message_xml(corp_id: str, content: str = "您好，理財產品Ｑ＆Ａ😀") -> str:
    """A plain text message to the self-built app (no handler: stored, then ignored)."""
    return (
        f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName>"
        "<FromUserName><![CDATA[li.na]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{secrets.randbelow(10**18)}</MsgId>"
        "<AgentID>1000002</AgentID></xml>"
    )


@pytest.fixture
def customer_added(app):
    """``customer_added(**fields)``: an add_external_contact event for the app's corp."""
    return lambda **fields: customer_added_xml(app.config["WECOM_CORP_ID"], **fields)


@pytest.fixture
def text_message(app):
    """``text_message(content=…, corp_id=…)``: a plain text message event."""

    def _text(corp_id: str | None = None, **fields) -> str:
        return text_message_xml(corp_id or app.config["WECOM_CORP_ID"], **fields)

    return _text


@pytest.fixture
def sealer(app):
    """``sealer(plaintext, **overrides)`` seals with the app's own callback settings."""

    def _seal(plaintext: str, **overrides) -> tuple[dict[str, str], bytes]:
        settings = {
            "token": app.config["WECOM_CALLBACK_TOKEN"],
            "aes_key": app.config["WECOM_CALLBACK_AES_KEY"],
            "corp_id": app.config["WECOM_CORP_ID"],
        }
        settings.update(overrides)
        return seal(plaintext, **settings)

    return _seal


@pytest.fixture
def deliver(client, sealer):
    """``deliver(plaintext, **overrides)`` seals an event and POSTs it to the endpoint."""

    def _deliver(plaintext: str, **overrides):
        query, body = sealer(plaintext, **overrides)
        return client.post("/wecom/callback", query_string=query, data=body)

    return _deliver
