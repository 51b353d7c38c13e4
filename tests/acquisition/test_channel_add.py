"""A customer scans a channel QR code (渠道活码): the callback arrives, the worker applies it,
the welcome message (欢迎语) goes through the gate within WeCom's 20 seconds, the channel's tag
is put on, and the add is attributed to the channel — once, however often WeCom calls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from acq_names import BJ_RM, HQ, RM1, RM2
from sqlalchemy import func, select, update

from scrm.acquisition.channels import ChannelError, archive_channel, create_channel
from scrm.acquisition.models import ChannelAttribution
from scrm.acquisition.welcome import settle_welcome_statuses
from scrm.archive.chain.models import ArchivedMessage
from scrm.customers.models import Customer
from scrm.customers.services import get_follow
from scrm.db import db, utcnow
from scrm.inbox.models import InboundEvent
from scrm.outbox.models import Delivery
from scrm.worker.runner import drain_queues

WELCOME = (
    "{客户称呼}您好！我是{支行}的客户经理{客户经理}，欢迎参加春季理财节🌸。理财有风险，投资需谨慎。"
)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def spring_channel(bank, **kwargs):
    kwargs.setdefault("welcome_text", WELCOME)
    kwargs.setdefault("tag_ids", [bank["spring"]])
    channel = create_channel(
        name="春季理财节·陆家嘴", kind="campaign", created_by=HQ, userids=[RM1, RM2], **kwargs
    )
    db.session.commit()
    return channel


def attribution_of(external_userid: str) -> ChannelAttribution:
    db.session.expire_all()
    return db.session.scalars(
        select(ChannelAttribution)
        .join(ChannelAttribution.customer)
        .where(Customer.external_userid == external_userid)
    ).one()


def test_qr_code_add_with_welcome_message_and_attribution(bank, sim, scans, worker):
    channel = spring_channel(bank)
    way = sim.corp.contact_ways[channel.config_id]
    assert (way.type, way.scene, way.users, way.state) == (2, 2, [RM1, RM2], channel.state)
    assert channel.state == f"ch-{channel.id}-campaign" and channel.qr_code == way.qr_code

    sim.clock.freeze()
    scanned = scans.customer_scans_channel_code(channel.config_id, name="陳美玲🌷")
    assert scanned.delivery.delivered  # through the real callback endpoint
    assert worker() == ({"applied": 1}, {"sent": 1})

    # What the customer received, with the event's welcome code, inside WeCom's 20 seconds.
    [received] = sim.jobs.sent_welcome_messages
    assert received["welcome_code"] == scanned.welcome_code
    assert (received["userid"], received["external_userid"]) == (RM1, scanned.external_userid)
    assert received["text"] == (
        "陳美玲🌷您好！我是陆家嘴支行的客户经理林小美，欢迎参加春季理财节🌸。理财有风险，投资需谨慎。"
    )
    assert received["sent_at"] <= received["code_expires_at"]

    # Through the gate: archived as a welcome, released, one outbox row under the code's key.
    delivery = db.session.scalars(select(Delivery)).one()
    assert (delivery.kind, delivery.idempotency_key) == (
        "welcome_msg",
        f"welcome:{scanned.welcome_code}",
    )
    archived = db.session.get(ArchivedMessage, delivery.archived_message_id)
    assert (archived.origin, archived.channel) == ("welcome", "single")
    assert archived.outcome == "released"
    assert archived.recipients == [scanned.external_userid] and archived.sender == RM1

    # The channel's tag, in WeCom and locally.
    assert sim.corp.follows[(RM1, scanned.external_userid)].tag_ids == [bank["spring"]]
    follow = get_follow(scanned.external_userid, RM1)
    assert [(t.tag_key, t.tag_name) for t in follow.tags] == [(bank["spring"], "春季理财节🌸")]

    row = attribution_of(scanned.external_userid)
    assert (row.channel_id, row.state, row.staff.userid, row.add_way) == (
        channel.id,
        channel.state,
        RM1,
        1,
    )
    assert row.welcome_status == "welcome_queued" and row.tagged == [bank["spring"]]
    assert settle_welcome_statuses() == {"welcome_sent": 1}
    db.session.commit()
    assert attribution_of(scanned.external_userid).welcome_status == "welcome_sent"

    # The same callback again (WeCom missed our answer): nothing changes, nothing is sent.
    marks = len(sim.calls_to("externalcontact/mark_tag"))
    sim.pusher.push(scanned.plaintext, duplicate=True)
    assert worker() == ({}, {})
    assert count(InboundEvent) == 1 and count(ChannelAttribution) == 1 and count(Delivery) == 1
    assert len(sim.jobs.sent_welcome_messages) == 1
    assert len(sim.calls_to("externalcontact/mark_tag")) == marks

    # The next customer goes to the second RM of the multi-RM code.
    second = scans.customer_scans_channel_code(channel.config_id, name="張偉強")
    worker()
    assert attribution_of(second.external_userid).staff.userid == RM2
    greeting = sim.jobs.sent_welcome_messages[1]["text"]
    assert greeting.startswith("張偉強您好！我是陆家嘴支行的客户经理王建国")


def test_applying_the_same_add_again_after_a_crash_greets_once(bank, sim, scans, worker):
    from scrm.acquisition.attribution import on_customer_added
    from scrm.wecom.events import parse_event

    channel = spring_channel(bank)
    scanned = scans.customer_scans_channel_code(channel.config_id, name="黃小姐")
    worker(outbox=False)
    # A second worker re-applies the same event (its claim ran out mid-way): the unique
    # attribution decides, and neither the tags nor the welcome go twice.
    event = parse_event(scanned.plaintext)
    on_customer_added(event, get_follow(scanned.external_userid, RM1))
    db.session.commit()
    assert count(ChannelAttribution) == 1 and count(Delivery) == 1
    assert len(sim.calls_to("externalcontact/mark_tag")) == 1
    assert worker() == ({}, {"sent": 1}) and len(sim.jobs.sent_welcome_messages) == 1


def test_an_expired_welcome_code_is_a_clear_status_not_a_silent_drop(bank, sim, scans, worker):
    channel = spring_channel(bank)
    sim.clock.freeze()
    scanned = scans.customer_scans_channel_code(channel.config_id, name="遲到的客人")
    worker(outbox=False)
    sim.clock.advance(21)  # the outbox was stuck: the code is past its 20 seconds
    assert worker() == ({}, {"dead": 1})
    assert sim.jobs.sent_welcome_messages == []
    assert settle_welcome_statuses() == {"welcome_expired": 1}
    db.session.commit()
    row = attribution_of(scanned.external_userid)
    assert row.welcome_status == "welcome_expired" and "greet the customer by hand" in row.note


def test_a_welcome_the_outbox_reached_too_late_is_expired_unsent_and_the_rm_told(
    bank, sim, scans, worker
):
    channel = spring_channel(bank)
    scanned = scans.customer_scans_channel_code(channel.config_id, name="等太久的客人")
    worker(outbox=False)
    # Every worker was down for half a minute after the welcome was queued.
    db.session.execute(update(Delivery).values(created_at=utcnow() - timedelta(seconds=30)))
    db.session.commit()
    assert worker() == ({}, {"dead": 1})
    assert sim.calls_to("externalcontact/send_welcome_msg") == []  # WeCom is not asked
    assert settle_welcome_statuses() == {"welcome_expired": 1}
    db.session.commit()
    row = attribution_of(scanned.external_userid)
    assert row.welcome_status == "welcome_expired"
    assert row.note.startswith("欢迎语码已使用或已超过20秒") and "by hand" in row.note


def test_the_welcome_goes_out_before_the_rest_of_a_long_inbox(bank, sim, scans, live_server):
    channel = spring_channel(bank)
    # Thirty RM edits are already waiting in the inbox, each one a WeCom call to apply.
    for n in range(30):
        customer = sim.add_customer(None, f"老客户{n}号")
        sim.add_follow(RM2, customer)
        sim.operator.rm_edits_customer(RM2, customer, remark=f"老客户{n}号·已面谈")
    scans.customer_scans_channel_code(channel.config_id, name="刚扫码的客人🌱")
    assert drain_queues("worker-甲") == {
        "inbox": {"applied": 31},
        "outbox": {"sent": 1},
    }
    # WeCom's log: the welcome went before most of the edits were applied, not after all 30.
    paths = [call.path for call in sim.calls]
    sent = paths.index("externalcontact/send_welcome_msg")
    assert paths[sent + 1 :].count("externalcontact/get") >= 20


def test_a_welcome_blocked_at_send_time_reaches_nobody_and_the_owner_is_told(
    bank, sim, scans, worker
):
    channel = spring_channel(bank, welcome_text="{客户称呼}，欢迎您！")
    # The customer's WeChat name itself promises principal: the gate stops the greeting.
    scanned = scans.customer_scans_channel_code(channel.config_id, name="保本高收益")
    assert worker() == ({"applied": 1}, {"sent": 1})  # the owner's notice, not the welcome
    assert sim.jobs.sent_welcome_messages == []
    row = attribution_of(scanned.external_userid)
    assert row.welcome_status == "welcome_blocked" and row.welcome_delivery_id is None
    blocked = db.session.get(ArchivedMessage, row.archived_message_id)
    assert (blocked.origin, blocked.outcome) == ("welcome", "blocked")
    [notice] = sim.jobs.sent_app_messages
    assert notice["touser"] == HQ and "春季理财节·陆家嘴" in notice["text"]["content"]
    assert "保本" not in notice["text"]["content"] and "ZGXG" in notice["text"]["content"]


def test_channel_creation_refuses_a_blocked_welcome_and_wants_a_reason_for_a_warned_one(bank, sim):
    with pytest.raises(ChannelError, match=r'would be blocked: "保本保息" \(承诺收益/保本, block'):
        spring_channel(bank, welcome_text="欢迎！本行理财保本保息，稳赚不赔。")
    with pytest.raises(ChannelError, match="needs a reason"):
        spring_channel(bank, welcome_text="警惕虛擬貨幣詐騙，銀行不會索要驗證碼。")
    assert sim.corp.contact_ways == {}  # nothing was created in WeCom
    channel = spring_channel(
        bank, welcome_text="警惕虛擬貨幣詐騙，銀行不會索要驗證碼。", confirm_reason="反诈宣传"
    )
    assert channel.welcome_confirm_reason == "反诈宣传" and len(sim.corp.contact_ways) == 1


def test_channel_rms_must_have_customer_contact_and_codes_stop_when_archived(bank, sim, scans):
    with pytest.raises(ChannelError, match="zhou.zhuli may not add customers"):
        create_channel(name="助理码", kind="rm", created_by=HQ, userids=["zhou.zhuli"])
    with pytest.raises(ChannelError, match="unknown staff nobody"):
        create_channel(name="无人码", kind="rm", created_by=HQ, userids=["nobody"])
    branch = create_channel(name="北京分行码", kind="branch", created_by=HQ, department_id=4)
    assert branch.userids == [BJ_RM] and sim.corp.contact_ways[branch.config_id].type == 1
    archive_channel(branch)
    db.session.commit()
    assert branch.status == "archived" and branch.config_id not in sim.corp.contact_ways
    with pytest.raises(ValueError, match="no 联系我 code"):
        scans.customer_scans_channel_code(branch.config_id, name="扫旧码的人")


def test_unknown_state_is_kept_and_a_channel_without_text_gets_the_default(
    app, bank, sim, scans, worker
):
    app.config["ACQUISITION_DEFAULT_WELCOME"] = "{客户称呼}您好，我是{客户经理}，很高兴为您服务！"
    plain = spring_channel(bank, welcome_text=None, tag_ids=[])
    greeted = scans.customer_scans_channel_code(plain.config_id, name="老周")
    stranger = sim.operator.customer_adds_rm(RM2, name="路人甲", state="poster-外滩-2026")
    assert worker()[1] == {"sent": 1}
    [received] = sim.jobs.sent_welcome_messages
    assert received["text"] == "老周您好，我是林小美，很高兴为您服务！"
    unknown = attribution_of(stranger.external_userid)
    assert (unknown.channel_id, unknown.state) == (None, "poster-外滩-2026")
    assert unknown.welcome_status == "no_welcome" and unknown.note.startswith("unknown channel")
    assert attribution_of(greeted.external_userid).channel_id == plain.id


def test_a_group_invite_rides_along_with_the_welcome(bank, sim, scans, worker):
    channel = spring_channel(bank, group_chat_id=bank["chat_id"])
    join = sim.corp.join_ways[channel.join_config_id]
    assert join.chat_ids == [bank["chat_id"]] and join.state == channel.state
    scans.customer_scans_channel_code(channel.config_id, name="小李")
    worker()
    [received] = sim.jobs.sent_welcome_messages
    [invite] = received["attachments"]
    assert invite["msgtype"] == "link" and invite["link"]["url"] == join.qr_code
