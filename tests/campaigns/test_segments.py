"""Segments select customers by tags, bank profile, RM, group membership and last contact, in SQL,
and give every customer to exactly one RM."""

from __future__ import annotations

from datetime import timedelta

import pytest
from campaign_names import A, B, C

from scrm.archive.chain.models import INBOUND, INGESTED, OUTBOUND
from scrm.archive.chain.services import append_message
from scrm.campaigns.segments import SegmentError, preview_segment, segment_members
from scrm.db import db, utcnow


def selected(filters: dict) -> set[str]:
    return {eid for eid, _ in segment_members(filters)}


def test_tags_match_any_within_a_list_and_all_across_lists(bank):
    either = selected({"tags": [["代发客户", "按揭客户"]], "rm_userids": [A]})
    assert "wmHuangQ0008" in either and "wmZhangWei001" in either
    assert selected({"tags": [["代发客户"], ["稳健理财"]]}) == {"wmLiNa000002"}
    by_id = selected({"tags": [[bank.tag_ids["按揭客户"]]]})
    assert by_id == {"wmHuangQ0008"}
    with pytest.raises(SegmentError, match="no corp tag '贵宾'; check the name or id"):
        selected({"tags": [["贵宾"]]})


def test_a_customer_of_two_rms_goes_to_the_one_who_added_them_first(bank):
    members = dict(segment_members({"customer_types": ["payroll"]}))
    assert members["wmWuTing0010"] == B
    # Without 王建国 in the segment, 吴婷 goes to 林小美 instead of dropping out.
    assert dict(segment_members({"rm_userids": [A]}))["wmWuTing0010"] == A


def test_branch_subtree_and_group_membership(bank):
    shanghai = selected({"department_id": 2})
    assert "wmZhouJie009" not in shanghai and "wmChenJing05" in shanghai  # 陆家嘴 is below
    assert selected({"department_id": 4}) == {"wmZhouJie009"}
    assert selected({"in_group": True}) == {"wmZhangWei001"}
    assert selected({"in_group": bank.chat_id}) == {"wmZhangWei001"}
    with pytest.raises(SegmentError, match="filter in_group left none"):
        preview_segment({"in_group": "wrNoSuchGroup"})


def test_last_contact_counts_both_directions_and_never_contacted_is_before(bank):
    long_ago = utcnow() - timedelta(days=40)
    append_message(
        direction=INBOUND,
        channel="single",
        origin="archive",
        sender="wmChenJing05",
        msgtype="text",
        text="您好，请问代发工资卡的理财怎么买？",
        decision="pass",
        outcome=INGESTED,
        recipients=[B],
        sent_at=utcnow() - timedelta(days=2),
    )
    append_message(
        direction=OUTBOUND,
        channel="single",
        origin="archive",
        sender=A,
        msgtype="text",
        text="張先生您好，您的理财产品今日到期。",
        decision="pass",
        outcome=INGESTED,
        recipients=["wmZhangWei001"],
        sent_at=long_ago,
    )
    db.session.commit()
    week_ago = (utcnow() - timedelta(days=7)).isoformat()
    assert selected({"last_contact_after": week_ago}) == {"wmChenJing05"}
    quiet = selected({"last_contact_before": week_ago})
    assert "wmChenJing05" not in quiet
    assert {"wmZhangWei001", "wmSunLi00012"} <= quiet  # old contact, and never contacted
    assert selected({"last_contact_after": long_ago.date().isoformat()}) == {
        "wmChenJing05",
        "wmZhangWei001",
    }


def test_preview_counts_per_rm_in_the_callers_scope(bank):
    everyone = preview_segment({"customer_types": ["代发"]})
    assert everyone.per_rm == {A: 5, B: 4, C: 1}
    mine = preview_segment({"customer_types": ["代发"]}, scope_staff=bank.staff[B])
    assert mine.per_rm == {B: 4}
    lead = preview_segment({"customer_types": ["代发"]}, scope_staff=bank.staff["chen.hang"])
    assert lead.per_rm == {A: 5, B: 4}


def test_bad_filters_name_the_fix(bank):
    with pytest.raises(SegmentError, match="unknown filter colour"):
        preview_segment({"colour": "red"})
    with pytest.raises(SegmentError, match="e.g. 2026-11-01 or 2026-11-01T09:30:00"):
        preview_segment({"last_contact_before": "last week"})
    with pytest.raises(SegmentError, match="give tiers or min_tier, not both"):
        preview_segment({"tiers": ["gold"], "min_tier": "gold"})
