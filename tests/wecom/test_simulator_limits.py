"""The simulator keeps WeCom's documented limits and errcodes, so code that breaks them
fails here as it would against the real WeCom."""

from __future__ import annotations

import pytest
import requests

from scrm.wecom.endpoints import reads as api
from scrm.wecom.errors import InvalidRequest, WeComBusy


def _errcode(call) -> int:
    with pytest.raises(InvalidRequest) as err:
        call()
    return err.value.errcode


def test_batch_read_of_more_than_100_per_page_is_refused(contact, bank):
    assert _errcode(lambda: api.batch_get_by_user(contact, ["zhangsan"], limit=101)) == 40058
    too_many = [f"rm{i}" for i in range(101)]
    assert _errcode(lambda: api.batch_get_by_user(contact, too_many)) == 40058


def test_group_list_limit_must_be_between_1_and_1000(contact, bank):
    assert _errcode(lambda: api.list_group_chats(contact, limit=0)) == 40058
    assert _errcode(lambda: api.list_group_chats(contact, limit=1001)) == 40058


def test_group_list_without_owner_filter_is_refused_past_the_visible_member_cap(contact, bank, sim):
    sim.groupchat_list_member_cap = 1  # the bank has two RMs with 客户联系
    assert _errcode(lambda: api.list_group_chats(contact)) == 81017
    assert api.list_group_chats(contact, owner_userids=["zhangsan"]) == ([bank.chat], "")


def test_remark_longer_than_20_characters_is_refused_and_nothing_changes(contact, bank, sim):
    body = {"userid": "zhangsan", "external_userid": bank.customers[0], "remark": "王" * 21}
    assert _errcode(lambda: contact.post("externalcontact/remark", data=body)) == 40058
    assert sim.corp.follows[("zhangsan", bank.customers[0])].remark == "王总"
    body["remark"] = "王总（私行）"
    contact.post("externalcontact/remark", data=body)
    assert api.get_external_contact(contact, bank.customers[0]).follows[0].remark == "王总（私行）"


def test_tag_names_longer_than_30_characters_are_refused(contact, bank):
    body = {"group_name": "新标签组", "tag": [{"name": "标" * 31}]}
    assert _errcode(lambda: contact.post("externalcontact/add_corp_tag", data=body)) == 40058


def test_a_corp_holds_at_most_3000_tags(contact, sim):
    for i in range(30):
        sim.add_tag_group(f"组{i}", [f"标签{i}-{j}" for j in range(100)])
    body = {"group_name": "再来一组", "tag": [{"name": "第3001个"}]}
    assert _errcode(lambda: contact.post("externalcontact/add_corp_tag", data=body)) == 40058


def test_corp_tags_are_added_edited_marked_and_deleted(contact, bank, sim):
    added = contact.post(
        "externalcontact/add_corp_tag",
        data={"group_name": "客户等级", "tag": [{"name": "潜力客户", "order": 5}]},
    )["tag_group"]
    assert added["group_id"] == bank.tag_group
    new_tag = added["tag"][0]["id"]
    contact.post("externalcontact/edit_corp_tag", data={"id": new_tag, "name": "潛力客戶"})
    contact.post(
        "externalcontact/mark_tag",
        data={"userid": "lisi", "external_userid": bank.customers[2], "add_tag": [new_tag]},
    )
    follows = api.get_external_contact(contact, bank.customers[2]).follows
    assert [t.tag_name for t in follows[0].tags] == ["潛力客戶"]
    contact.post("externalcontact/del_corp_tag", data={"group_id": [bank.tag_group]})
    assert api.list_corp_tags(contact) == []
    assert api.get_external_contact(contact, bank.customers[2]).follows[0].tags == ()


def test_duplicate_tag_name_in_a_group_is_refused(contact, bank):
    body = {"group_id": bank.tag_group, "tag": [{"name": "高净值"}]}
    assert _errcode(lambda: contact.post("externalcontact/add_corp_tag", data=body)) == 40071


def test_marking_an_unknown_tag_is_refused(contact, bank):
    body = {"userid": "zhangsan", "external_userid": bank.customers[0], "add_tag": ["etnope"]}
    assert _errcode(lambda: contact.post("externalcontact/mark_tag", data=body)) == 40068


def test_member_without_customers_is_not_an_empty_list_but_84061(contact, sim):
    sim.add_department(1, "总行")
    sim.add_user("newbie", "新人", [1])
    assert _errcode(lambda: contact.get("externalcontact/list", params={"userid": "newbie"})) == (
        84061
    )


def test_welcome_code_works_once_within_20_seconds(contact, bank, sim):
    first = sim.operator.customer_adds_rm("zhangsan", name="新客户甲").welcome_code
    second = sim.operator.customer_adds_rm("zhangsan", name="新客户乙").welcome_code
    text = {"content": "您好，我是您的客户经理张三 😊"}
    contact.post("externalcontact/send_welcome_msg", data={"welcome_code": first, "text": text})
    again = {"welcome_code": first, "text": text}
    assert _errcode(lambda: contact.post("externalcontact/send_welcome_msg", data=again)) == 41051
    sim.clock.advance(21)
    late = {"welcome_code": second, "text": text}
    assert _errcode(lambda: contact.post("externalcontact/send_welcome_msg", data=late)) == 41051


def test_each_customer_receives_one_mass_message_per_day(contact, bank, sim):
    def send(content):
        body = {
            "chat_type": "single",
            "sender": "zhangsan",
            "external_userid": [bank.customers[0]],
            "text": {"content": content},
        }
        msgid = contact.post("externalcontact/add_msg_template", data=body)["msgid"]
        sim.operator.rm_confirms_mass_message(msgid, "zhangsan")
        result = {"msgid": msgid, "userid": "zhangsan", "limit": 100}
        return contact.post("externalcontact/get_groupmsg_send_result", data=result)

    assert send("早安，今日理财资讯")["send_list"][0]["status"] == 1
    assert send("午间提醒")["send_list"][0]["status"] == 3
    sim.clock.advance(86400)
    assert send("次日资讯")["send_list"][0]["status"] == 1


def test_mass_message_task_shows_who_confirmed(contact, bank, sim):
    body = {"chat_type": "group", "sender": "zhangsan", "text": {"content": "群公告：周五沙龙"}}
    msgid = contact.post("externalcontact/add_msg_template", data=body)["msgid"]
    tasks = contact.post("externalcontact/get_groupmsg_task", data={"msgid": msgid, "limit": 10})
    assert tasks["task_list"] == [{"userid": "zhangsan", "status": 0}]
    sim.operator.rm_confirms_mass_message(msgid, "zhangsan")
    tasks = contact.post("externalcontact/get_groupmsg_task", data={"msgid": msgid, "limit": 10})
    assert tasks["task_list"][0]["status"] == 2
    result = contact.post(
        "externalcontact/get_groupmsg_send_result",
        data={"msgid": msgid, "userid": "zhangsan", "limit": 10},
    )
    assert [r["chat_id"] for r in result["send_list"]] == [bank.chat]


def test_moment_task_is_published_by_the_rm_and_limited_to_10_per_minute(contact, bank, sim):
    sim.clock.freeze()
    body = {
        "text": {"content": "今日市场观点📈"},
        "visible_range": {"sender_list": {"user_list": ["zhangsan", "ghost"]}},
    }
    jobid = contact.post("externalcontact/add_moment_task", data=body)["jobid"]
    result = contact.get("externalcontact/get_moment_task_result", params={"jobid": jobid})
    assert result["status"] == 3
    assert result["result"]["invalid_sender_list"]["user_list"] == ["ghost"]
    moment_id = result["result"]["moment_id"]
    sim.operator.rm_publishes_moment(moment_id, "zhangsan")
    tasks = contact.post("externalcontact/get_moment_task", data={"moment_id": moment_id})
    assert tasks["task_list"] == [{"userid": "zhangsan", "publish_status": 1}]
    for _ in range(9):
        contact.post("externalcontact/add_moment_task", data=body)
    with pytest.raises(WeComBusy):
        contact.post("externalcontact/add_moment_task", data=body)


def test_unknown_path_and_wrong_method_fail_loudly(contact, bank):
    assert _errcode(lambda: contact.get("externalcontact/no_such_api")) == 404
    assert _errcode(lambda: contact.get("externalcontact/groupchat/get")) == 43002


def test_raw_requests_without_or_with_a_bad_token_are_refused(simulator_server, bank):
    url = simulator_server.api_base + "externalcontact/get_follow_user_list"
    assert requests.get(url, timeout=5).json()["errcode"] == 41001
    answer = requests.get(url, params={"access_token": "forged"}, timeout=5)
    assert (answer.status_code, answer.json()["errcode"]) == (200, 40014)


def test_body_without_content_type_is_read_and_bad_json_named(contact, simulator_server, bank):
    token = contact.access_token
    url = simulator_server.api_base + "externalcontact/groupchat/get"
    answer = requests.post(url, params={"access_token": token}, data=b"{not json", timeout=5)
    assert answer.json()["errcode"] == 47001
