"""Parsing decrypted WeCom callbacks into typed events (wechatpy 1.8 sees UnknownMessage)."""

from datetime import UTC, datetime

import pytest

from scrm.wecom.events import (
    ContactChanged,
    ExternalChatChanged,
    ExternalContactChanged,
    ExternalTagChanged,
    MalformedEvent,
    OtherEvent,
    parse_event,
)


def _xml(body: str) -> str:
    return (
        "<xml><ToUserName><![CDATA[wwcorp]]></ToUserName>"
        "<FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1700000000</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType>{body}</xml>"
    )


def test_customer_added_through_a_channel_code_carries_state_and_welcome_code():
    event = parse_event(
        _xml(
            "<Event><![CDATA[change_external_contact]]></Event>"
            "<ChangeType><![CDATA[add_external_contact]]></ChangeType>"
            "<UserID><![CDATA[zhangwei]]></UserID>"
            "<ExternalUserID><![CDATA[wmCUSTOMER001]]></ExternalUserID>"
            "<State><![CDATA[分行活码-理財沙龍]]></State>"
            "<WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode>"
        )
    )
    assert isinstance(event, ExternalContactChanged)
    assert (event.userid, event.external_userid) == ("zhangwei", "wmCUSTOMER001")
    assert event.state == "分行活码-理財沙龍"
    assert event.welcome_code == "WELCOMECODE"
    assert event.created_at == datetime.fromtimestamp(1700000000, UTC)


def test_handover_deletion_and_transfer_failure_fields_are_read():
    deleted = parse_event(
        _xml(
            "<Event>change_external_contact</Event><ChangeType>del_external_contact</ChangeType>"
            "<UserID>lisi</UserID><ExternalUserID>wm2</ExternalUserID>"
            "<Source>DELETE_BY_TRANSFER</Source>"
        )
    )
    failed = parse_event(
        _xml(
            "<Event>change_external_contact</Event><ChangeType>transfer_fail</ChangeType>"
            "<UserID>lisi</UserID><ExternalUserID>wm2</ExternalUserID>"
            "<FailReason>customer_refused</FailReason>"
        )
    )
    assert deleted.source == "DELETE_BY_TRANSFER"
    assert failed.fail_reason == "customer_refused"


def test_group_member_change_keeps_the_member_list_and_versions():
    event = parse_event(
        _xml(
            "<Event>change_external_chat</Event><ChatId>wrGROUP</ChatId>"
            "<ChangeType>update</ChangeType><UpdateDetail>del_member</UpdateDetail>"
            "<QuitScene>1</QuitScene><MemChangeCnt>1</MemChangeCnt>"
            "<MemChangeList><Item>wmONLY</Item></MemChangeList>"
            "<LastMemVer>v1</LastMemVer><CurMemVer>v2</CurMemVer>"
        )
    )
    assert isinstance(event, ExternalChatChanged)
    assert event.member_changes == ("wmONLY",)
    assert event.quit_scene == 1 and event.join_scene is None
    assert (event.last_member_version, event.current_member_version) == ("v1", "v2")


def test_directory_event_without_cdata_change_type_is_read():
    event = parse_event(
        _xml(
            "<Event><![CDATA[change_contact]]></Event><ChangeType>update_user</ChangeType>"
            "<UserID><![CDATA[wangfang]]></UserID><NewUserID><![CDATA[wangfang2]]></NewUserID>"
        )
    )
    assert isinstance(event, ContactChanged)
    assert (event.change_type, event.userid, event.new_userid) == (
        "update_user",
        "wangfang",
        "wangfang2",
    )


def test_tag_group_deletion_is_a_tag_event():
    event = parse_event(
        _xml(
            "<Event>change_external_tag</Event><Id>etGROUP</Id><TagType>tag_group</TagType>"
            "<ChangeType>delete</ChangeType>"
        )
    )
    assert isinstance(event, ExternalTagChanged)
    assert (event.tag_id, event.tag_type) == ("etGROUP", "tag_group")


def test_plain_text_message_is_kept_as_other_event():
    event = parse_event(
        "<xml><ToUserName>ww</ToUserName><FromUserName>zhangwei</FromUserName>"
        "<CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好👋</Content>"
        "<MsgId>1456453720</MsgId></xml>"
    )
    assert isinstance(event, OtherEvent)
    assert event.msg_type == "text" and event.event is None


@pytest.mark.parametrize(
    "plaintext",
    ["not xml at all", "<html><body>hi</body></html>", "<xml><Content>无类型</Content></xml>", ""],
)
def test_text_that_is_not_a_wecom_callback_is_refused(plaintext):
    with pytest.raises(MalformedEvent):
        parse_event(plaintext)


def _chat_update(**fields: str) -> str:
    values = {"CreateTime": "1700000000", "JoinScene": "1", "MemChangeCnt": "1"} | fields
    return (
        "<xml><ToUserName>wwcorp</ToUserName><FromUserName>sys</FromUserName>"
        f"<CreateTime>{values['CreateTime']}</CreateTime><MsgType>event</MsgType>"
        "<Event>change_external_chat</Event><ChangeType>update</ChangeType>"
        "<ChatId>wrGROUP</ChatId><UpdateDetail>add_member</UpdateDetail>"
        f"<JoinScene>{values['JoinScene']}</JoinScene>"
        f"<MemChangeCnt>{values['MemChangeCnt']}</MemChangeCnt></xml>"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("CreateTime", "1767225600000"),  # milliseconds: the year 57970
        ("CreateTime", "99999999999999999999999"),
        ("CreateTime", "-1767225600"),
        ("CreateTime", "二〇二六年"),
        ("CreateTime", "１７６７２２５６００"),  # full-width digits
        ("JoinScene", "99999999999999999999"),
        ("MemChangeCnt", "三"),
    ],
)
def test_a_field_that_cannot_be_read_is_a_malformed_event_naming_the_field(field, value):
    with pytest.raises(MalformedEvent, match=field) as refused:
        parse_event(_chat_update(**{field: value}))
    assert value not in str(refused.value)  # the reason is loggable: it never quotes the field


def test_a_department_event_with_a_non_numeric_id_is_a_malformed_event():
    with pytest.raises(MalformedEvent, match="Id"):
        parse_event(
            _xml("<Event>change_contact</Event><ChangeType>update_party</ChangeType><Id>上海</Id>")
        )
