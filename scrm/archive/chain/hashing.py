"""The hash chain: the canonical form of an archived message and its sha256.

Pure functions, shared by the appender and the verifier so both hash exactly the same bytes.
The canonical form is JSON with sorted keys, no whitespace and UTF-8 text (not ``\\u`` escapes),
so anyone can recompute a hash from an export without our code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

#: ``prev_hash`` of the first message: no message came before it.
GENESIS_HASH = "0" * 64

#: Bumped if the canonical form ever changes; part of every hash, so old rows stay checkable.
CANONICAL_VERSION = 1

#: Every column the hash covers (all of them but ``content_hash`` itself).
HASHED_FIELDS = (
    "id",
    "direction",
    "channel",
    "origin",
    "sender",
    "recipients",
    "chat_ids",
    "msgtype",
    "text",
    "attachments",
    "decision",
    "outcome",
    "hits",
    "lexicon_version",
    "confirmed_reason",
    "attempted_by",
    "idempotency_key",
    "wecom_msgid",
    "seq",
    "sent_at",
    "created_at",
    "prev_hash",
)


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_bytes(values: Mapping[str, Any]) -> bytes:
    """The canonical JSON of one message's hashed fields.

    :param values: a mapping (or row mapping) holding every name in :data:`HASHED_FIELDS`.
    :raise KeyError: when a field is missing.
    """
    record: dict[str, Any] = {"v": CANONICAL_VERSION}
    for name in HASHED_FIELDS:
        value = values[name]
        record[name] = _time(value) if name in ("sent_at", "created_at") else value
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def content_hash(values: Mapping[str, Any]) -> str:
    """sha256 hex of :func:`canonical_bytes`."""
    return hashlib.sha256(canonical_bytes(values)).hexdigest()


def json_value(value: Any) -> Any:
    """``value`` as the database gives JSON back (tuples become lists), so the hash computed
    before the insert equals the one recomputed from the stored row."""
    return json.loads(json.dumps(value, ensure_ascii=False))
