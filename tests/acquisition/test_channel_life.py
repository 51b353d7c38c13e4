"""What happens around a channel add besides the happy path: a worker dying mid-send, an add
the full sync saw before any event, and editing a channel's RMs and greeting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from acq_names import BJ_RM, HQ, RM1, RM2
from sqlalchemy import func, select

from scrm.acquisition.attribution import attribute_synced_follows
from scrm.acquisition.channels import ChannelError, create_channel, update_channel
from scrm.acquisition.models import ChannelAttribution
from scrm.acquisition.welcome import settle_welcome_statuses
from scrm.db import db, utcnow
from scrm.outbox.models import SENDING, Delivery
from scrm.sync.services import run_full_sync


def channel_for(*userids: str, **kwargs):
    kwargs.setdefault("welcome_text", "{客户称呼}，您好！我是{客户经理}。")
    channel = create_channel(
        name="新客礼遇", kind="campaign", created_by=HQ, userids=list(userids), **kwargs
    )
    db.session.commit()
    return channel


def test_a_welcome_resent_after_a_worker_died_mid_send_is_marked_unverified(
    bank, sim, scans, worker
):
    channel = channel_for(RM1)
    scanned = scans.customer_scans_channel_code(channel.config_id, name="鄭先生")
    worker(outbox=False)
    # The worker that sent it died after WeCom took the code and before it recorded the send.
    sim.jobs.welcome_codes[scanned.welcome_code].used = True
    delivery = db.session.scalars(select(Delivery)).one()
    delivery.status, delivery.attempts = SENDING, 1
    delivery.sending_started_at = utcnow() - timedelta(minutes=10)
    delivery.claimed_by, delivery.claimed_until = "dead-worker", utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert worker() == ({}, {"confirmed": 1})
    assert settle_welcome_statuses() == {"welcome_unverified": 1}
    db.session.commit()
    row = db.session.scalars(select(ChannelAttribution)).one()
    assert row.welcome_status == "welcome_unverified" and "WeCom cannot say" in row.note


def test_an_add_the_sync_saw_first_is_attributed_once_without_a_late_welcome(bank, sim):
    channel = channel_for(BJ_RM)
    eid = sim.add_customer(name="錢女士")
    sim.add_follow(BJ_RM, eid, state=channel.state, add_way=1)
    sim.add_follow(BJ_RM, sim.add_customer(name="孫先生"), state="活动-老码", add_way=1)
    run_full_sync()
    assert attribute_synced_follows() == 2
    db.session.commit()
    assert attribute_synced_follows() == 0
    rows = {r.state: r for r in db.session.scalars(select(ChannelAttribution))}
    assert rows[channel.state].channel_id == channel.id and rows[channel.state].source == "sync"
    assert rows["活动-老码"].channel_id is None
    assert all(r.welcome_status is None for r in rows.values())
    assert db.session.scalar(select(func.count(Delivery.id))) == 0


def test_editing_a_channel_changes_its_code_in_wecom_and_rescans_the_greeting(bank, sim):
    single = channel_for(RM1)
    with pytest.raises(ChannelError, match="one-RM code and WeCom cannot give it more RMs"):
        update_channel(single, userids=[RM1, RM2])
    db.session.rollback()
    channel = channel_for(RM1, RM2)
    update_channel(channel, userids=[RM2, BJ_RM], welcome_text="欢迎{客户称呼}！")
    db.session.commit()
    assert sim.corp.contact_ways[channel.config_id].users == [RM2, BJ_RM]
    assert channel.welcome_text == "欢迎{客户称呼}！"
    with pytest.raises(ChannelError, match="would be blocked"):
        update_channel(channel, welcome_text="本理财产品保证收益，零风险！")
    db.session.rollback()
    assert channel.welcome_text == "欢迎{客户称呼}！"
