"""Customer groups and their members written from WeCom (groupchat/get through the simulator)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from scrm.customers.services import upsert_customer
from scrm.db import db
from scrm.groups import services
from scrm.groups.models import (
    GROUP_DISMISSED,
    MEMBER_CUSTOMER,
    MEMBER_STAFF,
    GroupMember,
)
from scrm.wecom.endpoints.reads import ExternalContactInfo
from scrm.wecom.errors import WeComBusy
from scrm.wecom.events import parse_event
from scrm.wecom.simulator.state import GroupMember as SimMember

JOINED = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)


@pytest.fixture
def corp(sim):
    """A sub-branch RM with two customers in one group (the owner is not stored yet)."""
    sim.add_department(1, "星海银行总行")
    sim.add_user("zhangwei", "張偉", [1])
    sim.add_user("assistant", "助理小美", [1])
    chen = sim.add_customer(name="陈大文😀", unionid="unionChen")
    zhou = sim.add_customer(name="周潤發")
    chat_id = sim.add_group_chat(
        "zhangwei", "南山理财交流群🌊", [("assistant", 1, 1), (chen, 2, 3), (zhou, 2, 2)]
    )
    return {"chat_id": chat_id, "chen": chen, "zhou": zhou}


def _members(group) -> dict[str, GroupMember]:
    return {m.member_userid: m for m in group.members}


def _change_event(chat_id, detail, changed, last, current, *, scene=None) -> str:
    items = "".join(f"<Item><![CDATA[{u}]]></Item>" for u in changed)
    scene_xml = ""
    if scene is not None:
        tag = "JoinScene" if detail == "add_member" else "QuitScene"
        scene_xml = f"<{tag}>{scene}</{tag}>"
    return parse_event(
        "<xml><ToUserName>corp</ToUserName><FromUserName>sys</FromUserName>"
        f"<CreateTime>{int(JOINED.timestamp())}</CreateTime><MsgType>event</MsgType>"
        "<Event>change_external_chat</Event><ChangeType>update</ChangeType>"
        f"<ChatId>{chat_id}</ChatId><UpdateDetail>{detail}</UpdateDetail>{scene_xml}"
        f"<MemChangeCnt>{len(changed)}</MemChangeCnt><MemChangeList>{items}</MemChangeList>"
        f"<LastMemVer>{last}</LastMemVer><CurMemVer>{current}</CurMemVer></xml>"
    )


def test_group_is_stored_with_owner_and_members_once(app_ctx, sim, corp):
    for _ in range(2):
        group = services.refresh_group(corp["chat_id"])
        db.session.commit()
    assert group.name == "南山理财交流群🌊" and group.owner.name == "張偉"
    members = _members(group)
    assert set(members) == {"zhangwei", "assistant", corp["chen"], corp["zhou"]}
    chen = members[corp["chen"]]
    assert (chen.member_type, chen.name, chen.unionid, chen.join_scene) == (
        MEMBER_CUSTOMER,
        "陈大文😀",
        "unionChen",
        3,
    )
    assert members["assistant"].member_type == MEMBER_STAFF
    assert group.member_version == sim.corp.chats[corp["chat_id"]].member_version
    assert db.session.scalar(select(func.count()).select_from(GroupMember)) == 4


def test_member_gone_from_wecom_gets_quit_time_and_rejoin_clears_it(app_ctx, sim, corp):
    services.refresh_group(corp["chat_id"])
    chat = sim.corp.chats[corp["chat_id"]]
    zhou = chat.members.pop(corp["zhou"])
    group = services.refresh_group(corp["chat_id"])
    assert _members(group)[corp["zhou"]].quit_at is not None
    chat.members[corp["zhou"]] = zhou
    group = services.refresh_group(corp["chat_id"])
    db.session.commit()
    assert _members(group)[corp["zhou"]].quit_at is None
    assert db.session.scalar(select(func.count()).select_from(GroupMember)) == 4


def test_dismissed_group_keeps_its_members_and_late_events_change_nothing(app_ctx, sim, corp):
    services.refresh_group(corp["chat_id"])
    for _ in range(2):
        group = services.dismiss_group(corp["chat_id"], JOINED)
    sim.corp.chats[corp["chat_id"]].dismissed = True
    assert services.refresh_group(corp["chat_id"]) is group
    db.session.commit()
    assert (group.status, group.dismissed_at) == (GROUP_DISMISSED, JOINED)
    assert len(group.members) == 4


def test_group_dismissed_before_we_saw_it_is_recorded_as_dismissed(app_ctx, sim):
    assert services.refresh_group("wrGoneLongAgo") is None
    group = services.dismiss_group("wrGoneLongAgo", None)
    assert group.status == GROUP_DISMISSED and group.dismissed_at is not None


def test_customer_leaving_in_order_is_applied_without_asking_wecom(app_ctx, sim, corp):
    group = services.refresh_group(corp["chat_id"])
    calls = len(sim.calls_to("externalcontact/groupchat/get"))
    event = _change_event(
        corp["chat_id"], "del_member", [corp["zhou"]], group.member_version, "v-next", scene=1
    )
    for _ in range(2):
        services.apply_member_change(event)
        db.session.commit()
    zhou = _members(group)[corp["zhou"]]
    assert (zhou.quit_at, zhou.quit_scene) == (JOINED, 1)
    assert group.member_version == "v-next"
    assert len(sim.calls_to("externalcontact/groupchat/get")) == calls


def test_known_customer_joining_in_order_is_applied_incrementally(app_ctx, sim, corp):
    group = services.refresh_group(corp["chat_id"])
    upsert_customer(ExternalContactInfo("wmNewFriend", "林青霞🌸"))
    event = _change_event(
        corp["chat_id"], "add_member", ["wmNewFriend"], group.member_version, "v2", scene=3
    )
    services.apply_member_change(event)
    db.session.commit()
    joined = _members(group)["wmNewFriend"]
    assert (joined.member_type, joined.name, joined.join_scene, joined.joined_at) == (
        MEMBER_CUSTOMER,
        "林青霞🌸",
        3,
        JOINED,
    )


def test_stranger_joining_makes_us_fetch_the_group(app_ctx, sim, corp):
    group = services.refresh_group(corp["chat_id"])
    stranger = sim.add_customer(name="路人甲")
    chat = sim.corp.chats[corp["chat_id"]]
    chat.members[stranger] = SimMember(stranger, 2, int(JOINED.timestamp()), 3)
    current = sim.corp.bump_member_version(chat)
    event = _change_event(corp["chat_id"], "add_member", [stranger], group.member_version, current)
    services.apply_member_change(event)
    assert _members(group)[stranger].name == "路人甲"
    assert group.member_version == current


def test_version_gap_fetches_the_whole_group(app_ctx, sim, corp):
    group = services.refresh_group(corp["chat_id"])
    chat = sim.corp.chats[corp["chat_id"]]
    del chat.members[corp["chen"]], chat.members[corp["zhou"]]
    current = sim.corp.bump_member_version(chat)
    # We missed the event for chen; this one (zhou) does not follow our stored version.
    event = _change_event(corp["chat_id"], "del_member", [corp["zhou"]], "v-missed", current)
    services.apply_member_change(event)
    db.session.commit()
    members = _members(group)
    assert members[corp["chen"]].quit_at is not None and members[corp["zhou"]].quit_at is not None
    assert group.member_version == current


def test_event_already_covered_by_a_fetch_changes_nothing(app_ctx, sim, corp):
    group = services.refresh_group(corp["chat_id"])
    calls = len(sim.calls_to("externalcontact/groupchat/get"))
    event = _change_event(corp["chat_id"], "del_member", [corp["zhou"]], "v0", group.member_version)
    services.apply_member_change(event)
    assert _members(group)[corp["zhou"]].quit_at is None
    assert len(sim.calls_to("externalcontact/groupchat/get")) == calls


def test_wecom_busy_while_fetching_propagates_and_stores_nothing(app_ctx, sim, corp):
    sim.faults.inject("externalcontact/groupchat/get", errcode=45009, times=10)
    with pytest.raises(WeComBusy):
        services.refresh_group(corp["chat_id"])
    db.session.rollback()
    assert services.get_group(corp["chat_id"]) is None


def test_renamed_staff_member_is_renamed_in_groups(app_ctx, sim, corp):
    group = services.refresh_group(corp["chat_id"])
    services.rename_member("assistant", "assistant.mei")
    db.session.commit()
    assert "assistant.mei" in _members(group) and "assistant" not in _members(group)
