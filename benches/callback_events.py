"""Encrypted WeCom callbacks for the benchmark, built the way WeCom builds them.

The benchmark stands where WeCom stands, so it may use wechatpy's ``WeChatCrypto`` directly
(it is not scrm code). Every event is distinct — its plaintext carries a run marker and a
sequence number — so scrm's dedupe key (a hash of the plaintext) never merges two of them.
"""

from __future__ import annotations

import base64
import random
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import xmltodict
from wechatpy.enterprise import WeChatCrypto

# Fictional credentials, used only between this benchmark and the gunicorn it starts.
CORP_ID = "wwbench0corp0000001"
CALLBACK_TOKEN = "scrmBenchToken2026"
# WeCom issues EncodingAESKey as 43 characters: base64 of 32 bytes, without the "=".
CALLBACK_AES_KEY = base64.b64encode(b"scrm-bench-aes-key-32-bytes-long").decode()[:-1]

# Chinese (simplified, traditional, full-width) and emoji in the fields that carry text.
STATES = ("支行理财沙龙🎉", "分行開戶禮", "ＶＩＰ客户活动", "养老金规划👵", "信用卡積分兌換")


@dataclass(frozen=True)
class Callback:
    """One POST as WeCom sends it: the query string and the XML envelope."""

    path: str
    body: bytes


def _contact_event(seq: int, marker: str, now: int) -> str:
    state = STATES[seq % len(STATES)]
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        "<FromUserName><![CDATA[sys]]></FromUserName>"
        f"<CreateTime>{now}</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[change_external_contact]]></Event>"
        "<ChangeType><![CDATA[add_external_contact]]></ChangeType>"
        f"<UserID><![CDATA[rm{seq % 12:02d}]]></UserID>"
        f"<ExternalUserID><![CDATA[wm{marker}{seq:07d}]]></ExternalUserID>"
        f"<State><![CDATA[{state}]]></State>"
        f"<WelcomeCode><![CDATA[wc{marker}{seq:07d}]]></WelcomeCode>"
        "</xml>"
    )


def _chat_event(seq: int, marker: str, now: int) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        "<FromUserName><![CDATA[sys]]></FromUserName>"
        f"<CreateTime>{now}</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[change_external_chat]]></Event>"
        f"<ChatId><![CDATA[wr{marker}{seq % 40:03d}]]></ChatId>"
        "<ChangeType><![CDATA[update]]></ChangeType>"
        "<UpdateDetail><![CDATA[add_member]]></UpdateDetail>"
        "<JoinScene>3</JoinScene>"
        "<MemChangeCnt>1</MemChangeCnt>"
        f"<MemChangeList><Item><![CDATA[wm{marker}{seq:07d}]]></Item></MemChangeList>"
        f"<LastMemVer><![CDATA[v{seq:07d}]]></LastMemVer>"
        f"<CurMemVer><![CDATA[v{seq + 1:07d}]]></CurMemVer>"
        "</xml>"
    )


def build_callbacks(count: int, marker: str) -> list[Callback]:
    """Encrypt ``count`` distinct events, half customer adds and half group joins.

    :param count: how many callbacks to build.
    :param marker: a short ASCII token that makes this run's ids unique.
    """
    crypto = WeChatCrypto(CALLBACK_TOKEN, CALLBACK_AES_KEY, CORP_ID)
    rng = random.Random(marker)
    now = int(time.time())
    callbacks = []
    for seq in range(count):
        build = _contact_event if seq % 2 == 0 else _chat_event
        plaintext = build(seq, marker, now)
        nonce = str(rng.randrange(10**8, 10**9))
        timestamp = str(now)
        # encrypt_message gives the passive-reply envelope; take its ciphertext and
        # signature and wrap them the way WeCom wraps a pushed event.
        reply = xmltodict.parse(crypto.encrypt_message(plaintext, nonce, timestamp))["xml"]
        envelope = (
            f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
            f"<Encrypt><![CDATA[{reply['Encrypt']}]]></Encrypt>"
            "<AgentID><![CDATA[1000002]]></AgentID></xml>"
        )
        query = urlencode(
            {"msg_signature": reply["MsgSignature"], "timestamp": timestamp, "nonce": nonce}
        )
        callbacks.append(Callback(f"/wecom/callback?{query}", envelope.encode()))
    return callbacks
