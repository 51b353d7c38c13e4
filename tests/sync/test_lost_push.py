"""WeCom's own gap: a push made while our web tier is down is re-delivered three times within
seconds and then dropped for good (WeCom's contract, not a fault of ours). The nightly full
sync — and ``scrm sync --since`` on demand — find such an add and apply it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from scrm.acquisition.models import ChannelAttribution
from scrm.customers.models import FOLLOW_ACTIVE
from scrm.customers.services import get_follow
from scrm.db import db
from scrm.inbox.models import InboundEvent
from scrm.sync.jobs import nightly_full_sync
from scrm.sync.services import run_full_sync
from scrm.wecom.simulator.pusher import MAX_REDELIVERIES

# Nothing listens here: a connection is refused at once, as when the web tier is down.
WEB_DOWN = "http://127.0.0.1:9/wecom/callback"


def _adds_stored() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(InboundEvent)
        .where(InboundEvent.change_type == "add_external_contact")
    )


def _shanghai(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


def _lose_one_add_and_deliver_one(sim, live_server):
    up = sim.pusher.url
    sim.pusher.url = WEB_DOWN
    lost = sim.operator.customer_adds_rm("xiaomei", name="錢多多💰", state="branch_poster")
    sim.pusher.url = up
    pushed = sim.operator.customer_adds_rm("daming", name="孫小美", state="branch_poster")
    return lost, pushed


def test_an_add_pushed_while_the_web_is_down_is_lost_by_wecom_and_found_by_the_nightly_sync(
    app_ctx, small_bank, sim, live_server
):
    run_full_sync()
    db.session.commit()
    lost, pushed = _lose_one_add_and_deliver_one(sim, live_server)

    # WeCom's side of the contract: four attempts, then the push is gone.
    assert not lost.delivery.delivered and lost.delivery.attempts == MAX_REDELIVERIES + 1
    assert pushed.delivery.delivered
    db.session.expire_all()
    assert _adds_stored() == 1
    assert get_follow(lost.external_userid, "xiaomei") is None

    nightly_full_sync()  # what the clock runs at SYNC_NIGHTLY_HOUR

    db.session.expire_all()
    follow = get_follow(lost.external_userid, "xiaomei")
    assert follow is not None and follow.status == FOLLOW_ACTIVE
    assert follow.customer.name == "錢多多💰" and follow.state == "branch_poster"


def test_sync_since_lists_the_adds_no_callback_announced_and_attributes_them(
    app_ctx, runner, small_bank, sim, live_server
):
    run_full_sync()
    db.session.commit()
    sim.clock.advance(240)  # the outage comes a few minutes after the bank's own follows
    since = _shanghai(sim.clock.now() - 60)
    lost, pushed = _lose_one_add_and_deliver_one(sim, live_server)

    result = runner.invoke(args=["scrm", "sync", "--since", since])

    assert result.exit_code == 0, result.output
    assert "1 customer(s) added an RM since" in result.output
    assert "錢多多💰" in result.output and "林小美 (xiaomei)" in result.output
    assert "孫小美" not in result.output  # its callback arrived: nothing was lost
    db.session.expire_all()
    follow = get_follow(lost.external_userid, "xiaomei")
    assert follow is not None and follow.status == FOLLOW_ACTIVE
    [attribution] = db.session.scalars(
        select(ChannelAttribution).where(ChannelAttribution.customer_id == follow.customer_id)
    )
    assert (attribution.state, attribution.source) == ("branch_poster", "sync")

    again = runner.invoke(args=["scrm", "sync", "--since", since])

    assert again.exit_code == 0, again.output
    assert "1 customer(s) added an RM since" in again.output  # still true: still no callback
    assert "attributed" not in again.output  # nothing left to attribute


def test_sync_since_says_so_when_every_add_had_its_callback(
    app_ctx, runner, small_bank, sim, live_server
):
    run_full_sync()
    db.session.commit()
    sim.clock.advance(240)
    since = _shanghai(sim.clock.now() - 60)
    assert sim.operator.customer_adds_rm("daming", name="孫小美").delivery.delivered

    result = runner.invoke(args=["scrm", "sync", "--since", since])

    assert result.exit_code == 0, result.output
    assert f"no add since {since} (Asia/Shanghai) was missed" in result.output


def test_sync_since_refuses_a_time_it_cannot_read(app_ctx, runner):
    result = runner.invoke(args=["scrm", "sync", "--since", "昨天下午"])

    assert result.exit_code == 2
    assert "YYYY-MM-DD HH:MM" in result.output or "%Y-%m-%d %H:%M" in result.output
