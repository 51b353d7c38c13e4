"""Callback crypto: WeCom's WXBizMsgCrypt scheme (signature, AES-256-CBC, receive id).

Built on ``wechatpy.enterprise.WeChatCrypto`` for the key and the cipher, but unpacks the
plaintext strictly itself: wechatpy trusts the padding byte and the length field, so a
ciphertext made with another key comes out as garbage or as a "wrong corp id", where scrm
must answer 400 (undecryptable) and keep 403 for a real signature or corp mismatch.

Every failure is one of two exceptions whose ``reason`` is safe to log (it never contains
the body, the plaintext or the token): :class:`CallbackRejected` (403) and
:class:`CallbackMalformed` (400).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree

from wechatpy.enterprise import WeChatCrypto
from wechatpy.enterprise.crypto import PrpCrypto

from scrm.wecom.events import MalformedEvent, WeComEvent, parse_event

# WeCom pads the plaintext to 32-byte blocks (PKCS#7 with a 32-byte block size).
_PAD_BLOCK = 32
_RANDOM_PREFIX = 16


class CallbackError(Exception):
    """A callback request scrm refuses; ``status`` is the HTTP answer, ``reason`` is loggable."""

    status = 400

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class CallbackRejected(CallbackError):
    """Not from our WeCom corp: bad signature, wrong corp id, or a stale timestamp (403)."""

    status = 403


class CallbackMalformed(CallbackError):
    """Signed correctly but unreadable: not XML, no Encrypt, undecryptable, not an event (400)."""

    status = 400


class CallbackConfigError(ValueError):
    """The callback Token / EncodingAESKey / corp id settings are missing or malformed."""


class CallbackCrypto:
    """Verify and decrypt the callbacks of one WeCom corp.

    :param token: the callback Token (接收事件服务器 → Token).
    :param aes_key: the 43-character EncodingAESKey.
    :param corp_id: the corp id, which WeCom appends to every plaintext as the receive id.
    :param max_skew: seconds a callback timestamp may differ from now; 0 turns the check off.
    :raise CallbackConfigError: when a setting is missing or the key is not 43 base64 chars.
    """

    def __init__(self, token: str, aes_key: str, corp_id: str, *, max_skew: int = 0):
        missing = [
            name
            for name, value in (
                ("WECOM_CALLBACK_TOKEN", token),
                ("WECOM_CALLBACK_AES_KEY", aes_key),
                ("WECOM_CORP_ID", corp_id),
            )
            if not value
        ]
        if missing:
            raise CallbackConfigError(
                f"callbacks are not configured: set {', '.join(missing)} "
                "(WeCom admin → the app → 接收消息 → 设置API接收)"
            )
        if len(aes_key) != 43:
            raise CallbackConfigError(
                f"WECOM_CALLBACK_AES_KEY must be the 43-character EncodingAESKey "
                f"(got {len(aes_key)} characters); copy it again from the WeCom admin"
            )
        try:
            crypto = WeChatCrypto(token, aes_key, corp_id)
        except (AssertionError, binascii.Error, ValueError) as exc:
            raise CallbackConfigError(
                "WECOM_CALLBACK_AES_KEY is not valid base64; copy it again from the WeCom admin"
            ) from exc
        self._token = token.encode()
        self._corp_id = corp_id.encode()
        self._cipher = PrpCrypto(crypto.key).cipher
        self.max_skew = int(max_skew or 0)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CallbackCrypto:
        """Build from an app config (``WECOM_CALLBACK_*`` and ``WECOM_CORP_ID``).

        :raise CallbackConfigError: see the constructor.
        """
        try:
            max_skew = int(config.get("WECOM_CALLBACK_MAX_SKEW") or 0)
        except (TypeError, ValueError) as exc:
            raise CallbackConfigError(
                "WECOM_CALLBACK_MAX_SKEW must be a whole number of seconds (0 turns it off)"
            ) from exc
        return cls(
            str(config.get("WECOM_CALLBACK_TOKEN") or ""),
            str(config.get("WECOM_CALLBACK_AES_KEY") or ""),
            str(config.get("WECOM_CORP_ID") or ""),
            max_skew=max_skew,
        )

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """Answer WeCom's URL verification: the plaintext of ``echostr``.

        :raise CallbackRejected: bad signature, stale timestamp or wrong corp id.
        :raise CallbackMalformed: ``echostr`` does not decrypt.
        """
        if not echostr:
            raise CallbackMalformed("no echostr parameter")
        self._check(msg_signature, timestamp, nonce, echostr)
        return self._open(echostr)

    def decrypt(self, body: bytes, msg_signature: str, timestamp: str, nonce: str) -> str:
        """The plaintext XML of an encrypted callback body.

        :raise CallbackRejected: bad signature, stale timestamp or wrong corp id.
        :raise CallbackMalformed: the body is not XML, has no ``Encrypt``, or does not decrypt.
        """
        encrypt = self._encrypted_part(body)
        self._check(msg_signature, timestamp, nonce, encrypt)
        return self._open(encrypt)

    def read_event(
        self, body: bytes, msg_signature: str, timestamp: str, nonce: str
    ) -> tuple[str, WeComEvent]:
        """Decrypt a callback body and parse it: ``(plaintext, typed event)``.

        :raise CallbackRejected: as :meth:`decrypt`.
        :raise CallbackMalformed: as :meth:`decrypt`, or the plaintext is not a WeCom event.
        """
        plaintext = self.decrypt(body, msg_signature, timestamp, nonce)
        try:
            return plaintext, parse_event(plaintext)
        except MalformedEvent as exc:
            # The parser's reason names the field at fault, never the document's text.
            raise CallbackMalformed(f"decrypted text is not a WeCom XML event: {exc}") from exc

    def _encrypted_part(self, body: bytes) -> str:
        if not body:
            raise CallbackMalformed("empty body")
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError as exc:
            raise CallbackMalformed("body is not XML") from exc
        encrypt = (root.findtext("Encrypt") or "").strip()
        if not encrypt:
            raise CallbackMalformed("body has no Encrypt element")
        to_user = (root.findtext("ToUserName") or "").strip()
        if to_user and to_user.encode() != self._corp_id:
            raise CallbackRejected("ToUserName is not our corp id")
        return encrypt

    def _check(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> None:
        parts = sorted([self._token, timestamp.encode(), nonce.encode(), encrypted.encode()])
        expected = hashlib.sha1(b"".join(parts)).hexdigest()
        if not msg_signature or not hmac.compare_digest(expected, msg_signature.lower()):
            raise CallbackRejected("bad msg_signature")
        if self.max_skew:
            try:
                sent_at = int(timestamp)
            except ValueError as exc:
                raise CallbackRejected("timestamp is not a number") from exc
            if abs(time.time() - sent_at) > self.max_skew:
                raise CallbackRejected(
                    f"timestamp differs from now by more than {self.max_skew}s "
                    "(check the server clock or WECOM_CALLBACK_MAX_SKEW)"
                )

    def _open(self, encrypted: str) -> str:
        try:
            raw = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CallbackMalformed("ciphertext is not base64") from exc
        if not raw or len(raw) % 16:
            raise CallbackMalformed("ciphertext is not a whole number of AES blocks")
        plain = self._cipher.decrypt(raw)
        pad = plain[-1]
        if not 1 <= pad <= _PAD_BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise CallbackMalformed("undecryptable: bad padding (wrong EncodingAESKey?)")
        content = plain[_RANDOM_PREFIX:-pad]
        if len(content) < 4:
            raise CallbackMalformed("undecryptable: plaintext too short")
        length = int.from_bytes(content[:4], "big")
        if length > len(content) - 4:
            raise CallbackMalformed("undecryptable: length field beyond the data")
        message, receive_id = content[4 : 4 + length], content[4 + length :]
        if receive_id != self._corp_id:
            raise CallbackRejected("receive id is not our corp id")
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CallbackMalformed("undecryptable: plaintext is not UTF-8") from exc
