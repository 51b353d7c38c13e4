"""JS-SDK registration: WeCom's signature algorithm, tickets cached for every process, and the
signatures a sidebar page asks for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from scrm import create_app
from scrm.db import db, utcnow
from scrm.web.jssdk import jsapi_signature
from scrm.wecom.models import WeComToken
from scrm.wecom.simulator.api_directory import _ticket

PAGE = "http://localhost/sidebar/?entry=single_chat_tools"


def test_the_signature_matches_wecoms_reference_vector():
    ticket = (
        "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
    )
    signature = jsapi_signature(
        ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value"
    )
    assert signature == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    with_fragment = "http://mp.weixin.qq.com?params=value#/客户/详情"
    assert jsapi_signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, with_fragment) == signature


@pytest.fixture
def rm(app_ctx, sim, sign_in_as, create_staff):
    staff = create_staff("lin.xiaomei", "林小美", roles=["rm"])
    db.session.commit()
    sign_in_as(staff)
    return staff


def test_a_sidebar_page_gets_both_signatures_for_its_own_address(client, rm, sim, app):
    answer = client.get("/api/jssdk/config", query_string={"url": PAGE + "#top"})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["url"] == PAGE
    config, agent = body["config"], body["agent_config"]
    assert config["appId"] == app.config["WECOM_CORP_ID"] and config["beta"] is True
    assert agent["corpid"] == app.config["WECOM_CORP_ID"]
    assert agent["agentid"] == app.config["WECOM_AGENT_ID"]
    corp_ticket, agent_ticket = (
        _ticket(sim, "corp")["ticket"],
        _ticket(sim, "agent_config")["ticket"],
    )
    assert config["signature"] == jsapi_signature(
        corp_ticket, config["nonceStr"], config["timestamp"], PAGE
    )
    assert agent["signature"] == jsapi_signature(
        agent_ticket, agent["nonceStr"], agent["timestamp"], PAGE
    )


def test_tickets_are_fetched_once_and_shared_with_other_processes(client, rm, sim, app_config):
    for _ in range(3):
        assert client.get("/api/jssdk/config", query_string={"url": PAGE}).status_code == 200
    assert len(sim.calls_to("get_jsapi_ticket")) == 1
    assert len(sim.calls_to("ticket/get")) == 1
    other_process = create_app(app_config)  # its own clients and memory, the same database
    with other_process.test_request_context("/"):
        from scrm.web.jssdk import current_ticket

        assert current_ticket("corp") == _ticket(sim, "corp")["ticket"]
        db.session.remove()
        db.engine.dispose()
    assert len(sim.calls_to("get_jsapi_ticket")) == 1
    keys = db.session.scalars(select(WeComToken.key).where(WeComToken.key.like("%jsapi%")))
    assert sorted(keys) == [
        f"{app_config['WECOM_CORP_ID']}_{app_config['WECOM_AGENT_ID']}_jsapi_ticket_agent_config",
        f"{app_config['WECOM_CORP_ID']}_{app_config['WECOM_AGENT_ID']}_jsapi_ticket_corp",
    ]


def test_an_expired_ticket_is_fetched_again_once(client, rm, sim, app_config, sign_in_as):
    client.get("/api/jssdk/config", query_string={"url": PAGE})
    db.session.execute(
        update(WeComToken)
        .where(WeComToken.key.like("%jsapi%"))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    other_process = create_app(app_config)  # this process still holds the old one in memory
    other = other_process.test_client()
    sign_in_as(rm, client=other)
    for _ in range(2):
        assert other.get("/api/jssdk/config", query_string={"url": PAGE}).status_code == 200
    assert len(sim.calls_to("get_jsapi_ticket")) == 2
    with other_process.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_foreign_page_is_not_signed(client, rm):
    foreign = client.get("/api/jssdk/config", query_string={"url": "https://evil.example/x"})
    assert foreign.status_code == 400
    assert "only our own pages are signed" in foreign.get_json()["error"]["message"]
    bare = client.get("/api/jssdk/config")
    assert bare.status_code == 400 and "full address" in bare.get_json()["error"]["message"]


def test_signatures_need_a_signed_in_member(client, sim, app_ctx):
    assert client.get("/api/jssdk/config", query_string={"url": PAGE}).status_code == 401


def test_wecom_refusing_a_ticket_gives_a_message_naming_the_fix(client, rm, sim):
    sim.faults.inject("get_jsapi_ticket", errcode=48002)
    answer = client.get("/api/jssdk/config", query_string={"url": PAGE})
    assert answer.status_code == 502
    assert "errcode 48002" in answer.get_json()["error"]["message"]
    assert "WECOM_AGENT_SECRET" in answer.get_json()["error"]["message"]
