"""Corp tag groups and tags written from WeCom (get_corp_tag_list through the simulator)."""

from __future__ import annotations

from sqlalchemy import func, select

from scrm.customers import services, tags
from scrm.customers.models import CorpTag, CorpTagGroup, FollowTag
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


def _live_tags() -> dict[str, str]:
    rows = db.session.scalars(select(CorpTag).where(CorpTag.removed_at.is_(None)))
    return {t.wecom_id: t.name for t in rows}


def test_whole_tag_list_is_stored_once(app_ctx, sim):
    tier, (gold, silver) = sim.add_tag_group("客户等级", ["金卡💳", "銀卡"], order=2)
    risk, (steady,) = sim.add_tag_group("风险偏好", ["稳健型"])
    for _ in range(2):
        services.refresh_tags()
        db.session.commit()
    assert _live_tags() == {gold: "金卡💳", silver: "銀卡", steady: "稳健型"}
    assert db.session.scalar(select(func.count()).select_from(CorpTagGroup)) == 2
    assert tags.get_tag(steady).group.name == "风险偏好"


def test_one_new_tag_refreshes_its_whole_group(app_ctx, sim):
    tier, (gold,) = sim.add_tag_group("客户等级", ["金卡"])
    services.refresh_tags()
    platinum = sim.corp.add_tag(tier, "白金卡✨").id
    sim.corp.tag_groups[tier].tags[gold].name = "金卡（新）"
    services.refresh_tags(tag_ids=[platinum])
    db.session.commit()
    # Fetched whole: the sibling tag is kept (and renamed), not removed.
    assert _live_tags() == {gold: "金卡（新）", platinum: "白金卡✨"}


def test_a_group_refreshed_by_id_removes_tags_wecom_dropped(app_ctx, sim):
    tier, (gold, silver) = sim.add_tag_group("客户等级", ["金卡", "银卡"])
    services.refresh_tags()
    sim.corp.delete_tag(silver)
    services.refresh_tags(group_ids=[tier])
    db.session.commit()
    assert _live_tags() == {gold: "金卡"}
    assert tags.get_tag(silver).removed_at is not None


def test_tag_wecom_no_longer_knows_is_removed_on_refresh(app_ctx, sim):
    tier, (gold, silver) = sim.add_tag_group("客户等级", ["金卡", "银卡"])
    services.refresh_tags()
    sim.corp.delete_tag(silver)
    services.refresh_tags(tag_ids=[silver])
    assert _live_tags() == {gold: "金卡"}


def test_groups_wecom_no_longer_lists_are_removed_by_a_full_refresh(app_ctx, sim):
    tier, (gold,) = sim.add_tag_group("客户等级", ["金卡"])
    old, (legacy,) = sim.add_tag_group("旧标签", ["停用"])
    services.refresh_tags()
    sim.corp.delete_tag_group(old)
    services.refresh_tags()
    db.session.commit()
    assert _live_tags() == {gold: "金卡"}
    assert tags.get_tag_group(old).removed_at is not None


def test_deleted_tag_is_taken_off_customers_and_its_empty_group_goes(app_ctx):
    services.upsert_tag_group(
        CorpTagGroupInfo("etGroupVip", "贵宾", tags=(CorpTagInfo("etTagVip", "私行客户"),))
    )
    rm = upsert_staff(MemberInfo("zhangwei", "張偉", ()))
    customer = services.upsert_customer(ExternalContactInfo("wmC1", "周潤發"))
    services.upsert_follow(
        customer, rm, FollowInfo("zhangwei", tags=(TagRef("etTagVip", "私行客户", "贵宾", 1),))
    )
    for _ in range(2):
        services.remove_tag("etTagVip")
        db.session.commit()
    services.remove_tag("etUnknown")
    assert db.session.scalar(select(func.count()).select_from(FollowTag)) == 0
    assert tags.get_tag_group("etGroupVip").removed_at is not None


def test_deleted_group_removes_all_its_tags(app_ctx):
    services.upsert_tag_group(
        CorpTagGroupInfo(
            "etG", "产品偏好", tags=(CorpTagInfo("etFund", "基金"), CorpTagInfo("etGold", "黄金"))
        )
    )
    services.remove_tag_group("etG")
    services.remove_tag_group("etG")
    services.remove_tag_group("etNothing")
    db.session.commit()
    assert _live_tags() == {}


def test_group_listed_as_deleted_is_removed_with_its_tags(app_ctx):
    services.upsert_tag_group(CorpTagGroupInfo("etG", "产品", tags=(CorpTagInfo("etF", "基金"),)))
    services.upsert_tag_group(
        CorpTagGroupInfo("etG", "产品", deleted=True, tags=(CorpTagInfo("etF", "基金"),))
    )
    assert tags.get_tag_group("etG").removed_at is not None
    assert _live_tags() == {}
