"""Customers and their RMs written from WeCom, against the real database and the simulator."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from scrm.customers import services
from scrm.customers.models import (
    FOLLOW_ACTIVE,
    FOLLOW_DELETED_BY_CUSTOMER,
    FOLLOW_DELETED_BY_RM,
    FOLLOW_HALF,
    FOLLOW_TRANSFER_FAILED,
    Customer,
    Follow,
    FollowTag,
)
from scrm.db import db
from scrm.directory.services import upsert_staff
from scrm.wecom.endpoints.reads import (
    CorpTagGroupInfo,
    CorpTagInfo,
    ExternalContactInfo,
    FollowInfo,
    MemberInfo,
    TagRef,
)
from scrm.wecom.errors import PermissionDenied

ADDED = datetime(2026, 3, 8, 9, 30, tzinfo=UTC)


@pytest.fixture
def rm(app_ctx):
    return upsert_staff(MemberInfo("zhangwei", "張偉", ()), is_follow_user=True)


@pytest.fixture
def customer(app_ctx):
    return services.upsert_customer(ExternalContactInfo("wmCustomer0001", "陈大文😀", gender=1))


def _tag_rows(follow: Follow) -> dict[str, tuple]:
    return {t.tag_key: (t.type, t.group_name, t.tag_name, t.corp_tag_id) for t in follow.tags}


def test_customer_profile_is_updated_in_place(customer):
    services.upsert_customer(ExternalContactInfo("wmCustomer0001", "陳大文", corp_name="大文贸易"))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 1
    assert (customer.name, customer.corp_name) == ("陳大文", "大文贸易")


def test_follow_with_remark_and_tags_applied_twice_is_stored_once(customer, rm):
    services.upsert_tag_group(
        CorpTagGroupInfo("etGroupTier", "客户等级", tags=(CorpTagInfo("etTagGold", "金卡"),))
    )
    info = FollowInfo(
        "zhangwei",
        remark="陈总（大客户）",
        description="偏好稳健理财，周末方便联系",
        created_at=ADDED,
        add_way=1,
        state="qr-南山支行",
        tags=(
            TagRef("etTagGold", "金卡", "客户等级", 1),
            TagRef(None, "爱喝茶🍵", "兴趣", 2),
        ),
    )
    for _ in range(2):
        follow = services.upsert_follow(customer, rm, info)
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 1
    assert (follow.remark, follow.state, follow.followed_at) == (
        "陈总（大客户）",
        "qr-南山支行",
        ADDED,
    )
    gold = services.get_customer("wmCustomer0001").follows[0].tags
    assert len(gold) == 2
    rows = _tag_rows(follow)
    assert rows["etTagGold"][:3] == (1, "客户等级", "金卡") and rows["etTagGold"][3] is not None
    assert rows["personal:兴趣/爱喝茶🍵"] == (2, "兴趣", "爱喝茶🍵", None)


def test_follow_tags_are_replaced_not_added(customer, rm):
    services.upsert_follow(
        customer, rm, FollowInfo("zhangwei", tags=(TagRef("etA", "甲", "组", 1),))
    )
    follow = services.upsert_follow(
        customer, rm, FollowInfo("zhangwei", tags=(TagRef("etB", "乙", "组", 1),))
    )
    db.session.commit()
    assert set(_tag_rows(follow)) == {"etB"}
    assert db.session.scalar(select(func.count()).select_from(FollowTag)) == 1


def test_tags_given_by_id_only_take_their_names_from_the_stored_tag(customer, rm):
    services.upsert_tag_group(
        CorpTagGroupInfo("etGroupRisk", "风险偏好", tags=(CorpTagInfo("etTagSteady", "稳健型"),))
    )
    follow = services.upsert_follow(
        customer, rm, FollowInfo("zhangwei", tags=(TagRef("etTagSteady", "", None, 1),))
    )
    assert _tag_rows(follow)["etTagSteady"][:3] == (1, "风险偏好", "稳健型")


def test_tag_learnt_later_names_the_follow_tags_that_carry_its_id(customer, rm):
    follow = services.upsert_follow(
        customer, rm, FollowInfo("zhangwei", tags=(TagRef("etTagNew", "", None, 1),))
    )
    assert _tag_rows(follow)["etTagNew"][2] == ""
    services.upsert_tag_group(
        CorpTagGroupInfo("etGroupNew", "活动", tags=(CorpTagInfo("etTagNew", "春节理财节🧧"),))
    )
    db.session.commit()
    db.session.refresh(follow)
    assert _tag_rows(follow)["etTagNew"][1:3] == ("活动", "春节理财节🧧")


def test_removed_follow_records_who_ended_it_and_the_customer_is_removed(customer, rm):
    services.upsert_follow(customer, rm, FollowInfo("zhangwei"))
    for _ in range(2):
        follow = services.mark_follow_removed("wmCustomer0001", "zhangwei", FOLLOW_DELETED_BY_RM)
        db.session.commit()
    assert follow.status == FOLLOW_DELETED_BY_RM and follow.removed_at is not None
    assert customer.removed_at is not None
    assert services.mark_follow_removed("wmNobody", "zhangwei", FOLLOW_DELETED_BY_RM) is None


def test_transfer_failure_is_recorded_where_the_handover_would_land(customer, rm, sim):
    services.upsert_follow(customer, rm, FollowInfo("zhangwei"))
    upsert_staff(MemberInfo("liuyang", "刘洋", ()))
    for _ in range(2):
        follow = services.record_transfer_failure("wmCustomer0001", "liuyang", "customer_refused")
        db.session.commit()
    assert follow.staff.userid == "liuyang"
    assert (follow.status, follow.transfer_fail_reason) == (
        FOLLOW_TRANSFER_FAILED,
        "customer_refused",
    )
    # The customer is still served by the RM who tried to hand them over.
    assert customer.removed_at is None
    assert services.get_follow("wmCustomer0001", "zhangwei").status == FOLLOW_ACTIVE


# ---- refresh from WeCom (externalcontact/get through the simulator) --------------------


def _seed_corp(sim):
    sim.add_department(1, "星海银行总行")
    sim.add_user("zhangwei", "張偉", [1])
    sim.add_user("liuyang", "刘洋🌟", [1])
    group_id, (gold, silver) = sim.add_tag_group("客户等级", ["金卡", "银卡"])
    eid = sim.add_customer(name="陈大文😀", gender=1, unionid="unionChen")
    sim.add_follow("zhangwei", eid, remark="陈总", state="qr-南山", tag_ids=[gold])
    sim.add_follow("liuyang", eid, remark="大文哥", tag_ids=[silver])
    return eid, gold, silver


def test_refresh_stores_the_customer_every_rm_and_their_tags(app_ctx, sim):
    eid, gold, silver = _seed_corp(sim)
    for _ in range(2):
        customer = services.refresh_customer(eid)
        db.session.commit()
    assert customer.name == "陈大文😀" and customer.unionid == "unionChen"
    follows = {f.staff.userid: f for f in customer.follows}
    assert set(follows) == {"zhangwei", "liuyang"}
    assert follows["zhangwei"].remark == "陈总" and follows["zhangwei"].state == "qr-南山"
    assert follows["liuyang"].staff.name == "刘洋🌟"
    assert {t.tag_key: t.tag_name for t in follows["zhangwei"].tags} == {gold: "金卡"}
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 2


def test_refresh_ends_relations_wecom_no_longer_lists(app_ctx, sim):
    eid, _, _ = _seed_corp(sim)
    services.refresh_customer(eid)
    del sim.corp.follows[("liuyang", eid)]
    customer = services.refresh_customer(eid)
    db.session.commit()
    follows = {f.staff.userid: f for f in customer.follows}
    assert follows["liuyang"].status == FOLLOW_DELETED_BY_RM
    assert follows["zhangwei"].status == FOLLOW_ACTIVE and customer.removed_at is None


def test_refresh_keeps_states_wecom_cannot_report(app_ctx, sim):
    eid, _, _ = _seed_corp(sim)
    services.refresh_customer(eid)
    services.get_follow(eid, "zhangwei").status = FOLLOW_HALF
    services.mark_follow_removed(eid, "liuyang", FOLLOW_DELETED_BY_CUSTOMER)
    services.refresh_customer(eid)
    assert services.get_follow(eid, "zhangwei").status == FOLLOW_HALF
    assert services.get_follow(eid, "liuyang").status == FOLLOW_DELETED_BY_CUSTOMER


def test_customer_wecom_no_longer_knows_loses_every_relation(app_ctx, sim):
    eid, _, _ = _seed_corp(sim)
    services.refresh_customer(eid)
    sim.corp.follows.clear()
    sim.corp.customers.clear()
    customer = services.refresh_customer(eid)
    db.session.commit()
    assert {f.status for f in customer.follows} == {FOLLOW_DELETED_BY_RM}
    assert customer.removed_at is not None
    assert services.refresh_customer("wmNeverSeen") is None


def test_refresh_failing_at_wecom_changes_nothing(app_ctx, sim):
    eid, _, _ = _seed_corp(sim)
    sim.faults.inject("externalcontact/get", errcode=48002)
    with pytest.raises(PermissionDenied):
        services.refresh_customer(eid)
    db.session.rollback()
    assert services.get_customer(eid) is None
