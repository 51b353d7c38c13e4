"""``/wecom/callback``: WeCom's URL verification and its encrypted event deliveries.

The POST path stays lean (it is benchmarked against a hello-world): verify, decrypt, insert
once, commit, answer 200 with an empty body. The worker applies the event later.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from scrm.db import db
from scrm.inbox.services import record_event
from scrm.wecom.callbacks import CallbackConfigError, CallbackCrypto, CallbackError

log = logging.getLogger(__name__)

bp = Blueprint("wecom_callback", __name__)

# WeCom events are a few hundred bytes; anything this big is not one of them.
MAX_BODY_BYTES = 256 * 1024

_SETTINGS = ("WECOM_CALLBACK_TOKEN", "WECOM_CALLBACK_AES_KEY", "WECOM_CORP_ID")


def _crypto() -> CallbackCrypto:
    # Built once per process and settings, not per request: key derivation is not free.
    config = current_app.config
    key = tuple(config.get(name) for name in (*_SETTINGS, "WECOM_CALLBACK_MAX_SKEW"))
    cached = current_app.extensions.get("scrm.wecom.callback_crypto")
    if cached is None or cached[0] != key:
        cached = (key, CallbackCrypto.from_config(config))
        current_app.extensions["scrm.wecom.callback_crypto"] = cached
    return cached[1]


def _refused(what: str, status: int, reason: str) -> Response:
    # The reason never holds the body, the plaintext or the token, so it is safe to log.
    log.warning("WeCom %s refused (%d) from %s: %s", what, status, request.remote_addr, reason)
    return Response(reason, status=status, mimetype="text/plain")


@bp.get("/wecom/callback")
def verify_callback_url():
    """Answer WeCom's URL verification with the bare decrypted ``echostr``."""
    args = request.args
    try:
        echo = _crypto().verify_url(
            args.get("msg_signature", ""),
            args.get("timestamp", ""),
            args.get("nonce", ""),
            args.get("echostr", ""),
        )
    except CallbackConfigError as exc:
        return _refused("URL verification", 503, str(exc))
    except CallbackError as exc:
        return _refused("URL verification", exc.status, exc.reason)
    return Response(echo, mimetype="text/plain")


@bp.post("/wecom/callback")
def receive_callback():
    """Store an encrypted WeCom event once and answer 200 at once (duplicates too)."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return _refused("callback", 400, f"body larger than {MAX_BODY_BYTES} bytes")
    body = request.get_data(cache=False)
    if len(body) > MAX_BODY_BYTES:  # chunked bodies carry no Content-Length
        return _refused("callback", 400, f"body larger than {MAX_BODY_BYTES} bytes")
    args = request.args
    try:
        plaintext, event = _crypto().read_event(
            body,
            args.get("msg_signature", ""),
            args.get("timestamp", ""),
            args.get("nonce", ""),
        )
    except CallbackConfigError as exc:
        return _refused("callback", 503, str(exc))
    except CallbackError as exc:
        return _refused("callback", exc.status, exc.reason)
    # One short transaction on a bare connection: no ORM session on this hot path, and the
    # SQLite write lock is held only for the insert itself.
    with db.engine.begin() as connection:
        created = record_event(plaintext, event, connection=connection)
    if not created:
        log.debug("duplicate WeCom delivery of %s/%s ignored", event.event, event.change_type)
    return Response(b"", status=200, mimetype="text/plain")
