"""The demo's archive source: the WeCom simulator's conversation archive, plugged in as a bank
plugs in its Finance SDK adapter (``ARCHIVE_SOURCE = "scrm.demo.archive_source:archive_source"``;
the tests configure the same).

GetChatData goes over HTTP to the simulator's stand-in for the SDK transport
(``finance/getchatdata``, with the archive app's token); the RSA step is the real one shared
with production (:class:`scrm.archive.ingest.source.PrivateKeys`); the symmetric step is the
simulator's own scheme (AES-256-GCM keyed by the random key, the msgid as associated data),
standing in for Tencent's undocumented ``DecryptData``.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask

from scrm.archive.ingest.source import (
    ArchiveDataExpired,
    ArchiveSource,
    ArchiveSourceError,
    ChatDataItem,
    PrivateKeys,
    UndecryptableMessage,
)
from scrm.wecom.client import WeComClient, get_client
from scrm.wecom.errors import WeComError

NONCE_BYTES = 12


class SimulatorArchiveSource(ArchiveSource):
    """Reads the simulator's archive log as the Finance SDK reads WeCom's."""

    def __init__(self, client: WeComClient, keys: PrivateKeys) -> None:
        self.client = client
        self.keys = keys

    @classmethod
    def from_app(cls, app: Flask) -> SimulatorArchiveSource:
        """Built from ``WECOM_ARCHIVE_SECRET`` and ``ARCHIVE_PRIVATE_KEYS``."""
        return cls(get_client("archive", app), PrivateKeys(app.config["ARCHIVE_PRIVATE_KEYS"]))

    def get_chat_data(self, seq: int, limit: int) -> list[ChatDataItem]:
        try:
            data = self.client.post("finance/getchatdata", data={"seq": seq, "limit": limit})
        except WeComError as exc:
            if exc.errcode == ArchiveDataExpired.sdk_code:
                raise ArchiveDataExpired(
                    f"WeCom no longer holds archive data after seq {seq} (10010): "
                    "the gap cannot be recovered; pull more often"
                ) from None
            raise ArchiveSourceError(f"GetChatData after seq {seq} failed: {exc}") from exc
        return [
            ChatDataItem(
                seq=int(d["seq"]),
                msgid=d["msgid"],
                publickey_ver=int(d["publickey_ver"]),
                encrypt_random_key=d["encrypt_random_key"],
                encrypt_chat_msg=d["encrypt_chat_msg"],
            )
            for d in data.get("chatdata", [])
        ]

    def decrypt(self, item: ChatDataItem) -> dict[str, Any]:
        random_key = self.keys.random_key(item)
        try:
            blob = base64.b64decode(item.encrypt_chat_msg, validate=True)
            nonce, sealed = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
            plaintext = AESGCM(random_key).decrypt(nonce, sealed, item.msgid.encode())
            message = json.loads(plaintext.decode("utf-8"))
        except (binascii.Error, InvalidTag, ValueError) as exc:
            # RSA PKCS#1 v1.5 decryption with the wrong key does not fail (implicit rejection
            # against padding oracles): it yields a wrong random key, which fails here.
            raise UndecryptableMessage(
                f"message seq {item.seq} does not decrypt ({type(exc).__name__}, SDK error "
                f"10006): either ARCHIVE_PRIVATE_KEYS[{item.publickey_ver}] is not the private "
                "half of that version's public key, or the data was altered"
            ) from None
        if not isinstance(message, dict):
            raise UndecryptableMessage(f"message seq {item.seq} is not a JSON object")
        return message


def archive_source(app: Flask) -> SimulatorArchiveSource:
    """The ``ARCHIVE_SOURCE`` factory: the simulator's archive, read with the app's settings."""
    return SimulatorArchiveSource.from_app(app)
