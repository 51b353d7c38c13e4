"""The official WeCom sample vectors (reference §3.1, sets A and B, and wechatpy's set W)
through the real ``/wecom/callback`` endpoint."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scrm import create_app
from scrm.db import db
from scrm.inbox.models import IGNORED, InboundEvent
from scrm.worker.runner import run_worker

SET_A = {
    "token": "QDG6eK",
    "aes_key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
    "corp_id": "wx5823bf96d3bd56c7",
    # The echostr exactly as WeCom URL-encodes it.
    "verify": "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589"
    "&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3z"
    "Ndtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D",
    "echo": b"1616140317555161061",
    "post": "msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813"
    "&nonce=1372623149",
    "body": "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA["
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qcz"
    "cdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8q"
    "Ljvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4"
    "LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+"
    "rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0l"
    "XdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID>"
    "</xml>",
    "plaintext": "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n"
    "<FromUserName><![CDATA[mycreate]]></FromUserName>\n"
    "<CreateTime>1409659813</CreateTime>\n"
    "<MsgType><![CDATA[text]]></MsgType>\n"
    "<Content><![CDATA[hello]]></Content>\n"
    "<MsgId>4561255354251345929</MsgId>\n"
    "<AgentID>218</AgentID>\n"
    "</xml>",
}

SET_B = {
    "token": "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
    "aes_key": "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
    "corp_id": "ww1436e0e65a779aee",
    "verify": "msg_signature=012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb&timestamp=1476416373"
    "&nonce=47744683&echostr=fsi1xnbH4yQh0%2BPJxcOdhhK6TDXkjMyhEPA7xB2TGz6b%2Bg7xyAbEkRxN"
    "%2F3cNXW9qdqjnoVzEtpbhnFyq6SVHyA%3D%3D",
    "echo": b"1288432023552776189",
    "post": "msg_signature=0c3914025cb4b4d68103f6bfc8db550f79dcf48e&timestamp=1476422779"
    "&nonce=1597212914",
    "body": "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><Encrypt><![CDATA["
    "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3Nye"
    "TkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde"
    "0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrd"
    "kJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84Ep"
    "HSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+]]></Encrypt>"
    "<AgentID><![CDATA[1000002]]></AgentID></xml>",
    "plaintext": "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun"
    "</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好"
    "</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>",
}

# wechatpy's own tests/test_crypto.py vector: URL verification only.
SET_W = {
    "token": "123456",
    "aes_key": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
    "corp_id": "wx49f0ab532d5d035a",
    "verify": "msg_signature=dd6b9c95b495b3f7e2901bfbc76c664930ffdb96&timestamp=1411443780"
    "&nonce=437374425&echostr=4ByGGj%2BsVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1%2BbXF"
    "XDQQb1o6co6Yh9Bv41n7hOchLF6p%2BQ%3D%3D",
    "echo": b"5927782489442352469",
}


@pytest.fixture(params=["A", "B"])
def vector(request):
    return {"A": SET_A, "B": SET_B}[request.param]


def _vector_app(app_config, vector):
    return create_app(
        {
            **app_config,
            "WECOM_CALLBACK_TOKEN": vector["token"],
            "WECOM_CALLBACK_AES_KEY": vector["aes_key"],
            "WECOM_CORP_ID": vector["corp_id"],
            # The samples are from 2014 and 2016.
            "WECOM_CALLBACK_MAX_SKEW": 0,
        }
    )


@pytest.mark.parametrize("vector", [SET_A, SET_B, SET_W], ids=["A", "B", "W"])
def test_url_verification_answers_the_bare_echostr(app_config, vector):
    app = _vector_app(app_config, vector)
    response = app.test_client().get("/wecom/callback?" + vector["verify"])
    assert response.status_code == 200
    assert response.data == vector["echo"]
    assert response.mimetype == "text/plain"


def test_sample_message_is_stored_decrypted_and_ignored_by_the_worker(app_config, vector):
    app = _vector_app(app_config, vector)
    response = app.test_client().post(
        "/wecom/callback?" + vector["post"],
        data=vector["body"].encode(),
        content_type="text/xml",
    )
    assert response.status_code == 200
    assert response.data == b""
    with app.app_context():
        row = db.session.scalars(select(InboundEvent)).one()
        assert row.payload == vector["plaintext"]
        assert row.msg_type == "text"
        db.session.remove()
    assert run_worker(app, once=True) == {"inbox": {IGNORED: 1}, "outbox": {}}
    with app.app_context():
        assert db.session.scalars(select(InboundEvent.status)).one() == IGNORED
        db.session.remove()
        db.engine.dispose()


def test_sample_message_with_one_flipped_signature_digit_is_refused(app_config, vector):
    app = _vector_app(app_config, vector)
    signature = vector["post"].split("&")[0].split("=")[1]
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    post = vector["post"].replace(signature, flipped)
    response = app.test_client().post("/wecom/callback?" + post, data=vector["body"].encode())
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalars(select(InboundEvent)).all() == []
        db.session.remove()
        db.engine.dispose()
