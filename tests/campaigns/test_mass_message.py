"""HQ sends a mass message (客户群发) to 代发 customers of 金卡 and above in 上海分行: previewed per
RM, excluded where it must not go, sent through the gate, confirmed by one RM, reminded and
cancelled for the other, and reported customer by customer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from campaign_names import HQ, PAYROLL_GOLD_SHANGHAI, A, B
from sqlalchemy import func, select

from scrm.archive.chain.models import ArchivedMessage
from scrm.campaigns.models import CampaignRecipient, MassCampaign, Segment
from scrm.campaigns.report import campaign_report
from scrm.campaigns.results import cancel_campaign, poll_open_campaigns, remind_unconfirmed
from scrm.campaigns.segments import SegmentError, preview_segment
from scrm.campaigns.sending import CampaignError, create_campaign, send_campaign
from scrm.db import db, utcnow
from scrm.outbox.delivery import drain_outbox
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import groupmsg as groupmsg_api
from scrm.wecom.errors import WeComError

SPRING = (
    "【星河银行】尊敬的客户：春季代发客户专享理财节开幕，详情请咨询您的客户经理。"
    "理财有风险，投资需谨慎。"
)
ADD = "externalcontact/add_msg_template"


def save_segment(name: str, filters: dict) -> Segment:
    segment = Segment(name=name, owner_userid=HQ, filters=filters)
    db.session.add(segment)
    db.session.commit()
    return segment


def statuses(campaign: MassCampaign) -> dict[str, tuple[str, str | None]]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id)
    )
    return {r.target: (r.status, r.reason) for r in rows}


def test_segment_mass_message_with_partial_delivery_and_daily_limit(bank, sim, audit):
    # Earlier today 李娜 got another mass message from scrm (the 稳健理财 morning note).
    morning = create_campaign(
        name="稳健理财早报",
        created_by=HQ,
        text="早上好！今日稳健理财早报已更新。",
        segment=save_segment("稳健理财", {"tags": [["稳健理财"]]}),
    )
    send_campaign(morning, now=utcnow())
    db.session.commit()
    assert drain_outbox("campaigns-test")["sent"] == 1
    # 王芳 got a mass message her RM typed in the WeCom client: only WeCom knows (status 3).
    day = (int(sim.clock.timestamp()) + 8 * 3600) // 86400
    sim.jobs.daily_quota[("wmWangFang03", day)] = "msgMemberCreated"
    # 孙丽 refused the conversation archive; the bank markets only with agreement.
    audit.disagreed.add((A, "wmSunLi00012"))

    segment = save_segment("代发金卡及以上·上海", PAYROLL_GOLD_SHANGHAI)
    preview = preview_segment(segment.filters)
    # 吴婷 is followed by both RMs: she goes to 王建国, who added her first.
    assert preview.per_rm == {A: 5, B: 3} and preview.total == 8
    assert preview.excluded == [
        {"filter": "tiers", "customers": 2},  # 赵敏 is 大众, 钱多多 is not bound
        {"filter": "customer_types", "customers": 1},  # 黄强 has only 按揭
        {"filter": "department_id", "customers": 1},  # 周杰 is 北京分行's
    ]

    campaign = create_campaign(name="春季代发理财节", created_by=HQ, text=SPRING, segment=segment)
    send_campaign(campaign, now=utcnow())
    db.session.commit()
    assert campaign.status == "sending"
    assert statuses(campaign)["wmLiNa000002"] == ("excluded", "daily_limit")
    assert statuses(campaign)["wmSunLi00012"] == ("excluded", "archive_disagreed")
    assert drain_outbox("campaigns-test")["sent"] == 2
    assert len(sim.calls_to(ADD)) == 3
    messages = {m.creator: m for m in sim.jobs.mass_messages.values() if m.text == SPRING}
    assert {r.target for r in messages[A].recipients} == {
        "wmZhangWei001",
        "wmWangFang03",
        "wmLiuYang004",
    }
    assert {r.target for r in messages[B].recipients} == {
        "wmChenJing05",
        "wmYangLei006",
        "wmWuTing0010",
    }

    # 劉洋 deletes 林小美 before she confirms; she confirms; 王建国 does not.
    sim.operator.customer_deletes_rm(A, "wmLiuYang004")
    sim.operator.rm_confirms_mass_message(messages[A].msgid, A)
    assert poll_open_campaigns(utcnow())["confirmed"] == 1
    db.session.commit()
    assert statuses(campaign) == {
        "wmZhangWei001": ("sent", None),
        "wmWangFang03": ("daily_limit", "wecom_daily_limit"),
        "wmLiuYang004": ("not_friend", "wecom_not_friend"),
        "wmLiNa000002": ("excluded", "daily_limit"),
        "wmSunLi00012": ("excluded", "archive_disagreed"),
        "wmChenJing05": ("queued", None),
        "wmYangLei006": ("queued", None),
        "wmWuTing0010": ("queued", None),
    }

    # 王建国 is reminded: three times in 24 hours, the fourth is refused (by us and by WeCom).
    now = utcnow()
    for minutes in (0, 60, 120):
        assert remind_unconfirmed(campaign, now + timedelta(minutes=minutes)) == {B: "reminded"}
    fourth = remind_unconfirmed(campaign, now + timedelta(hours=5))
    assert fourth[B].startswith("refused: WeCom allows 3 reminders in 24 hours")
    with pytest.raises(WeComError) as refused:
        groupmsg_api.remind_groupmsg_send(get_client("contact"), messages[B].msgid)
    assert refused.value.errcode == 45009
    db.session.commit()
    assert len(sim.calls_to("externalcontact/remind_groupmsg_send")) >= 4

    cancel_campaign(campaign, utcnow(), by=HQ)
    db.session.commit()
    assert campaign.status == "cancelled"
    # A confirmation after the cancel has no effect: nothing reaches 王建国's customers.
    sim.operator.rm_confirms_mass_message(messages[B].msgid, B)
    assert all(r.status == 0 for r in messages[B].recipients)

    report = campaign_report(campaign)
    assert report["totals"] == {
        "queued": 0,
        "excluded": 2,
        "sent": 1,
        "unsent": 0,
        "not_friend": 1,
        "daily_limit": 1,
        "cancelled": 3,
    }
    unreachable = {(u["name"], u["rm"], u["status"]) for u in report["unreachable"]}
    assert unreachable == {
        ("李娜🌸", A, "excluded"),
        ("孙丽", A, "excluded"),
        ("王芳", A, "daily_limit"),
        ("劉洋", A, "not_friend"),
        ("陈静", B, "cancelled"),
        ("杨磊", B, "cancelled"),
        ("吴婷（Ｗ）", B, "cancelled"),
    }
    assert report["per_rm"][A]["sender_status"] == "confirmed"
    assert report["per_rm"][B]["sender_status"] == "cancelled"
    assert len(report["per_rm"][B]["reminders"]) == 3
    assert all(u["reason_text"] for u in report["unreachable"])

    # Running send and the jobs again sends nothing twice.
    send_campaign(campaign, now=utcnow())
    poll_open_campaigns(utcnow())
    db.session.commit()
    assert drain_outbox("campaigns-test").get("sent", 0) == 0
    assert len(sim.calls_to(ADD)) == 3
    archived = db.session.scalars(
        select(ArchivedMessage).where(
            ArchivedMessage.origin == "mass_message", ArchivedMessage.text == SPRING
        )
    ).all()
    assert {(m.sender, m.outcome) for m in archived} == {(A, "released"), (B, "released")}
    assert sorted(archived[0].recipients + archived[1].recipients) == sorted(
        [
            "wmZhangWei001",
            "wmWangFang03",
            "wmLiuYang004",
            "wmChenJing05",
            "wmYangLei006",
            "wmWuTing0010",
        ]
    )


def test_guaranteed_return_wording_stops_the_campaign_and_nothing_reaches_wecom(bank, sim):
    segment = save_segment("代发金卡及以上·上海", PAYROLL_GOLD_SHANGHAI)
    campaign = create_campaign(
        name="保本理财",
        created_by=HQ,
        text="本行新发理财产品保本保息，年化收益5%，欢迎咨询！",
        segment=segment,
    )
    send_campaign(campaign, now=utcnow())
    db.session.commit()
    assert campaign.status == "blocked"
    assert "保本保息" in campaign.note and "reword it" in campaign.note
    assert drain_outbox("campaigns-test").get("sent", 0) == 0
    assert sim.calls_to(ADD) == []
    assert db.session.scalar(select(func.count()).select_from(CampaignRecipient)) == 0
    with pytest.raises(CampaignError, match="create a new campaign with reworded text"):
        send_campaign(campaign, now=utcnow())


def test_an_empty_segment_names_the_filter_that_emptied_it(bank):
    with pytest.raises(SegmentError) as empty:
        preview_segment({"customer_types": ["社保卡"], "min_tier": "gold"})
    assert "filter customer_types left none of the 10 customers" in str(empty.value)
    with pytest.raises(SegmentError, match="tiers: 'vip' is not known; use one of mass"):
        preview_segment({"tiers": ["vip"]})
