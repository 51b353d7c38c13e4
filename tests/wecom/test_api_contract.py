"""Every typed call in scrm.wecom.endpoints.reads, through the real wechatpy client, against the
simulator over HTTP: the shapes WeCom documents come back as our dataclasses."""

from __future__ import annotations

from datetime import datetime

import pytest

from scrm.wecom.endpoints import reads as api
from scrm.wecom.errors import InvalidRequest


def test_departments_come_parents_first_and_a_subtree_on_request(contact, bank):
    everything = api.list_departments(contact)
    assert [(d.id, d.name, d.parent_id) for d in everything] == [
        (1, "星河银行总行", None),
        (2, "上海分行", 1),
        (4, "香港分行（測試）", 1),
        (3, "陆家嘴支行", 2),
    ]
    assert [d.id for d in api.list_departments(contact, 2)] == [2, 3]
    assert everything[1].order == 10


def test_members_of_a_branch_include_its_sub_branches_only_with_fetch_child(agent, bank):
    with_children = api.list_members(agent, 2, fetch_child=True)
    assert [m.userid for m in with_children] == ["zhangsan"]
    assert api.list_members(agent, 2, fetch_child=False) == []
    zhang = with_children[0]
    assert (zhang.name, zhang.department_ids, zhang.main_department) == ("张三", (3,), 3)
    assert (zhang.position, zhang.mobile) == ("客户经理", "13800000001")


def test_one_member_is_read_with_its_fields(agent, bank):
    lisi = api.get_member(agent, "lisi")
    assert (lisi.name, lisi.email, lisi.status) == ("李四🌟", "lisi@example.com", 1)


def test_unknown_member_is_an_invalid_request(agent, bank):
    with pytest.raises(InvalidRequest) as err:
        api.get_member(agent, "nobody")
    assert err.value.errcode == 60111


def test_follow_users_are_the_members_with_customer_contact(contact, bank):
    assert api.list_follow_users(contact) == ["zhangsan", "lisi"]


def test_a_customer_is_read_with_every_rm_and_their_tag_names(contact, bank):
    found = api.get_external_contact(contact, bank.customers[0])
    assert found.contact.name == "王小明"
    assert found.contact.unionid == "ou_wangxm"
    by_rm = {f.userid: f for f in found.follows}
    assert set(by_rm) == {"zhangsan", "lisi"}
    zhang = by_rm["zhangsan"]
    assert (zhang.remark, zhang.state, zhang.add_way) == ("王总", "lujiazui-qr", 1)
    assert isinstance(zhang.created_at, datetime)
    assert [(t.group_name, t.tag_name, t.tag_id) for t in zhang.tags] == [
        ("客户等级", "高净值", bank.tags[0]),
        ("客户等级", "私人银行", bank.tags[1]),
    ]
    assert by_rm["lisi"].add_way == 2


def test_a_corporate_customer_keeps_its_company_name(contact, bank):
    found = api.get_external_contact(contact, bank.customers[1])
    assert (found.contact.type, found.contact.corp_name) == (2, "測試貿易有限公司")


def test_a_customer_followed_by_more_than_500_rms_is_read_across_cursor_pages(contact, sim):
    sim.add_department(1, "总行")
    customer = sim.add_customer(name="人气客户😀")
    for i in range(501):
        sim.add_user(f"rm{i:03d}", f"客户经理{i}", [1])
        sim.add_follow(f"rm{i:03d}", customer)
    found = api.get_external_contact(contact, customer)
    assert len(found.follows) == 501
    assert len(sim.calls_to("externalcontact/get")) == 2


def test_batch_reads_pages_of_customers_with_tag_ids(contact, bank):
    items, cursor = api.batch_get_by_user(contact, ["zhangsan", "lisi"], limit=3)
    assert cursor
    rest, last = api.batch_get_by_user(contact, ["zhangsan", "lisi"], cursor=cursor, limit=3)
    assert last == ""
    pairs = [(f.userid, c.name) for c, f in items + rest]
    assert pairs == [
        ("zhangsan", "王小明"),
        ("zhangsan", "陳大文"),
        ("lisi", "王小明"),
        ("lisi", "🐼熊猫"),
    ]
    first_follow = items[0][1]
    assert [t.tag_id for t in first_follow.tags] == bank.tags[:2]
    assert first_follow.remark == "王总"


def test_corp_tags_are_listed_and_filtered_by_tag_or_group(contact, bank, sim):
    other_group, other_tags = sim.add_tag_group("产品偏好", ["基金", "保险"])
    everything = api.list_corp_tags(contact)
    assert {g.group_name for g in everything} == {"客户等级", "产品偏好"}
    by_tag = api.list_corp_tags(contact, tag_ids=[bank.tags[2]])
    assert [(g.group_name, [t.name for t in g.tags]) for g in by_tag] == [("客户等级", ["ＶＩＰ"])]
    # group_id wins over tag_id, as WeCom documents
    by_group = api.list_corp_tags(contact, tag_ids=[bank.tags[0]], group_ids=[other_group])
    assert [(g.group_id, len(g.tags)) for g in by_group] == [(other_group, 2)]
    assert by_group[0].created_at is not None


def test_group_chats_are_listed_by_owner_and_across_pages(contact, bank, sim):
    second = sim.add_group_chat("lisi", "港股交流群", [])
    ids, cursor = api.list_group_chats(contact, limit=1)
    assert (ids, bool(cursor)) == ([bank.chat], True)
    assert list(api.iter_group_chats(contact)) == [bank.chat, second]
    assert api.list_group_chats(contact, owner_userids=["lisi"]) == ([second], "")


def test_a_group_chat_is_read_with_members_names_and_version(contact, bank):
    chat = api.get_group_chat(contact, bank.chat)
    assert (chat.name, chat.owner) == ("理财沙龙🎉", "zhangsan")
    assert chat.member_version
    members = {m.userid: m for m in chat.members}
    assert members["zhangsan"].type == 1 and members["zhangsan"].name == "张三"
    customer = members[bank.customers[0]]
    assert (customer.type, customer.join_scene, customer.name) == (2, 3, "王小明")
    assert (customer.invitor_userid, customer.unionid) == ("zhangsan", "ou_wangxm")
    assert isinstance(customer.join_time, datetime)


def test_a_dismissed_or_unknown_group_is_an_invalid_request(contact, bank, sim):
    sim.operator.dismiss_group(bank.chat)
    with pytest.raises(InvalidRequest) as err:
        api.get_group_chat(contact, bank.chat)
    assert err.value.errcode == 40050


def test_wechatpys_own_wrappers_use_the_documented_methods(contact, bank):
    assert contact.external_contact.get(bank.customers[0])["external_contact"]["name"] == "王小明"
    assert contact.external_contact_group_chat.get(bank.chat)["group_chat"]["owner"] == "zhangsan"
    assert len(contact.external_contact.get_corp_tag_list()["tag_group"]) == 1


def test_member_ids_are_paged_by_cursor(agent, bank):
    first = agent.post("user/list_id", data={"limit": 2})
    rest = agent.post("user/list_id", data={"cursor": first["next_cursor"], "limit": 2})
    rows = first["dept_user"] + rest["dept_user"]
    assert [r["userid"] for r in rows] == ["zhangsan", "lisi", "wangwu"]
    assert rest["next_cursor"] == ""


def test_agent_app_sends_notifications_and_reads_js_sdk_tickets(agent, bank, sim):
    sent = agent.message.send_text(sim.agent_id, ["zhangsan", "ghost"], "今日待办：3 位客户待回访")
    assert sent["invaliduser"] == "ghost"
    assert sim.jobs.sent_app_messages[0]["text"]["content"] == "今日待办：3 位客户待回访"
    corp_ticket = agent.get("get_jsapi_ticket")["ticket"]
    app_ticket = agent.get("ticket/get", params={"type": "agent_config"})["ticket"]
    assert corp_ticket and app_ticket and corp_ticket != app_ticket
