"""Mainland mobile numbers in bulk-add tasks: normalised, hashed, masked and sealed.

The choice: a task keeps the number three ways, never in plain text.

- ``mobile_sha256`` (sha256 of the 11 digits, as ``bank_customer.mobile_sha256``) to match an
  add's ``remark_mobiles`` and the bank's customers;
- ``mobile_masked`` (138****1234) for lists, reports and logs;
- ``mobile_sealed``: AES-256-GCM under a key derived from the app's ``SECRET_KEY``, opened
  only to show the RM their own task list, because they must type the number into WeCom.

A database dump alone therefore reveals no number. Rotating ``SECRET_KEY`` makes old sealed
numbers unreadable (the task list then shows the masked form and says so); hashes and masks
keep working.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

MOBILE = re.compile(r"1[3-9]\d{9}")
_NOISE = re.compile(r"[\s\-－—()（）+＋]")
_KEY_CONTEXT = b"scrm acquisition mobile v1:"


def normalise_mobile(raw: object) -> str | None:
    """The 11-digit mainland mobile in ``raw`` (full-width digits, spaces, dashes and a +86
    prefix allowed), or ``None`` when it is not one."""
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if text.endswith(".0"):  # a spreadsheet cell read as a number
        text = text[:-2]
    text = _NOISE.sub("", text)
    if len(text) == 13 and text.startswith("86"):
        text = text[2:]
    return text if MOBILE.fullmatch(text) else None


def mobile_sha256(mobile: str) -> str:
    """The sha256 hex of an 11-digit mobile (the same as ``bank_customer.mobile_sha256``)."""
    return hashlib.sha256(mobile.encode("ascii")).hexdigest()


def mask_mobile(mobile: str) -> str:
    """138****1234."""
    return f"{mobile[:3]}****{mobile[-4:]}"


def _key() -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hashlib.sha256(_KEY_CONTEXT + secret).digest()


def seal_mobile(mobile: str) -> str:
    """The number sealed with AES-256-GCM (random 96-bit nonce), as URL-safe base64."""
    nonce = os.urandom(12)
    sealed = AESGCM(_key()).encrypt(nonce, mobile.encode("ascii"), _KEY_CONTEXT)
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def open_mobile(sealed: str) -> str | None:
    """The number inside ``sealed``, or ``None`` when the key changed or the value is bad."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
        return AESGCM(_key()).decrypt(raw[:12], raw[12:], _KEY_CONTEXT).decode("ascii")
    except (InvalidTag, ValueError, UnicodeError):
        return None
