"""End to end: people act in WeCom (the simulator's operator), WeCom pushes the encrypted
callback to our real endpoint over HTTP, the worker drains the inbox, and the database shows
the change — once, however often WeCom delivers it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from scrm.customers.models import (
    FOLLOW_ACTIVE,
    FOLLOW_DELETED_BY_CUSTOMER,
    FOLLOW_DELETED_BY_RM,
    FOLLOW_HALF,
    FOLLOW_TRANSFER_FAILED,
    FOLLOW_TRANSFERRED,
    CorpTag,
    CorpTagGroup,
    Customer,
    Follow,
)
from scrm.customers.services import get_follow
from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.groups.models import GROUP_DISMISSED, CustomerGroup, GroupMember
from scrm.inbox import handlers
from scrm.inbox.models import APPLIED, FAILED, InboundEvent
from scrm.inbox.services import drain_inbox, retry_failed_events
from scrm.wecom.events import parse_event
from scrm.wecom.simulator.callbacks import event_xml


@pytest.fixture
def bank(sim):
    """A fictional bank in the simulator: HQ → 南山 branch, two RMs, a tag group."""
    sim.add_department(1, "星海银行总行", order=1)
    sim.add_department(2, "深圳分行（南山）", parent_id=1)
    sim.add_user("zhangwei", "張偉", [2], position="客户经理", mobile="13800000001")
    sim.add_user("liuyang", "刘洋🌟", [2], position="理财经理")
    group_id, (gold, silver) = sim.add_tag_group("客户等级", ["金卡💳", "銀卡"])
    return {"tag_group": group_id, "gold": gold, "silver": silver}


@pytest.fixture
def worker(app_ctx, live_server):
    """``worker()`` drains the inbox like ``scrm worker --once`` and returns the counts."""

    def _drain() -> dict[str, int]:
        counts = drain_inbox("test-worker")
        db.session.expire_all()
        return counts

    return _drain


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _staff(userid: str) -> Staff | None:
    return db.session.scalar(select(Staff).where(Staff.userid == userid))


def _group(chat_id: str) -> CustomerGroup:
    return db.session.scalar(select(CustomerGroup).where(CustomerGroup.chat_id == chat_id))


def _members(chat_id: str) -> dict[str, GroupMember]:
    return {m.member_userid: m for m in _group(chat_id).members}


def _snapshot() -> dict:
    """Everything the events write, without sync timestamps."""
    db.session.expire_all()
    return {
        "departments": sorted(
            (d.id, d.name, d.parent_id, d.order, d.removed_at)
            for d in db.session.scalars(select(Department))
        ),
        "staff": sorted(
            (s.userid, s.name, s.department_id, s.position, s.status, s.removed_at)
            + tuple(sorted(s.role_names))
            for s in db.session.scalars(select(Staff))
        ),
        "customers": sorted(
            (c.external_userid, c.name, c.removed_at) for c in db.session.scalars(select(Customer))
        ),
        "follows": sorted(
            (
                f.customer.external_userid,
                f.staff.userid,
                f.remark,
                f.state,
                f.status,
                f.removed_at,
                f.transfer_fail_reason,
                tuple(sorted(t.tag_key for t in f.tags)),
            )
            for f in db.session.scalars(select(Follow))
        ),
        "tags": sorted(
            (t.wecom_id, t.name, t.group.wecom_id, t.removed_at)
            for t in db.session.scalars(select(CorpTag))
        ),
        "groups": sorted(
            (g.chat_id, g.name, g.owner.userid if g.owner else None, g.notice, g.status)
            + (g.member_version, g.dismissed_at)
            for g in db.session.scalars(select(CustomerGroup))
        ),
        "members": sorted(
            (m.group.chat_id, m.member_userid, m.member_type, m.join_scene, m.quit_at)
            for m in db.session.scalars(select(GroupMember))
        ),
    }


def _assert_every_event_applied_once(sim, since: int = 0):
    """Applying the delivered events (from index ``since``) a second time changes nothing."""
    before = _snapshot()
    for plaintext in dict.fromkeys(sim.pusher.delivered[since:]):
        handlers.apply_event(parse_event(plaintext))
    db.session.commit()
    assert _snapshot() == before


# ---- change_contact ---------------------------------------------------------------------


def test_directory_changes_made_by_hr_reach_the_database(sim, bank, worker):
    sim.operator.create_department(3, "科技园支行🏦", 2)
    sim.operator.create_user("wangfang", "王芳", [3], position="客户经理", mobile="13900000002")
    assert worker() == {APPLIED: 2}
    wang = _staff("wangfang")
    assert (wang.name, wang.department.name, wang.mobile) == ("王芳", "科技园支行🏦", "13900000002")
    assert wang.department.parent_id == 2
    _assert_every_event_applied_once(sim)

    # Directory events carry the new state, not WeCom's current one: each is replayed right
    # after its own step (a create replayed after a later delete would bring the row back).
    since = len(sim.pusher.delivered)
    sim.operator.update_department(3, name="科技园支行（旗舰）")
    sim.operator.update_user("wangfang", new_userid="wang.fang", name="王芳芳", position="主管")
    worker()
    _assert_every_event_applied_once(sim, since)
    assert _staff("wangfang") is None
    renamed = _staff("wang.fang")
    assert (renamed.id, renamed.name, renamed.position) == (wang.id, "王芳芳", "主管")
    assert db.session.get(Department, 3).name == "科技园支行（旗舰）"
    assert db.session.get(Department, 3).parent_id == 2

    since = len(sim.pusher.delivered)
    sim.operator.delete_user("wang.fang")
    sim.operator.delete_department(3)
    worker()
    assert _staff("wang.fang").removed_at is not None
    assert db.session.get(Department, 3).removed_at is not None
    _assert_every_event_applied_once(sim, since)


# ---- change_external_contact ------------------------------------------------------------


def test_customer_adding_an_rm_by_qr_code_is_stored_with_its_channel(sim, bank, worker):
    added = sim.operator.customer_adds_rm("zhangwei", name="陈大文😀", state="qr-南山讲座")
    assert worker() == {APPLIED: 1}
    follow = get_follow(added.external_userid, "zhangwei")
    assert (follow.status, follow.state) == (FOLLOW_ACTIVE, "qr-南山讲座")
    assert follow.customer.name == "陈大文😀"
    # The RM was not stored before: fetched from the directory, and made an RM.
    assert follow.staff.name == "張偉" and follow.staff.role_names == {"rm"}


def test_duplicate_callback_is_applied_once(sim, bank, worker):
    added = sim.operator.customer_adds_rm("zhangwei", name="林青霞")
    delivery = sim.pusher.push(added.plaintext, duplicate=True)  # WeCom missed our answers
    assert delivery.delivered and delivery.attempts == 2
    assert _count(InboundEvent) == 1
    assert worker() == {APPLIED: 1}
    sim.pusher.push(added.plaintext)  # a late redelivery after it was applied
    assert worker() == {}
    assert _count(Follow) == 1 and len(sim.calls_to("externalcontact/get")) == 1


def test_deliveries_whose_answers_wecom_never_saw_are_retried_and_applied_once(sim, bank, worker):
    # Our answers to the first three deliveries never reach WeCom (as when they come after
    # its 5 s): it re-delivers, each time with fresh encryption, and the fourth is answered.
    sim.pusher.lose_answers = 3
    added = sim.operator.customer_adds_rm("zhangwei", name="吳彥祖", state="分行沙龍")
    assert added.delivery.attempts == 4 and added.delivery.delivered
    assert worker() == {APPLIED: 1}
    assert _count(InboundEvent) == 1 and _count(Follow) == 1
    assert get_follow(added.external_userid, "zhangwei").state == "分行沙龍"


def test_half_added_customer_waits_for_the_rm_to_confirm(sim, bank, worker):
    added = sim.operator.customer_adds_rm("liuyang", name="周潤發", half=True)
    worker()
    assert get_follow(added.external_userid, "liuyang").status == FOLLOW_HALF
    # An edit does not make WeCom say whether the RM confirmed: still half.
    sim.operator.rm_edits_customer("liuyang", added.external_userid, remark="周先生")
    worker()
    follow = get_follow(added.external_userid, "liuyang")
    assert (follow.status, follow.remark) == (FOLLOW_HALF, "周先生")
    _assert_every_event_applied_once(sim)


def test_rm_editing_remark_and_tags_is_mirrored(sim, bank, worker):
    added = sim.operator.customer_adds_rm("zhangwei", name="陈大文")
    eid = added.external_userid
    sim.operator.rm_edits_customer(
        "zhangwei",
        eid,
        remark="陈总（私行）",
        description="偏好稳健，周末联系☕",
        add_tags=[bank["gold"]],
    )
    worker()
    follow = get_follow(eid, "zhangwei")
    assert (follow.remark, follow.description) == ("陈总（私行）", "偏好稳健，周末联系☕")
    assert {(t.group_name, t.tag_name) for t in follow.tags} == {("客户等级", "金卡💳")}
    # Two edits in one second would make byte-identical callbacks, which the inbox stores
    # once; a person edits more slowly than that.
    sim.clock.advance(1)
    sim.operator.rm_edits_customer(
        "zhangwei", eid, add_tags=[bank["silver"]], remove_tags=[bank["gold"]]
    )
    worker()
    assert [t.tag_key for t in get_follow(eid, "zhangwei").tags] == [bank["silver"]]
    _assert_every_event_applied_once(sim)


def test_relations_ended_by_rm_customer_or_handover_say_who_ended_them(sim, bank, worker):
    sim.add_user("zhaolei", "赵磊", [2])
    a = sim.operator.customer_adds_rm("zhangwei", name="客户甲").external_userid
    b = sim.operator.customer_adds_rm("zhangwei", name="客戶乙").external_userid
    c = sim.operator.customer_adds_rm("liuyang", name="客户丙🎈").external_userid
    worker()
    sim.operator.rm_deletes_customer("zhangwei", a)
    sim.operator.customer_deletes_rm("zhangwei", b)
    sim.operator.rm_deletes_customer("liuyang", c, source="DELETE_BY_TRANSFER")
    sim.operator.transfer_fails("zhaolei", c, "customer_refused")
    assert worker() == {APPLIED: 4}
    assert get_follow(a, "zhangwei").status == FOLLOW_DELETED_BY_RM
    assert get_follow(b, "zhangwei").status == FOLLOW_DELETED_BY_CUSTOMER
    assert get_follow(c, "liuyang").status == FOLLOW_TRANSFERRED
    failed = get_follow(c, "zhaolei")
    assert (failed.status, failed.transfer_fail_reason) == (
        FOLLOW_TRANSFER_FAILED,
        "customer_refused",
    )
    assert all(
        db.session.scalar(select(Customer).where(Customer.external_userid == e)).removed_at
        for e in (a, b, c)
    )
    _assert_every_event_applied_once(sim)


def test_customer_added_again_after_deleting_the_rm_is_active_again(sim, bank, worker):
    eid = sim.operator.customer_adds_rm("zhangwei", name="回头客").external_userid
    sim.operator.customer_deletes_rm("zhangwei", eid)
    sim.clock.advance(60)
    sim.operator.customer_adds_rm("zhangwei", external_userid=eid, name="回头客")
    worker()
    assert get_follow(eid, "zhangwei").status == FOLLOW_ACTIVE
    _assert_every_event_applied_once(sim)


# ---- change_external_chat ---------------------------------------------------------------


def test_group_life_from_creation_to_dismissal(sim, bank, worker):
    chen = sim.add_customer(name="陈大文😀")
    zhou = sim.add_customer(name="周潤發")
    chat_id = sim.operator.create_group_chat(
        "zhangwei", "南山理财交流群🌊", ["liuyang", chen]
    ).chat_id
    worker()
    assert set(_members(chat_id)) == {"zhangwei", "liuyang", chen}
    assert _group(chat_id).owner.userid == "zhangwei"

    sim.operator.customer_joins_group(chat_id, zhou, join_scene=3)
    worker()
    sim.operator.member_leaves_group(chat_id, chen, quit_scene=1)
    worker()
    members = _members(chat_id)
    assert (members[zhou].join_scene, members[zhou].quit_at) == (3, None)
    assert members[chen].quit_at is not None and members[chen].quit_scene == 1
    assert _group(chat_id).member_version == sim.corp.chats[chat_id].member_version


def test_member_changes_queued_together_end_in_wecom_state(sim, bank, worker):
    chen, zhou, lin = (sim.add_customer(name=n) for n in ("陈大文", "周潤發", "林青霞🌸"))
    chat_id = sim.operator.create_group_chat("zhangwei", "南山群", [chen]).chat_id
    sim.operator.customer_joins_group(chat_id, zhou)
    sim.operator.customer_joins_group(chat_id, lin, join_scene=0)
    sim.operator.member_leaves_group(chat_id, chen)
    assert worker() == {APPLIED: 4}
    active = {u for u, m in _members(chat_id).items() if m.quit_at is None}
    assert active == {"zhangwei", zhou, lin}
    assert _group(chat_id).member_version == sim.corp.chats[chat_id].member_version
    _assert_every_event_applied_once(sim)

    sim.operator.change_group_owner(chat_id, "liuyang")
    sim.operator.rename_group(chat_id, "南山財富俱樂部")
    sim.operator.change_group_notice(chat_id, "每周三晚8点直播📺，欢迎参加")
    worker()
    group = _group(chat_id)
    assert (group.owner.userid, group.name, group.notice) == (
        "liuyang",
        "南山財富俱樂部",
        "每周三晚8点直播📺，欢迎参加",
    )
    _assert_every_event_applied_once(sim)

    sim.operator.dismiss_group(chat_id)
    worker()
    group = _group(chat_id)
    assert group.status == GROUP_DISMISSED and group.dismissed_at is not None
    assert len(group.members) == 4  # history stays
    _assert_every_event_applied_once(sim)


def test_duplicate_member_change_is_applied_once(sim, bank, worker):
    zhou = sim.add_customer(name="周潤發")
    chat_id = sim.operator.create_group_chat("zhangwei", "贵宾群", []).chat_id
    worker()
    joined = sim.operator.customer_joins_group(chat_id, zhou, join_scene=0)
    sim.pusher.push(joined.plaintext, duplicate=True)
    assert worker() == {APPLIED: 1}
    assert _members(chat_id)[zhou].join_scene == 1
    assert _count(GroupMember) == 2


def test_group_created_and_dismissed_before_the_worker_ran(sim, bank, worker):
    chat_id = sim.operator.create_group_chat("zhangwei", "短命群", ["liuyang"]).chat_id
    sim.operator.dismiss_group(chat_id)
    assert worker() == {APPLIED: 2}
    assert _group(chat_id).status == GROUP_DISMISSED


# ---- change_external_tag ----------------------------------------------------------------


def _live_tags() -> dict[str, str]:
    db.session.expire_all()
    rows = db.session.scalars(select(CorpTag).where(CorpTag.removed_at.is_(None)))
    return {t.wecom_id: t.name for t in rows}


def test_corp_tag_changes_by_the_admin_are_mirrored(sim, bank, worker):
    platinum = sim.operator.create_tag("客户等级", "白金卡✨").tag_id
    new_group = sim.operator.create_tag("风险偏好", "稳健型")
    worker()
    assert _live_tags() == {
        platinum: "白金卡✨",
        bank["gold"]: "金卡💳",
        bank["silver"]: "銀卡",
        new_group.tag_id: "稳健型",
    }
    sim.operator.update_tag(platinum, "白金卡（尊享）")
    sim.operator.update_tag(new_group.group_id, "风险偏好（测评）")
    worker()
    assert _live_tags()[platinum] == "白金卡（尊享）"
    assert db.session.scalar(
        select(CorpTagGroup.name).where(CorpTagGroup.wecom_id == new_group.group_id)
    ) == ("风险偏好（测评）")
    _assert_every_event_applied_once(sim)

    sim.operator.delete_tag(platinum)
    sim.operator.delete_tag_group(new_group.group_id)
    worker()
    assert _live_tags() == {bank["gold"]: "金卡💳", bank["silver"]: "銀卡"}
    _assert_every_event_applied_once(sim)


def test_tags_reordered_by_the_admin_are_refreshed(sim, bank, worker):
    sim.operator.create_tag("客户等级", "白金卡")
    worker()
    sim.corp.tag_groups[bank["tag_group"]].tags[bank["gold"]].order = 9
    shuffle = event_xml(
        sim.corp_id,
        sim.clock.timestamp(),
        "change_external_tag",
        "shuffle",
        [("Id", bank["tag_group"]), ("TagType", "tag_group")],
    )
    assert sim.pusher.push(shuffle).delivered
    assert worker() == {APPLIED: 1}
    assert db.session.scalar(select(CorpTag.order).where(CorpTag.wecom_id == bank["gold"])) == 9


# ---- failures at WeCom ------------------------------------------------------------------


def test_event_whose_wecom_call_keeps_failing_is_kept_failed_then_applied(sim, bank, worker, app):
    sim.faults.inject("externalcontact/get", errcode=48002, times=app.config["INBOX_MAX_ATTEMPTS"])
    added = sim.operator.customer_adds_rm("zhangwei", name="许文强")
    assert worker() == {"retry": app.config["INBOX_MAX_ATTEMPTS"] - 1, FAILED: 1}
    row = db.session.scalar(select(InboundEvent))
    assert row.status == FAILED and "PermissionDenied" in row.last_error
    assert _count(Customer) == 0
    retry_failed_events()
    db.session.commit()
    assert worker() == {APPLIED: 1}
    assert get_follow(added.external_userid, "zhangwei").status == FOLLOW_ACTIVE


def test_event_retried_after_a_passing_wecom_fault_is_applied_once(sim, bank, worker):
    sim.faults.inject("externalcontact/get", errcode=48002, times=2)
    added = sim.operator.customer_adds_rm("liuyang", name="冯程程", state="活动🎉")
    assert worker() == {"retry": 2, APPLIED: 1}
    row = db.session.scalar(select(InboundEvent))
    assert (row.status, row.attempts) == (APPLIED, 2)
    assert _count(Follow) == 1
    assert get_follow(added.external_userid, "liuyang").state == "活动🎉"


def test_event_with_no_handler_is_kept_and_ignored(sim, worker):
    other = event_xml(sim.corp_id, sim.clock.timestamp(), "unknown_future_event", None, [])
    assert sim.pusher.push(other).delivered
    assert worker() == {"ignored": 1}
    assert handlers.apply_event(parse_event(other)) is False
