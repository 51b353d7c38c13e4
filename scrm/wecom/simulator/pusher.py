"""Pushes encrypted callbacks to the SCRM the way WeCom does.

Each delivery encrypts the plaintext with the WXBizMsgCrypt scheme (wechatpy's ``PrpCrypto``:
a fresh random 16-byte prefix each time) and POSTs
``<xml><ToUserName/><Encrypt/><AgentID/></xml>`` with ``msg_signature``, ``timestamp`` and
``nonce``. WeCom waits 5 s and re-delivers up to 3 times on a timeout, a connection error or
any non-200 answer, so one push makes at most 4 attempts.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import random
import threading
import time
from dataclasses import dataclass

import requests
from wechatpy.enterprise.crypto import PrpCrypto

from scrm.wecom.simulator.virtual_clock import VirtualClock

log = logging.getLogger(__name__)

#: WeCom re-delivers a callback this many times after the first attempt.
MAX_REDELIVERIES = 3


@dataclass(frozen=True)
class Delivery:
    """The outcome of one push: the last HTTP status (``None``: no answer) and attempts."""

    status_code: int | None
    attempts: int
    delivered: bool


def sign(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """WeCom's ``msg_signature``: sha1 over the four values sorted as strings."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


class CallbackPusher:
    """Holds the SCRM's callback URL, Token and EncodingAESKey and delivers events to it."""

    def __init__(self, corp_id: str, agent_id: int, clock: VirtualClock) -> None:
        self.corp_id = corp_id
        self.agent_id = agent_id
        self.clock = clock
        self.timeout = 5.0
        self.retry_delay = 0.0  # seconds between re-deliveries (WeCom's own gap is unpublished)
        # Fault: this many answers are lost on the way back, as when ours come after WeCom's
        # 5 s: the request reached the SCRM in full, but WeCom re-delivers.
        self.lose_answers = 0
        self._lock = threading.Lock()
        self.url: str | None = None
        self.token: str | None = None
        self.aes_key: str | None = None
        self.pending: list[tuple[str, bool]] = []
        self.delivered: list[str] = []  # plaintexts the receiver answered 200 to, in order

    def configure(self, *, url: str | None, token: str, aes_key: str) -> None:
        """Point the pusher at a callback URL (``None`` queues pushes in :attr:`pending`).

        :raise ValueError: when the EncodingAESKey is not 43 base64 characters.
        """
        try:
            key = base64.b64decode(aes_key + "=")
        except ValueError as exc:
            raise ValueError("aes_key must be WeCom's 43-character EncodingAESKey") from exc
        if len(aes_key) != 43 or len(key) != 32:
            raise ValueError("aes_key must be WeCom's 43-character EncodingAESKey")
        with self._lock:
            self.url, self.token, self.aes_key = url, token, aes_key

    def reset(self) -> None:
        """Forget the URL, the pending queue and the delivery log; restore WeCom's timings."""
        with self._lock:
            self.url = self.token = self.aes_key = None
            self.pending.clear()
            self.delivered.clear()
            self.timeout = 5.0
            self.retry_delay = 0.0
            self.lose_answers = 0

    # ---- crypto -------------------------------------------------------------------------

    def _key(self) -> bytes:
        if not self.aes_key or not self.token:
            raise RuntimeError("pusher not configured: call sim.pusher.configure(...) first")
        return base64.b64decode(self.aes_key + "=")

    def encrypt(self, plaintext: str) -> tuple[str, dict[str, str]]:
        """The POST body and query for one delivery; fresh random prefix and nonce each call."""
        encrypted = PrpCrypto(self._key()).encrypt(plaintext, self.corp_id).decode()
        timestamp = str(self.clock.timestamp())
        nonce = str(random.randint(10**8, 10**10))
        query = {
            "msg_signature": sign(self.token or "", timestamp, nonce, encrypted),
            "timestamp": timestamp,
            "nonce": nonce,
        }
        body = (
            f"<xml><ToUserName>{_cdata(self.corp_id)}</ToUserName>"
            f"<Encrypt>{_cdata(encrypted)}</Encrypt>"
            f"<AgentID>{_cdata(str(self.agent_id))}</AgentID></xml>"
        )
        return body, query

    # ---- delivery -----------------------------------------------------------------------

    def push(self, plaintext_xml: str, *, duplicate: bool = False) -> Delivery:
        """Deliver one callback; with ``duplicate`` deliver the same plaintext again after it
        succeeds, freshly encrypted, as WeCom does when it missed our answer.

        With no URL configured the push waits in :attr:`pending` until :meth:`flush`.
        """
        with self._lock:
            if self.url is None:
                self.pending.append((plaintext_xml, duplicate))
                return Delivery(status_code=None, attempts=0, delivered=False)
        delivery = self._deliver(plaintext_xml)
        if duplicate and delivery.delivered:
            again = self._deliver(plaintext_xml)
            delivery = Delivery(again.status_code, delivery.attempts + again.attempts, True)
        return delivery

    def flush(self) -> list[Delivery]:
        """Deliver every pending push, oldest first.

        :raise RuntimeError: when no URL is configured yet.
        """
        if self.url is None:
            raise RuntimeError("no callback URL: call sim.pusher.configure(url=...) first")
        with self._lock:
            queued, self.pending = self.pending, []
        return [self.push(text, duplicate=dup) for text, dup in queued]

    def _deliver(self, plaintext: str) -> Delivery:
        status: int | None = None
        for attempt in range(1, MAX_REDELIVERIES + 2):
            body, query = self.encrypt(plaintext)
            try:
                res = requests.post(
                    self.url or "",
                    params=query,
                    data=body.encode("utf-8"),
                    headers={"Content-Type": "text/xml; charset=utf-8"},
                    timeout=self.timeout,
                )
                status = res.status_code
                with self._lock:
                    if self.lose_answers > 0:
                        self.lose_answers -= 1
                        status = None
                        log.info("callback attempt %d: answer lost (fault)", attempt)
            except requests.RequestException as exc:
                status = None
                log.info("callback attempt %d failed: %s", attempt, type(exc).__name__)
            if status == 200:
                with self._lock:
                    self.delivered.append(plaintext)
                return Delivery(status, attempt, True)
            if attempt <= MAX_REDELIVERIES and self.retry_delay:
                time.sleep(self.retry_delay)
        return Delivery(status, MAX_REDELIVERIES + 1, False)

    def verify_url(self) -> bool:
        """WeCom's URL check: GET with an encrypted random numeric ``echostr``; the answer
        must be the plaintext exactly (no quotes, BOM or newline).

        :raise RuntimeError: when no URL is configured.
        """
        if self.url is None:
            raise RuntimeError("no callback URL: call sim.pusher.configure(url=...) first")
        plain = str(random.randint(10**17, 10**19))
        echostr = PrpCrypto(self._key()).encrypt(plain, self.corp_id).decode()
        timestamp = str(self.clock.timestamp())
        nonce = str(random.randint(10**8, 10**10))
        params = {
            "msg_signature": sign(self.token or "", timestamp, nonce, echostr),
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": echostr,
        }
        try:
            res = requests.get(self.url, params=params, timeout=self.timeout)
        except requests.RequestException:
            return False
        return res.status_code == 200 and res.content == plain.encode()
