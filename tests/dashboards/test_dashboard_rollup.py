"""The RMs' daily rollup the dashboards read: group numbers from the group metrics, customers,
moments, follow-ups, reply times and compliance hits, each checked exactly."""

from __future__ import annotations

from datetime import timedelta

from dashboard_names import D1, D2, HIT, WANG
from sqlalchemy import select

from scrm.archive.chain.models import BLOCKED, OUTBOUND, RELEASED
from scrm.archive.chain.services import append_message
from scrm.dashboards.jobs import roll_up_rm_daily_metrics
from scrm.dashboards.models import RmDailyMetric
from scrm.dashboards.response_times import bucket, quantile
from scrm.dashboards.services import COUNTED, compute_rm_daily_metrics
from scrm.db import db
from scrm.directory.models import Staff
from scrm.sop.metrics.models import GroupDailyMetric
from scrm.sop.metrics.services import local_today

# staff → day → the COUNTED columns, in order:
# customers new lost groups active members joins leaves messages sop_due on_time late missed
# checkins published likes comments fu_opened fu_done responses sent hits
EXPECTED = {
    "林小美": {
        D1: (3, 1, 0, 2, 2, 30, 3, 3, 8, 2, 1, 0, 1, 4, 1, 2, 1, 1, 1, 3, 4, 1),
        D2: (2, 0, 1, 2, 0, 31, 3, 2, 0, 2, 1, 1, 0, 2, 1, 0, 1, 1, 0, 1, 1, 0),
    },
    "吴静安": {
        D1: (1, 0, 0, 1, 0, 8, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 1),
        D2: (1, 0, 0, 1, 1, 9, 1, 0, 7, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0),
    },
    "孙本部": {
        D1: (0, 0, 0, 1, 1, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        D2: (0, 0, 0, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    },
    "赵北京": {
        D1: (1, 0, 0, 1, 1, 30, 5, 1, 9, 2, 2, 0, 0, 3, 1, 1, 0, 0, 0, 0, 0, 0),
        D2: (1, 0, 0, 1, 0, 33, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    },
}


def stored() -> dict:
    result: dict = {}
    for row in db.session.scalars(select(RmDailyMetric).order_by(RmDailyMetric.day)):
        name = db.session.get(Staff, row.staff_id).name
        result.setdefault(name, {})[row.day] = tuple(getattr(row, c) for c in COUNTED)
    return result


def test_each_rm_gets_exact_numbers_for_each_shanghai_day(bank):
    assert stored() == EXPECTED


def test_rows_are_filed_under_the_sub_branch_the_rm_worked_in(bank):
    departments = dict(
        db.session.execute(select(RmDailyMetric.staff_id, RmDailyMetric.department_id)).all()
    )
    assert departments == {
        bank["lin"].id: 3,
        bank["wu"].id: 5,
        bank["sun"].id: 2,
        bank["zhao"].id: 6,
    }


def test_reply_times_count_from_the_first_unanswered_message_to_the_rms_reply(bank):
    rows = {
        row.day: row.response_minutes
        for row in db.session.scalars(
            select(RmDailyMetric).where(RmDailyMetric.staff_id == bank["lin"].id)
        )
    }
    # 09:00→09:03 (a second message at 09:02 does not restart the wait), 10:00→10:10,
    # 14:00→14:45; the 10:11 message answered nothing. Li waited 23:50→00:20: Tuesday's.
    assert rows == {D1: {"3": 1, "10": 1, "45": 1}, D2: {"30": 1}}


def test_another_rms_message_does_not_answer_the_customer_waiting_for_this_rm(bank):
    wu = db.session.scalars(
        select(RmDailyMetric).where(RmDailyMetric.staff_id == bank["wu"].id)
    ).all()
    assert [(row.responses, row.response_minutes) for row in wu] == [(0, {}), (0, {})]


def test_reply_buckets_are_minutes_then_ten_minutes_then_hours():
    assert [bucket(timedelta(minutes=m)) for m in (0.5, 3, 119.9, 125, 1439, 1500)] == [
        0,
        3,
        119,
        120,
        1430,
        1500,
    ]
    assert quantile({"3": 1, "10": 1, "45": 1, "30": 1}, 0.5) == 10
    assert quantile({"3": 1, "10": 1, "45": 1, "30": 1}, 0.9) == 45
    assert quantile({}, 0.5) is None


def test_computing_a_day_again_gives_the_same_rows_and_drops_rms_with_nothing_left(bank):
    before = stored()
    compute_rm_daily_metrics(D1)
    db.session.commit()
    assert stored() == before
    db.session.execute(
        GroupDailyMetric.__table__.delete().where(
            GroupDailyMetric.owner_id == bank["sun"].id, GroupDailyMetric.day == D1
        )
    )
    compute_rm_daily_metrics(D1)
    db.session.commit()
    assert D1 not in stored()["孙本部"]


def test_released_gate_messages_are_counted_once_read_back_and_blocked_ones_today(bank):
    lin = bank["lin"].userid
    for key, outcome in (("sidebar-1", RELEASED), ("sidebar-2", BLOCKED)):
        append_message(
            direction=OUTBOUND,
            channel="single",
            origin="sidebar",
            sender=lin,
            msgtype="text",
            text="本产品保本保收益，稳赚不赔" if outcome == BLOCKED else "您好，产品说明书请查收",
            decision="block" if outcome == BLOCKED else "pass",
            outcome=outcome,
            recipients=[WANG],
            hits=HIT if outcome == BLOCKED else (),
            idempotency_key=key,
        )
    today = local_today()
    compute_rm_daily_metrics(today)
    db.session.commit()
    row = db.session.scalars(
        select(RmDailyMetric).where(
            RmDailyMetric.day == today, RmDailyMetric.staff_id == bank["lin"].id
        )
    ).one()
    assert (row.sent_messages, row.hit_messages) == (1, 1)


def test_the_clock_job_rolls_up_today(bank):
    roll_up_rm_daily_metrics()
    db.session.commit()
    today_rows = db.session.scalars(
        select(RmDailyMetric).where(RmDailyMetric.day == local_today())
    ).all()
    # Today: 林小美 has two customers left, 吴静安 and 赵北京 one each; no group metrics yet.
    assert {row.staff_id: row.customers for row in today_rows} == {
        bank["lin"].id: 2,
        bank["wu"].id: 1,
        bank["zhao"].id: 1,
    }
