"""The campaigns API keeps RMs to their own customers and campaigns; the CLI runs a campaign
from segment to report; group campaigns and warned wording."""

from __future__ import annotations

import json

from campaign_names import HQ, LEAD, PAYROLL_GOLD_SHANGHAI, A, B
from sqlalchemy import select

from scrm.campaigns.models import MassCampaign, Segment
from scrm.campaigns.report import campaign_report
from scrm.campaigns.sending import create_campaign, send_campaign
from scrm.db import db, utcnow
from scrm.outbox.delivery import drain_outbox

NOTE = "【星河银行】代发客户专属：本周六网点理财讲座，欢迎预约。"


def test_an_rm_previews_and_sends_only_to_their_own_customers(bank, sim, client, sign_in_as):
    token = sign_in_as(bank.staff[B])
    headers = {"X-CSRF-Token": token}
    saved = client.post(
        "/api/campaigns/segments",
        json={"name": "我的代发金卡客户", "filters": PAYROLL_GOLD_SHANGHAI},
        headers=headers,
    )
    assert saved.status_code == 201, saved.get_json()
    assert saved.get_json()["preview"]["per_rm"] == {B: 3}
    created = client.post(
        "/api/campaigns",
        json={
            "name": "理财讲座邀请",
            "text": NOTE,
            "segment_id": saved.get_json()["segment"]["id"],
        },
        headers=headers,
    )
    assert created.status_code == 201
    campaign_id = created.get_json()["campaign"]["id"]
    sent = client.post(f"/api/campaigns/{campaign_id}/send", json={}, headers=headers)
    assert sent.status_code == 200 and sent.get_json()["campaign"]["status"] == "sending"
    drain_outbox("campaigns-test")
    (message,) = sim.jobs.mass_messages.values()
    assert message.creator == B
    assert {r.target for r in message.recipients} == {
        "wmChenJing05",
        "wmYangLei006",
        "wmWuTing0010",
    }

    # 林小美 cannot see or act on 王建国's campaign; his lead and HQ can.
    token = sign_in_as(bank.staff[A])
    assert client.get(f"/api/campaigns/{campaign_id}").status_code == 404
    refused = client.post(
        f"/api/campaigns/{campaign_id}/cancel", json={}, headers={"X-CSRF-Token": token}
    )
    assert refused.status_code == 404
    assert client.get("/api/campaigns").get_json()["campaigns"] == []
    sign_in_as(bank.staff[LEAD])
    report = client.get(f"/api/campaigns/{campaign_id}").get_json()
    assert report["totals"]["queued"] == 3 and set(report["per_rm"]) == {B}
    sign_in_as(bank.staff[HQ])
    assert [c["id"] for c in client.get("/api/campaigns").get_json()["campaigns"]] == [campaign_id]


def test_an_empty_segment_is_a_bad_request_naming_the_filter(bank, client, sign_in_as):
    token = sign_in_as(bank.staff[A])
    response = client.post(
        "/api/campaigns/segments/preview",
        json={"filters": {"customer_types": ["按揭"], "tiers": ["private"]}},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 400
    assert "filter tiers left none" in response.get_json()["error"]["message"]


def test_a_group_campaign_goes_to_each_owner_and_a_warning_needs_a_reason(bank, sim):
    text = "温馨提示：银行工作人员不会索要您的交易密码，谨防电信诈骗。"
    campaign = create_campaign(name="防诈提示", created_by=HQ, text=text, chat_ids=[bank.chat_id])
    send_campaign(campaign, now=utcnow())
    db.session.commit()
    assert campaign.status == "awaiting_confirmation"
    assert '"交易密码"' in campaign.note and "confirm reason" in campaign.note
    assert drain_outbox("campaigns-test").get("sent", 0) == 0
    send_campaign(campaign, now=utcnow(), confirm_reason="防诈骗提示，合规已确认")
    db.session.commit()
    assert campaign.status == "sending"
    drain_outbox("campaigns-test")
    (message,) = sim.jobs.mass_messages.values()
    assert message.chat_type == "group" and message.creator == A
    assert [r.target for r in message.recipients] == [bank.chat_id]


def test_the_cli_runs_a_campaign_from_segment_to_report(bank, sim, runner, tmp_path):
    filters = tmp_path / "segment.json"
    filters.write_text(json.dumps(PAYROLL_GOLD_SHANGHAI, ensure_ascii=False), encoding="utf-8")
    out = runner.invoke(
        args=[
            "scrm",
            "campaigns",
            "segment-save",
            "代发金卡",
            "--filters",
            str(filters),
            "--owner",
            HQ,
        ]
    )
    assert out.exit_code == 0, out.output
    assert f"{A}: 5" in out.output and "excluded by department_id: 1" in out.output
    out = runner.invoke(
        args=["scrm", "campaigns", "create", "--name", "讲座", "--by", HQ, "--text", NOTE]
        + ["--segment", "代发金卡"]
    )
    assert out.exit_code == 0, out.output
    campaign_id = db.session.scalar(select(MassCampaign.id))
    out = runner.invoke(args=["scrm", "campaigns", "send", str(campaign_id)])
    assert out.exit_code == 0 and "sending" in out.output, out.output
    drain_outbox("campaigns-test")
    messages = {m.creator: m for m in sim.jobs.mass_messages.values()}
    sim.operator.rm_confirms_mass_message(messages[A].msgid, A)
    out = runner.invoke(args=["scrm", "campaigns", "status", str(campaign_id), "--json"])
    report = json.loads(out.output)
    assert report["per_rm"][A]["sender_status"] == "confirmed"
    assert report["totals"]["sent"] == 5 and report["totals"]["queued"] == 3
    out = runner.invoke(args=["scrm", "campaigns", "remind", str(campaign_id)])
    assert f"{B}: reminded" in out.output
    out = runner.invoke(args=["scrm", "campaigns", "cancel", str(campaign_id), "--by", HQ])
    assert out.exit_code == 0, out.output
    out = runner.invoke(args=["scrm", "campaigns", "status", str(campaign_id)])
    assert "cancelled" in out.output and "the campaign was cancelled before the RM" in out.output
    out = runner.invoke(args=["scrm", "campaigns", "cancel", str(campaign_id), "--by", HQ])
    assert out.exit_code != 0 and "only a sending campaign is cancelled" in out.output
    assert db.session.scalar(select(Segment.name)) == "代发金卡"


def test_the_clock_polls_open_campaigns_and_reminds_who_has_not_confirmed(bank, sim):
    from scrm.campaigns import jobs

    segment = Segment(name="代发金卡", owner_userid=HQ, filters=PAYROLL_GOLD_SHANGHAI)
    db.session.add(segment)
    campaign = create_campaign(name="讲座", created_by=HQ, text=NOTE, segment=segment)
    send_campaign(campaign, now=utcnow())
    db.session.commit()
    jobs.poll_mass_campaigns()  # still in the outbox: nothing to learn, nothing breaks
    drain_outbox("campaigns-test")
    messages = {m.creator: m for m in sim.jobs.mass_messages.values()}
    sim.operator.rm_confirms_mass_message(messages[A].msgid, A)
    jobs.poll_mass_campaigns()
    jobs.remind_unconfirmed_campaigns()
    db.session.expire_all()
    parts = {s.staff_userid: s for s in campaign.senders}
    assert parts[A].status == "confirmed" and parts[A].reminded_at == []
    assert parts[B].status == "waiting" and len(parts[B].reminded_at) == 1
    assert len(sim.calls_to("externalcontact/remind_groupmsg_send")) == 1


def test_the_bank_may_market_without_archive_agreement(bank, sim, audit, app):
    app.config["CAMPAIGNS_REQUIRE_ARCHIVE_AGREEMENT"] = False
    audit.disagreed.add((A, "wmSunLi00012"))
    segment = Segment(name="代发金卡", owner_userid=HQ, filters=PAYROLL_GOLD_SHANGHAI)
    db.session.add(segment)
    campaign = create_campaign(name="讲座", created_by=HQ, text=NOTE, segment=segment)
    send_campaign(campaign, now=utcnow())
    db.session.commit()
    assert sim.calls_to("msgaudit/check_single_agree") == []
    report = campaign_report(campaign)
    assert report["totals"]["queued"] == 8 and report["totals"]["excluded"] == 0
