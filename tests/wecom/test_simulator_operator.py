"""Operator actions — what customers, RMs and HR do inside WeCom — change the simulator's
state and push the matching callback, which parses into scrm's typed events."""

from __future__ import annotations

import pytest
import requests

from scrm.wecom.endpoints import reads as api
from scrm.wecom.events import (
    ContactChanged,
    ExternalChatChanged,
    ExternalContactChanged,
    ExternalTagChanged,
    parse_event,
)
from scrm.wecom.simulator.operator import OperatorError


def _last_event(receiver):
    return parse_event(receiver.decrypt_all()[-1])


def test_half_added_customer_is_announced_as_such(sim, receiver, bank):
    sim.operator.customer_adds_rm("lisi", external_userid="wm_陈先生", name="陈先生", half=True)
    event = _last_event(receiver)
    assert event.change_type == "add_half_external_contact"
    assert event.external_userid == "wm_陈先生" and event.state is None
    assert ("lisi", "wm_陈先生") in sim.corp.follows


def test_rm_edit_changes_remark_and_tags_then_announces_it(contact, sim, receiver, bank):
    customer = bank.customers[1]
    sim.operator.rm_edits_customer(
        "zhangsan", customer, remark="陳生（港）", add_tags=[bank.tags[2]]
    )
    event = _last_event(receiver)
    assert isinstance(event, ExternalContactChanged)
    assert event.change_type == "edit_external_contact"
    follow = api.get_external_contact(contact, customer).follows[0]
    assert follow.remark == "陳生（港）"
    assert [t.tag_name for t in follow.tags] == ["ＶＩＰ"]


def test_deletions_either_way_remove_the_relation(contact, sim, receiver, bank):
    sim.operator.rm_deletes_customer("zhangsan", bank.customers[0], source="DELETE_BY_TRANSFER")
    assert _last_event(receiver).source == "DELETE_BY_TRANSFER"
    sim.operator.customer_deletes_rm("lisi", bank.customers[2])
    assert _last_event(receiver).change_type == "del_follow_user"
    follows = api.get_external_contact(contact, bank.customers[0]).follows
    assert [f.userid for f in follows] == ["lisi"]


def test_transfer_failure_carries_the_reason(sim, receiver, bank):
    sim.operator.transfer_fails("lisi", bank.customers[1], "customer_refused")
    event = _last_event(receiver)
    assert (event.change_type, event.fail_reason) == ("transfer_fail", "customer_refused")
    with pytest.raises(OperatorError, match="reason must be one of"):
        sim.operator.transfer_fails("lisi", bank.customers[1], "不想转")


def test_tag_changes_announce_tag_or_group(contact, sim, receiver, bank):
    new = sim.operator.create_tag("理财偏好", "稳健型")
    event = _last_event(receiver)
    assert isinstance(event, ExternalTagChanged)
    assert (event.change_type, event.tag_type, event.tag_id) == (
        "create",
        "tag_group",
        new.group_id,
    )
    added = sim.operator.create_tag("理财偏好", "進取型")
    assert (_last_event(receiver).tag_type, _last_event(receiver).tag_id) == ("tag", added.tag_id)
    sim.operator.update_tag(added.tag_id, "进取型")
    assert _last_event(receiver).change_type == "update"
    sim.operator.delete_tag(bank.tags[0])
    assert _last_event(receiver).change_type == "delete"
    sim.operator.delete_tag_group(new.group_id)
    assert _last_event(receiver).tag_type == "tag_group"
    names = {t.name for g in api.list_corp_tags(contact) for t in g.tags}
    assert names == {"私人银行", "ＶＩＰ"}


def test_group_member_changes_carry_versions_that_chain(contact, sim, receiver, bank):
    created = sim.operator.create_group_chat(
        "lisi", "港澳客户群🇭🇰", ["zhangsan", bank.customers[1]]
    )
    assert _last_event(receiver).change_type == "create"
    before = api.get_group_chat(contact, created.chat_id).member_version
    sim.operator.customer_joins_group(created.chat_id, bank.customers[2], join_scene=3)
    joined = _last_event(receiver)
    assert isinstance(joined, ExternalChatChanged)
    assert (joined.update_detail, joined.join_scene, joined.member_change_count) == (
        "add_member",
        3,
        1,
    )
    assert joined.member_changes == (bank.customers[2],)
    assert joined.last_member_version == before
    sim.operator.member_leaves_group(created.chat_id, bank.customers[1], quit_scene=1)
    left = _last_event(receiver)
    assert (left.update_detail, left.quit_scene) == ("del_member", 1)
    assert left.last_member_version == joined.current_member_version
    chat = api.get_group_chat(contact, created.chat_id)
    assert chat.member_version == left.current_member_version
    assert {m.userid for m in chat.members} == {"lisi", "zhangsan", bank.customers[2]}


def test_owner_name_notice_and_dismissal_are_announced(contact, sim, receiver, bank):
    sim.operator.change_group_owner(bank.chat, "lisi")
    sim.operator.rename_group(bank.chat, "財富沙龍")
    sim.operator.change_group_notice(bank.chat, "本周五 19:00 线上直播📺")
    details = [parse_event(p).update_detail for p in receiver.decrypt_all()]
    assert details == ["change_owner", "change_name", "change_notice"]
    chat = api.get_group_chat(contact, bank.chat)
    assert (chat.owner, chat.name, chat.notice) == ("lisi", "財富沙龍", "本周五 19:00 线上直播📺")
    sim.operator.dismiss_group(bank.chat)
    assert _last_event(receiver).change_type == "dismiss"


def test_directory_changes_emit_change_contact(agent, sim, receiver, bank):
    sim.operator.create_department(5, "深圳分行", parent_id=1)
    assert (_last_event(receiver).change_type, _last_event(receiver).department_id) == (
        "create_party",
        5,
    )
    sim.operator.create_user("zhaoliu", "赵六", [5], position="理财经理")
    created = _last_event(receiver)
    assert isinstance(created, ContactChanged)
    assert (created.change_type, created.raw["Department"]) == ("create_user", "5")
    sim.operator.update_user("zhaoliu", new_userid="zhaoliu2", name="趙六")
    renamed = _last_event(receiver)
    assert (renamed.userid, renamed.new_userid) == ("zhaoliu", "zhaoliu2")
    assert api.get_member(agent, "zhaoliu2").name == "趙六"
    with pytest.raises(OperatorError, match="has members"):
        sim.operator.delete_department(5)
    sim.operator.delete_user("zhaoliu2")
    sim.operator.update_department(5, name="深圳分行（新）")
    sim.operator.delete_department(5)
    changes = [parse_event(p).change_type for p in receiver.decrypt_all()]
    assert changes[-3:] == ["delete_user", "update_party", "delete_party"]
    assert [d.id for d in api.list_departments(agent)] == [1, 2, 4, 3]


def test_oauth_code_resolves_to_the_rm_once(agent, sim, bank):
    code = sim.operator.rm_opens_sidebar("zhangsan").code
    assert agent.get("auth/getuserinfo", params={"code": code})["userid"] == "zhangsan"
    with pytest.raises(Exception, match="40029"):
        agent.get("auth/getuserinfo", params={"code": code})


def test_operator_console_over_http_runs_actions_and_reports_state(
    simulator_server, sim, receiver, bank
):
    url = simulator_server.url + "/__sim__/operator/customer_adds_rm"
    answer = requests.post(url, json={"userid": "zhangsan", "name": "网页客户🌏"}, timeout=5)
    body = answer.json()
    assert answer.status_code == 200 and body["ok"] is True
    assert body["result"]["delivery"]["delivered"] is True
    assert body["result"]["external_userid"] in sim.corp.customers
    bad = requests.post(url, json={"userid": "nobody", "name": "无"}, timeout=5)
    assert bad.status_code == 400 and "add_user" in bad.json()["error"]
    unknown = requests.post(simulator_server.url + "/__sim__/operator/rob_bank", json={}, timeout=5)
    assert "unknown action" in unknown.json()["error"]
    state = requests.get(simulator_server.url + "/__sim__/state", timeout=5).json()
    assert (state["customers"], state["follows"], state["group_chats"]) == (4, 5, 1)
