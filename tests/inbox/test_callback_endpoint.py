"""``POST /wecom/callback`` as WeCom and as an attacker would use it."""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
from xml.etree import ElementTree

from sqlalchemy import func, select

from scrm import create_app
from scrm.db import db
from scrm.inbox.models import RECEIVED, InboundEvent
from scrm.inbox.services import dedupe_key

# Another bank's EncodingAESKey: 43 base64 characters of 32 bytes.
OTHER_AES_KEY = "YW5vdGhlci1iYW5rLWFlcy1rZXktMzItYnl0ZXMhISE"


def _stored(app) -> list[InboundEvent]:
    with app.app_context():
        rows = list(db.session.scalars(select(InboundEvent).order_by(InboundEvent.id)))
        db.session.expunge_all()
        return rows


def test_customer_added_event_is_stored_once_and_answered_with_an_empty_200(
    app, deliver, customer_added
):
    plaintext = customer_added()
    response = deliver(plaintext)
    assert response.status_code == 200
    assert response.data == b""
    [row] = _stored(app)
    assert row.payload == plaintext
    assert row.dedupe_key == dedupe_key(plaintext)
    assert (row.msg_type, row.event, row.change_type) == (
        "event",
        "change_external_contact",
        "add_external_contact",
    )
    assert row.status == RECEIVED and row.attempts == 0
    assert "南京分行·財富講座🎉" in row.payload


def test_wecom_retry_with_a_fresh_prefix_and_nonce_is_stored_once(
    app, sealer, client, customer_added
):
    plaintext = customer_added(external_userid="wm客户重试")
    first_query, first_body = sealer(plaintext)
    retry_query, retry_body = sealer(plaintext)
    assert first_body != retry_body  # same event, different ciphertext
    assert (
        client.post("/wecom/callback", query_string=first_query, data=first_body).status_code == 200
    )
    assert (
        client.post("/wecom/callback", query_string=retry_query, data=retry_body).status_code == 200
    )
    assert (
        client.post("/wecom/callback", query_string=first_query, data=first_body).status_code == 200
    )
    assert len(_stored(app)) == 1


def test_two_system_events_in_the_same_second_are_both_kept(app, deliver, customer_added):
    # Both come from "sys" with the same CreateTime: FromUserName+CreateTime would collide.
    assert (
        deliver(customer_added(external_userid="wmＡ客户", created=1767225600)).status_code == 200
    )
    assert (
        deliver(customer_added(external_userid="wmＢ客户", created=1767225600)).status_code == 200
    )
    assert len(_stored(app)) == 2


def test_concurrent_duplicate_deliveries_store_one_row(app, sealer, customer_added):
    plaintext = customer_added(external_userid="wm並發客户")
    sealed = [sealer(plaintext) for _ in range(6)]
    barrier = threading.Barrier(len(sealed))
    statuses: list[int] = []

    def post(query, body):
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/wecom/callback", query_string=query, data=body).status_code)

    threads = [threading.Thread(target=post, args=pair) for pair in sealed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * len(sealed)
    assert len(_stored(app)) == 1


def test_wrong_signature_is_refused_and_nothing_stored(app, sealer, client, text_message):
    query, body = sealer(text_message())
    query["msg_signature"] = "0" * 40
    response = client.post("/wecom/callback", query_string=query, data=body)
    assert response.status_code == 403
    assert b"signature" in response.data
    del query["msg_signature"]
    assert client.post("/wecom/callback", query_string=query, data=body).status_code == 403
    assert _stored(app) == []


def test_event_sealed_for_another_corp_is_refused(app, deliver, text_message):
    plaintext = text_message("wwOTHERcorp0000001")
    # Inner receive id is another corp's, outer ToUserName claims to be ours.
    response = deliver(plaintext, corp_id="wwOTHERcorp0000001", to_user=app.config["WECOM_CORP_ID"])
    assert response.status_code == 403
    # Outer ToUserName names another corp.
    response = deliver(text_message(), to_user="wwOTHERcorp0000001")
    assert response.status_code == 403
    assert _stored(app) == []


def test_garbage_bodies_are_answered_400_and_nothing_stored(app, client, sealer, text_message):
    query, _ = sealer(text_message())
    for body in (
        b"",
        b"not xml at all \xe4\xbd\xa0\xe5\xa5\xbd",
        b"<xml><ToUserName>x</ToUserName></xml>",
    ):
        response = client.post("/wecom/callback", query_string=query, data=body)
        assert response.status_code == 400, body
    assert _stored(app) == []


def test_undecryptable_ciphertext_is_answered_400(app, client):
    token = app.config["WECOM_CALLBACK_TOKEN"]
    stamp, nonce = str(int(time.time())), "20260101"
    for encrypted in (
        base64.b64encode(bytes(range(48))).decode(),  # whole blocks of nonsense
        base64.b64encode(b"seventeen bytes!!").decode(),  # not a whole number of blocks
        "这不是base64",
    ):
        signature = _sign(token, stamp, nonce, encrypted)
        corp = app.config["WECOM_CORP_ID"]
        body = f"<xml><ToUserName>{corp}</ToUserName><Encrypt>{encrypted}</Encrypt></xml>"
        response = client.post(
            "/wecom/callback",
            query_string={"msg_signature": signature, "timestamp": stamp, "nonce": nonce},
            data=body.encode(),
        )
        assert response.status_code == 400, encrypted
    assert _stored(app) == []


def test_event_sealed_with_another_aes_key_is_answered_400(app, deliver, text_message):
    assert len(OTHER_AES_KEY) == 43
    response = deliver(text_message(), aes_key=OTHER_AES_KEY)
    assert response.status_code == 400
    assert _stored(app) == []


def test_decrypted_text_that_is_not_a_wecom_event_is_answered_400(app, deliver):
    for plaintext in ("客户经理说：这不是XML", "<xml><Content>没有MsgType</Content></xml>"):
        assert deliver(plaintext).status_code == 400
    assert _stored(app) == []


def test_stale_timestamp_is_refused(app, deliver, text_message):
    assert app.config["WECOM_CALLBACK_MAX_SKEW"] == 300
    plaintext = text_message()
    assert deliver(plaintext, timestamp=int(time.time()) - 3600).status_code == 403
    assert deliver(plaintext, timestamp=int(time.time()) + 3600).status_code == 403
    assert _stored(app) == []
    assert deliver(plaintext, timestamp=int(time.time()) - 60).status_code == 200


def test_url_verification_with_our_settings(app, client, sealer):
    echo = "4826391057736251905"
    query, body = sealer(echo)
    encrypted = ElementTree.fromstring(body).findtext("Encrypt")
    query["echostr"] = encrypted
    query["msg_signature"] = _sign(
        app.config["WECOM_CALLBACK_TOKEN"], query["timestamp"], query["nonce"], encrypted
    )
    response = client.get("/wecom/callback", query_string=query)
    assert (response.status_code, response.data) == (200, echo.encode())
    query["echostr"] = encrypted[:-4] + "AAA="
    assert client.get("/wecom/callback", query_string=query).status_code == 403


def test_refusals_and_deliveries_never_log_the_plaintext_or_the_token(
    app, deliver, caplog, text_message
):
    secret_words = "客户王小明的存款500萬"
    plaintext = text_message(content=secret_words)
    with caplog.at_level(logging.DEBUG):
        assert deliver(plaintext).status_code == 200
        assert deliver(plaintext).status_code == 200
        assert deliver(plaintext, aes_key=OTHER_AES_KEY).status_code == 400
        assert deliver(plaintext, token="wrong-token").status_code == 403
    assert "refused" in caplog.text
    for secret in (secret_words, app.config["WECOM_CALLBACK_TOKEN"], "wrong-token"):
        assert secret not in caplog.text


def test_callbacks_without_settings_answer_503_naming_the_setting(
    app, sealer, client, text_message
):
    query, body = sealer(text_message())
    app.config["WECOM_CALLBACK_AES_KEY"] = ""
    response = client.post("/wecom/callback", query_string=query, data=body)
    assert response.status_code == 503
    assert b"WECOM_CALLBACK_AES_KEY" in response.data
    assert _stored(app) == []


def _sign(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def test_stored_rows_count_matches_distinct_events(app, deliver, customer_added):
    events = [customer_added(external_userid=f"wm客户{i:03d}") for i in range(5)]
    for plaintext in events + events:
        assert deliver(plaintext).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(InboundEvent)) == 5


def test_a_signed_event_whose_create_time_is_in_milliseconds_is_answered_400_with_one_line(
    app, deliver, caplog, customer_added
):
    # WeCom sends seconds; a millisecond CreateTime would be the year 57970.
    plaintext = customer_added(external_userid="wm毫秒客户", created=1767225600123)
    with caplog.at_level(logging.DEBUG):
        response = deliver(plaintext)
    assert response.status_code == 400
    assert b"CreateTime" in response.data and b"2000" in response.data
    assert _stored(app) == []
    [line] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert line.levelno == logging.WARNING and line.exc_info is None
    assert "CreateTime" in line.getMessage()
    assert "wm毫秒客户" not in caplog.text and "1767225600123" not in caplog.text


def test_a_signed_callback_during_a_database_outage_is_a_503_that_wecom_retries(
    app_config, sealer, customer_added, tmp_path, caplog
):
    down = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/gone/x.db"})
    down.testing = False  # as in production: an unhandled error would be a traceback-500
    query, body = sealer(customer_added(external_userid="wm停電客户"))
    with caplog.at_level(logging.WARNING):
        response = down.test_client().post("/wecom/callback", query_string=query, data=body)
    assert response.status_code == 503 and response.mimetype == "text/plain"
    assert "wm停電客户" not in caplog.text and "Traceback" not in caplog.text
    with down.app_context():
        db.engine.dispose()
