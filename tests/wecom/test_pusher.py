"""The simulator pushes callbacks the way WeCom does: WXBizMsgCrypt-encrypted, signed,
re-delivered up to 3 times on failure, and verifiable with wechatpy's own crypto."""

from __future__ import annotations

import socket

import pytest
import xmltodict
from wechatpy.exceptions import InvalidSignatureException

from scrm.wecom.events import ExternalContactChanged, parse_event

AES_KEY = "c2NybS10ZXN0LWFlcy1rZXktMzItYnl0ZXMtbG9uZyE"
PLAINTEXT = (
    "<xml><ToUserName><![CDATA[wwscrm0test0corp01]]></ToUserName>"
    "<FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1700000000</CreateTime>"
    "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event>"
    "<ChangeType><![CDATA[edit_external_contact]]></ChangeType><UserID><![CDATA[张三]]></UserID>"
    "<ExternalUserID><![CDATA[wm王小明🐼]]></ExternalUserID></xml>"
)


def test_pushed_callback_verifies_and_decrypts_with_wechatpy(sim, receiver):
    sim.clock.set(1_700_000_123)
    delivery = sim.pusher.push(PLAINTEXT)
    assert (delivery.status_code, delivery.attempts, delivery.delivered) == (200, 1, True)
    assert receiver.decrypt_all() == [PLAINTEXT]
    args, body = receiver.posts()[0]
    assert args["timestamp"] == "1700000123"
    envelope = xmltodict.parse(body)["xml"]
    assert envelope["ToUserName"] == "wwscrm0test0corp01"
    assert envelope["AgentID"] == str(sim.agent_id)


def test_a_tampered_nonce_breaks_the_signature(sim, receiver):
    sim.pusher.push(PLAINTEXT)
    args, body = receiver.posts()[0]
    args["nonce"] += "1"
    with pytest.raises(InvalidSignatureException):
        receiver.decrypt(args, body)


def test_non_200_answers_are_redelivered_with_fresh_encryption(sim, receiver):
    receiver.script = [500, 503]
    delivery = sim.pusher.push(PLAINTEXT)
    assert (delivery.status_code, delivery.attempts, delivery.delivered) == (200, 3, True)
    assert receiver.decrypt_all() == [PLAINTEXT] * 3
    ciphertexts = {body for _, body in receiver.posts()}
    nonces = {args["nonce"] for args, _ in receiver.posts()}
    assert len(ciphertexts) == 3 and len(nonces) == 3


def test_wecom_gives_up_after_three_redeliveries(sim, receiver):
    receiver.script = [500] * 10
    delivery = sim.pusher.push(PLAINTEXT)
    assert (delivery.status_code, delivery.attempts, delivery.delivered) == (500, 4, False)
    assert len(receiver.posts()) == 4


def test_a_slow_answer_counts_as_a_timeout_and_is_redelivered(sim, receiver):
    sim.pusher.timeout = 0.2  # WeCom waits 5 s; the test need not
    receiver.script = [0.6]
    delivery = sim.pusher.push(PLAINTEXT)
    assert (delivery.attempts, delivery.delivered) == (2, True)


def test_unreachable_endpoint_is_tried_four_times(sim):
    with socket.socket() as probe:  # a port nobody listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sim.pusher.configure(url=f"http://127.0.0.1:{port}/cb", token="t", aes_key=AES_KEY)
    delivery = sim.pusher.push(PLAINTEXT)
    assert (delivery.status_code, delivery.attempts, delivery.delivered) == (None, 4, False)


def test_duplicate_mode_delivers_the_same_plaintext_twice(sim, receiver):
    delivery = sim.pusher.push(PLAINTEXT, duplicate=True)
    assert (delivery.attempts, delivery.delivered) == (2, True)
    assert receiver.decrypt_all() == [PLAINTEXT, PLAINTEXT]
    assert receiver.posts()[0][1] != receiver.posts()[1][1]


def test_pushes_wait_until_a_url_is_configured_then_flush(sim, receiver):
    url = receiver.url
    sim.pusher.url = None
    queued = sim.pusher.push(PLAINTEXT)
    assert (queued.attempts, queued.delivered, len(sim.pusher.pending)) == (0, False, 1)
    assert receiver.posts() == []
    sim.pusher.url = url
    assert [d.delivered for d in sim.pusher.flush()] == [True]
    assert sim.pusher.pending == [] and receiver.decrypt_all() == [PLAINTEXT]


def test_url_verification_expects_the_exact_decrypted_echostr(sim, receiver):
    assert sim.pusher.verify_url() is True
    receiver.echo_answer = '"123"'
    assert sim.pusher.verify_url() is False


def test_a_bad_aes_key_is_refused_with_the_fix(sim):
    with pytest.raises(ValueError, match="43-character EncodingAESKey"):
        sim.pusher.configure(url="http://127.0.0.1:9/cb", token="t", aes_key="short")


def test_operator_event_parses_into_the_typed_event(sim, receiver, bank):
    outcome = sim.operator.customer_adds_rm("zhangsan", name="新客户🌸", state="渠道-陆家嘴")
    event = parse_event(receiver.decrypt_all()[0])
    assert isinstance(event, ExternalContactChanged)
    assert (event.change_type, event.userid) == ("add_external_contact", "zhangsan")
    assert (event.external_userid, event.state) == (outcome.external_userid, "渠道-陆家嘴")
    assert event.welcome_code == outcome.welcome_code
    assert event.from_user == "sys" and event.to_user == sim.corp_id
