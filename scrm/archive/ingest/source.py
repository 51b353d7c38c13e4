"""Where archived chats come from: the :class:`ArchiveSource` interface, the RSA step every
source shares, and :func:`archive_source`, which builds the one ``ARCHIVE_SOURCE`` names (the
bank's Finance SDK adapter in production; whatever stand-in a demo or test configures).

WeCom hands each message out encrypted: ``encrypt_random_key`` is a random key RSA-encrypted
(PKCS#1 v1.5) with the public key the bank uploaded under ``publickey_ver``; the bank's
private key for that version recovers it, and a source-specific symmetric step (the SDK's
``DecryptData``) turns ``encrypt_chat_msg`` into the message JSON.
"""

from __future__ import annotations

import base64
import importlib
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import Flask

from scrm.errors import ScrmError


class ArchiveSourceError(ScrmError):
    """The archive cannot be read; ``sdk_code`` is the Finance SDK's error number, if any."""

    sdk_code: int | None = None


class MissingPrivateKey(ArchiveSourceError):
    """SDK 10007: no private key configured for a message's ``publickey_ver``."""

    sdk_code = 10007


class UndecryptableMessage(ArchiveSourceError):
    """SDK 10006/10008: the key or the message does not decrypt (wrong key, bad data)."""

    sdk_code = 10006


class ArchiveDataExpired(ArchiveSourceError):
    """SDK 10010: WeCom no longer holds the data asked for (it keeps a few days only)."""

    sdk_code = 10010


@dataclass(frozen=True)
class ChatDataItem:
    """One ``chatdata`` entry of GetChatData, still encrypted."""

    seq: int
    msgid: str
    publickey_ver: int
    encrypt_random_key: str
    encrypt_chat_msg: str


class ArchiveSource(ABC):
    """Reads WeCom's conversation archive in ``seq`` order."""

    #: The cursor under which the last ingested seq is remembered.
    cursor_name = "conversation_archive"

    @abstractmethod
    def get_chat_data(self, seq: int, limit: int) -> list[ChatDataItem]:
        """Messages after ``seq``, oldest first, at most ``limit`` (≤1000).

        :raise ArchiveDataExpired: when WeCom answers 10010.
        :raise ArchiveSourceError: for any other failure (network, IP, secret …).
        """

    @abstractmethod
    def decrypt(self, item: ChatDataItem) -> dict[str, Any]:
        """The plaintext message JSON of one item.

        :raise MissingPrivateKey: no key for ``item.publickey_ver``.
        :raise UndecryptableMessage: the key or the data is wrong.
        """


class PrivateKeys:
    """The bank's RSA private keys by ``publickey_ver`` (``ARCHIVE_PRIVATE_KEYS``).

    Each value is a PEM text or the path of a PEM file (keep keys out of the repository).
    """

    def __init__(self, keys: Mapping[Any, str]) -> None:
        self._pems = {}
        for version, value in (keys or {}).items():
            try:
                self._pems[int(version)] = value
            except (TypeError, ValueError):
                raise ArchiveSourceError(
                    f"ARCHIVE_PRIVATE_KEYS: {version!r} is not a publickey_ver number; "
                    "key the map by the version WeCom shows beside each public key"
                ) from None
        self._loaded: dict[int, rsa.RSAPrivateKey] = {}

    def key(self, version: int) -> rsa.RSAPrivateKey:
        """:raise MissingPrivateKey: when ``version`` is not configured or does not load."""
        if version in self._loaded:
            return self._loaded[version]
        pem = self._pems.get(version)
        if pem is None:
            known = ", ".join(str(v) for v in sorted(self._pems)) or "none"
            raise MissingPrivateKey(
                f"no private key for publickey_ver {version} (SDK error 10007): add it to "
                f"ARCHIVE_PRIVATE_KEYS as {{{version}: '<PEM or path>'}}; configured: {known}"
            )
        try:
            data = pem.encode() if pem.lstrip().startswith("-----BEGIN") else _read(pem)
            key = serialization.load_pem_private_key(data, password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise MissingPrivateKey(
                f"ARCHIVE_PRIVATE_KEYS[{version}] is not a readable unencrypted RSA private "
                f"key in PEM ({type(exc).__name__}); give the PEM text or a path to it"
            ) from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise MissingPrivateKey(f"ARCHIVE_PRIVATE_KEYS[{version}] is not an RSA key")
        self._loaded[version] = key
        return key

    def random_key(self, item: ChatDataItem) -> bytes:
        """Recover the message's random key (RSA PKCS#1 v1.5, the key of its version).

        :raise MissingPrivateKey: no key for the version.
        :raise UndecryptableMessage: the key does not match (wrong key for this version).
        """
        key = self.key(item.publickey_ver)
        try:
            return key.decrypt(base64.b64decode(item.encrypt_random_key), padding.PKCS1v15())
        except ValueError:
            raise UndecryptableMessage(
                f"message seq {item.seq}: encrypt_random_key does not decrypt with the key "
                f"configured for publickey_ver {item.publickey_ver} (SDK error 10008); check "
                "that ARCHIVE_PRIVATE_KEYS holds the private half of that version's public key"
            ) from None


def _read(path: str) -> bytes:
    with open(os.path.expanduser(path), "rb") as handle:
        return handle.read()


def archive_source(app: Flask) -> ArchiveSource | None:
    """The source ``ARCHIVE_SOURCE`` names, or ``None`` when archive ingest is off.

    :raise ArchiveSourceError: when the setting names nothing importable.
    """
    name = (app.config.get("ARCHIVE_SOURCE") or "").strip()
    if not name:
        return None
    module_name, _, attr = name.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr or "archive_source")
    except (ImportError, AttributeError) as exc:
        raise ArchiveSourceError(
            f"ARCHIVE_SOURCE={name!r} cannot be imported ({exc}); use '' (off) or "
            "'package.module:factory' (see docs/conversation-archive.md)"
        ) from None
    return factory(app)
