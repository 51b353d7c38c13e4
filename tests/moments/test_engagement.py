"""Moments engagement: customers' likes and comments from WeCom, the 1v1 follow-up each
commenter becomes for their RM, and the daily review of the most-interacted posts."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from scrm.archive.chain.services import append_message
from scrm.compliance.gateway import OutboundMessage, submit
from scrm.db import db
from scrm.moments.engagement import (
    close_follow_ups_from_archive,
    daily_review,
    mark_follow_up_done,
    pull_interactions,
)
from scrm.moments.jobs import pull_moment_engagement
from scrm.moments.models import (
    FOLLOW_UP_DONE,
    FOLLOW_UP_OPEN,
    POST_PUBLISHING,
    MomentFollowUp,
    MomentInteraction,
    MomentPost,
    MomentPublication,
)
from scrm.wecom.client import get_client
from scrm.wecom.simulator.operator import OperatorError
from scrm.worker.schedule import clock_jobs

SHANGHAI = ZoneInfo("Asia/Shanghai")
LIN, ZHOU, WU = "lin.xiaomei", "zhou.jian", "wu.lei"  # 西湖支行, 宁波分行, 宁波分行
WANG, LI, CHEN, ZHAO = "wmWangXianSheng01", "wmLiNvShi02", "wmChenXianSheng03", "wmZhaoNvShi04"


@pytest.fixture
def bank(app_ctx, sim, create_department, create_staff):
    """HQ with two branches (杭州: 西湖支行 under it; 宁波), three RMs and their customers,
    the WeCom clock frozen at 10:00 two days ago (Shanghai time)."""
    day = datetime.now(SHANGHAI).date() - timedelta(days=2)
    morning = datetime.combine(day, time(10), SHANGHAI)
    sim.clock.set(morning.timestamp())
    for dept_id, name, parent in (
        (1, "总行", None),
        (2, "杭州分行", 1),
        (3, "宁波分行", 1),
        (21, "西湖支行", 2),
    ):
        create_department(dept_id, name, parent, in_wecom=True)
    staff = {}
    for userid, name, dept in ((LIN, "林小美", 21), (ZHOU, "周健", 3), (WU, "吴磊", 3)):
        sim.add_user(userid, name, [dept], position="客户经理")
        staff[userid] = create_staff(userid, name, dept, is_follow_user=True)
    for eid, name, rm in ((WANG, "王先生", LIN), (LI, "李女士", LIN), (CHEN, "陈先生", ZHOU)):
        sim.add_customer(eid, name)
        sim.add_follow(rm, eid)
    sim.add_customer(ZHAO, "赵女士")
    sim.add_follow(WU, ZHAO)
    db.session.commit()
    return {"day": day, "morning": morning, "staff": staff}


def publish_post(sim, bank, slot: int, text: str, publishers) -> MomentPost:
    """HQ's post for the day, created as a WeCom moment task and published by ``publishers``."""
    client = get_client("contact")
    jobid = client.post(
        "externalcontact/add_moment_task",
        data={
            "text": {"content": text},
            "visible_range": {"sender_list": {"user_list": [LIN, ZHOU, WU]}},
        },
    )["jobid"]
    moment_id = client.get("externalcontact/get_moment_task_result", params={"jobid": jobid})[
        "result"
    ]["moment_id"]
    post = MomentPost(
        day=bank["day"],
        slot=slot,
        text=text,
        sender_userids=[LIN, ZHOU, WU],
        status=POST_PUBLISHING,
        moment_id=moment_id,
        created_by="hq.ops",
    )
    db.session.add(post)
    db.session.flush()
    for userid, staff in bank["staff"].items():
        published = userid in publishers
        if published:
            sim.operator.rm_publishes_moment(moment_id, userid)
        db.session.add(MomentPublication(post_id=post.id, staff_id=staff.id, published=published))
    db.session.commit()
    return post


def pull(bank, hours: float = 1) -> dict:
    counts = pull_interactions(bank["morning"] + timedelta(hours=hours))
    db.session.commit()
    return counts


def follow_ups() -> list[MomentFollowUp]:
    return list(db.session.scalars(select(MomentFollowUp).order_by(MomentFollowUp.id)))


def rm_messages(
    sender: str, customer: str, text: str = "王先生您好，看到您的评论，周末方便来网点聊聊吗？"
):
    result = submit(
        OutboundMessage(
            channel="single",
            origin="sidebar",
            sender_userid=sender,
            text=text,
            delivery_kind="sidebar",
            recipients=[customer],
        )
    )
    db.session.commit()
    assert result.released
    return result


def test_commenting_customer_becomes_a_follow_up_and_a_like_does_not(sim, bank):
    post = publish_post(sim, bank, 1, "【总行】大额存单今日开售，欢迎咨询您的客户经理", [LIN, ZHOU])
    sim.operator.customer_comments_on_moment(post.moment_id, LIN, WANG)
    sim.operator.customer_likes_moment(post.moment_id, LIN, LI)
    sim.operator.customer_likes_moment(post.moment_id, ZHOU, CHEN)

    counts = pull(bank)

    assert counts == {"copies": 2, "failed": 0, "likes": 2, "comments": 1, "follow_ups": 1}
    (follow_up,) = follow_ups()
    assert follow_up.external_userid == WANG and follow_up.staff_id == bank["staff"][LIN].id
    assert follow_up.status == FOLLOW_UP_OPEN
    assert follow_up.created_at == bank["morning"]


def test_pulling_again_stores_nothing_twice(sim, bank):
    post = publish_post(sim, bank, 1, "【总行】养老金融专场讲座本周六举行", [LIN])
    sim.operator.customer_comments_on_moment(post.moment_id, LIN, WANG)
    sim.operator.customer_likes_moment(post.moment_id, LIN, WANG)
    pull(bank)
    sim.clock.advance(600)
    sim.operator.customer_comments_on_moment(post.moment_id, LIN, WANG)  # a second comment

    counts = pull(bank, hours=2)

    assert counts == {"copies": 1, "failed": 0, "likes": 0, "comments": 1, "follow_ups": 0}
    assert db.session.scalar(select(func.count(MomentInteraction.id))) == 3
    assert len(follow_ups()) == 1


def test_rm_who_did_not_publish_is_not_asked_and_old_posts_are_not_pulled(sim, bank):
    post = publish_post(sim, bank, 1, "【总行】信用卡境外消费返现活动", [LIN])
    sim.operator.customer_comments_on_moment(post.moment_id, LIN, WANG)

    assert pull(bank, hours=24 * 8)["copies"] == 0
    assert pull(bank)["copies"] == 1
    del sim.jobs.moments[next(iter(sim.jobs.moments))]  # WeCom no longer knows the moment
    assert pull(bank)["failed"] == 1
    with pytest.raises(OperatorError, match="has not published"):
        sim.operator.customer_comments_on_moment(post.moment_id, ZHOU, CHEN)


def test_follow_up_is_done_when_the_rm_messages_that_customer(sim, bank):
    post = publish_post(sim, bank, 1, "【总行】大额存单今日开售，欢迎咨询您的客户经理", [LIN])
    sim.operator.customer_comments_on_moment(post.moment_id, LIN, WANG)
    sim.operator.customer_comments_on_moment(post.moment_id, LIN, LI)
    pull(bank)
    rm_messages(LIN, LI, "李女士您好，存单额度还有，需要帮您预约吗？")
    rm_messages(ZHOU, WANG, "王先生您好，我是宁波分行的周健")  # another RM: not a follow-up

    closed = close_follow_ups_from_archive(bank["morning"])
    db.session.commit()

    wang, li = follow_ups()
    assert closed == 1
    assert (li.status, li.done_how, li.archived_message_id) == (FOLLOW_UP_DONE, "messaged", 1)
    assert wang.status == FOLLOW_UP_OPEN
    assert close_follow_ups_from_archive(bank["morning"]) == 0


def test_a_message_sent_before_the_comment_does_not_close_the_follow_up(sim, bank):
    post = publish_post(sim, bank, 2, "【总行】手机银行新版上线", [LIN])
    sim.clock.advance(3600)
    sim.operator.customer_comments_on_moment(post.moment_id, LIN, WANG)
    pull(bank, hours=2)
    append_message(
        direction="outbound",
        channel="single",
        origin="conversation_archive",
        sender=LIN,
        msgtype="text",
        text="王先生早上好",
        decision="pass",
        outcome="ingested",
        recipients=[WANG],
        wecom_msgid="msg-lin-wang-early",
        sent_at=bank["morning"] + timedelta(minutes=5),  # before the 11:00 comment
    )
    db.session.commit()

    assert close_follow_ups_from_archive(bank["morning"]) == 0
    assert follow_ups()[0].status == FOLLOW_UP_OPEN


def test_rm_marks_a_follow_up_done_and_no_one_else_can(sim, bank):
    post = publish_post(sim, bank, 1, "【总行】大额存单今日开售", [LIN])
    sim.operator.customer_comments_on_moment(post.moment_id, LIN, WANG)
    pull(bank)
    (follow_up,) = follow_ups()

    with pytest.raises(PermissionError, match="only that RM"):
        mark_follow_up_done(follow_up, bank["staff"][ZHOU])
    mark_follow_up_done(follow_up, bank["staff"][LIN])
    db.session.commit()

    assert (follow_up.status, follow_up.done_how) == (FOLLOW_UP_DONE, "marked")
    with pytest.raises(ValueError, match="already done"):
        mark_follow_up_done(follow_up, bank["staff"][LIN])


def test_daily_review_orders_posts_by_interaction_per_branch(sim, bank):
    deposit = publish_post(sim, bank, 1, "【总行】大额存单今日开售", [LIN, ZHOU, WU])
    pension = publish_post(sim, bank, 2, "【总行】养老金融专场讲座", [LIN, ZHOU, WU])
    play = sim.operator
    play.customer_likes_moment(deposit.moment_id, LIN, WANG)  # 杭州: deposit 1
    play.customer_comments_on_moment(pension.moment_id, LIN, WANG)  # 杭州: pension 3
    play.customer_likes_moment(pension.moment_id, LIN, WANG)
    play.customer_likes_moment(pension.moment_id, LIN, LI)
    play.customer_comments_on_moment(deposit.moment_id, ZHOU, CHEN)  # 宁波: deposit 3
    play.customer_likes_moment(deposit.moment_id, ZHOU, CHEN)
    play.customer_likes_moment(deposit.moment_id, WU, ZHAO)
    pull(bank)

    review = daily_review(bank["day"])

    assert [(r["branch"], r["post_id"], r["likes"], r["comments"]) for r in review] == [
        ("杭州分行", pension.id, 2, 1),
        ("杭州分行", deposit.id, 1, 0),
        ("宁波分行", deposit.id, 2, 1),
    ]
    assert [r["post_id"] for r in daily_review(bank["day"], branch_id=2, limit=1)] == [pension.id]
    assert daily_review(bank["day"] + timedelta(days=1)) == []
    with pytest.raises(ValueError, match="at least 1"):
        daily_review(bank["day"], limit=0)


def test_the_clock_job_pulls_and_closes_follow_ups(sim, bank, runner, app):
    assert "moments.pull_engagement" in {job.id for job in clock_jobs(app)}
    sim.clock.reset()  # the job pulls at the real now
    post = publish_post(sim, bank, 1, "【总行】大额存单今日开售", [LIN])
    sim.operator.customer_comments_on_moment(post.moment_id, LIN, WANG)
    sim.operator.customer_comments_on_moment(post.moment_id, LIN, LI)
    pull_moment_engagement()
    db.session.commit()
    rm_messages(LIN, WANG)

    pull_moment_engagement()
    db.session.commit()

    assert [f.status for f in follow_ups()] == [FOLLOW_UP_DONE, FOLLOW_UP_OPEN]


def test_cli_lists_open_follow_ups_and_the_daily_review(sim, bank, runner):
    post = publish_post(sim, bank, 1, "【总行】大额存单今日开售", [LIN, ZHOU])
    sim.operator.customer_comments_on_moment(post.moment_id, LIN, WANG)
    sim.operator.customer_comments_on_moment(post.moment_id, ZHOU, CHEN)
    pull(bank)

    mine = runner.invoke(args=["scrm", "moments", "follow-ups", "--rm", LIN])
    review = runner.invoke(args=["scrm", "moments", "engagement", "--day", bank["day"].isoformat()])
    unknown = runner.invoke(args=["scrm", "moments", "follow-ups", "--rm", "nobody"])
    bad_day = runner.invoke(args=["scrm", "moments", "engagement", "--day", "11/20"])

    assert mine.exit_code == 0 and WANG in mine.output and CHEN not in mine.output
    assert "杭州分行" in review.output and "宁波分行" in review.output
    assert unknown.exit_code == 2 and "run the directory sync" in unknown.output
    assert bad_day.exit_code == 2 and "YYYY-MM-DD" in bad_day.output
