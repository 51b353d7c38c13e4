"""A day of central moments: HQ posts slots 1 and 2, the gate judges them, the outbox creates
the WeCom moment task, RMs publish it in WeCom, scrm sees who did and reminds the others."""

from __future__ import annotations

from datetime import date

import pytest
from moments_names import BRANCH, DAY, HQ, RMS, at
from sqlalchemy import func, select

from scrm.archive.chain.models import ArchivedMessage
from scrm.db import db
from scrm.moments.central import CentralPostError, confirm_central_post, create_central_post
from scrm.moments.models import MomentPost, MomentPublication
from scrm.moments.tracking import poll_publications, remind_all_unpublished, remind_unpublished
from scrm.outbox.models import Delivery
from scrm.sync.services import run_full_sync

FUND_POST = "🌸春季理财节开幕！稳健型理财产品专场，详情请咨询您的客户经理。理财有风险，投资需谨慎。"


def image(n: int) -> dict:
    return {"msgtype": "image", "image": {"media_id": f"MEDIA_春季_{n}"}}


@pytest.fixture
def bank(app_ctx, sim, sync_from_wecom):
    """星河银行: HQ ops, the 梧桐路 branch with three RMs (one in a sub-branch), and an RM of
    another branch; synced into scrm, with their roles."""
    sim.add_department(1, "星河银行（测试）")
    sim.add_department(BRANCH, "梧桐路分行", parent_id=1)
    sim.add_department(3, "梧桐路·新华支行", parent_id=BRANCH)
    sim.add_department(4, "滨江分行", parent_id=1)
    sim.add_user(HQ, "赵运营", [1], position="总行运营", follow=False)
    sim.add_user(RMS[0], "林小美", [BRANCH], position="客户经理")
    sim.add_user(RMS[1], "王建国", [BRANCH], position="客户经理")
    sim.add_user(RMS[2], "陈静", [3], position="客户经理")
    sim.add_user("liu.binjiang", "刘滨江", [4], position="客户经理")
    sim.add_user("sun.zhuli", "孙助理", [BRANCH], position="助理", follow=False)
    sim.clock.set(at(7).timestamp())
    # The sync gives members with 客户联系 the rm role; HQ ops is granted by hand.
    staff = sync_from_wecom(roles={HQ: "hq_ops"})
    db.session.commit()
    assert {u for u, s in staff.items() if "rm" in s.role_names} == {*RMS, "liu.binjiang"}
    return staff


def post_slot(slot: int = 1, text: str = FUND_POST, **kwargs) -> MomentPost:
    kwargs.setdefault("target", {"branch": BRANCH})
    post = create_central_post(day=DAY, slot=slot, text=text, created_by=HQ, **kwargs)
    db.session.commit()
    return post


def published_userids(post: MomentPost) -> set[str]:
    db.session.expire_all()
    return {p.staff.userid for p in post.publications if p.published}


def test_a_day_of_central_moments_partial_publishing_and_one_reminder_a_day(bank, sim, drain):
    post = post_slot(1, attachments=[image(1), image(2)])
    assert post.status == "queued" and post.sender_userids == sorted(RMS)
    archived = db.session.get(ArchivedMessage, post.archived_message_id)
    assert (archived.origin, archived.channel, archived.outcome) == (
        "moments",
        "moments",
        "released",
    )
    delivery = db.session.get(Delivery, post.delivery_id)
    assert delivery.kind == "moment" and delivery.idempotency_key == "moment:2026-03-02:1"
    assert len(post.publications) == 3 and not published_userids(post)

    assert drain() == {"sent": 1}
    [task] = sim.jobs.moments.values()
    assert task.text == FUND_POST and sorted(task.senders) == sorted(RMS)
    assert poll_publications(at(9)) == {"posts": 1, "published": 0}
    assert post.status == "publishing" and post.moment_id == task.moment_id

    sim.operator.rm_publishes_moment(post.moment_id, RMS[0])
    sim.operator.rm_publishes_moment(post.moment_id, RMS[1])
    assert poll_publications(at(10)) == {"posts": 1, "published": 2}
    assert published_userids(post) == {RMS[0], RMS[1]}

    assert remind_all_unpublished(at(16)) == {str(post.id): 1}
    db.session.commit()
    assert remind_unpublished(post, at(17)) == 0  # once a day
    db.session.commit()
    assert drain() == {"sent": 1}
    [reminder] = sim.jobs.sent_app_messages
    assert reminder["touser"] == RMS[2] and "第1条朋友圈" in reminder["text"]["content"]
    assert FUND_POST not in reminder["text"]["content"]
    late = db.session.scalars(
        select(MomentPublication).where(MomentPublication.staff_id == bank[RMS[2]].id)
    ).one()
    assert late.reminders == 1

    next_day = date(2026, 3, 3)
    assert remind_unpublished(post, at(16, day=next_day)) == 1  # a new day, a new reminder
    db.session.commit()
    sim.operator.rm_publishes_moment(post.moment_id, RMS[2])
    assert poll_publications(at(18, day=next_day)) == {"posts": 1, "published": 1}
    assert published_userids(post) == set(RMS)
    assert remind_unpublished(post, at(16, day=date(2026, 3, 4))) == 0
    assert poll_publications(at(16, day=date(2026, 3, 5))) == {}  # no longer followed


def test_a_post_promising_principal_is_blocked_and_nothing_reaches_wecom(bank, sim, drain):
    post = post_slot(2, text="春季专享理财，保本高收益，名额有限！")
    assert post.status == "blocked" and post.delivery_id is None
    assert '"保本"' in post.note and "承诺收益" in post.note and "ZGXG" in post.note
    assert post.publications == []
    archived = db.session.get(ArchivedMessage, post.archived_message_id)
    assert (archived.origin, archived.outcome) == ("moments", "blocked")
    assert db.session.scalar(select(func.count(Delivery.id))) == 0
    assert drain() == {} and sim.jobs.moments == {}

    # Nothing left, so HQ rewords it in the same slot.
    post = post_slot(2, text="春季专享理财，稳健配置。理财有风险，投资需谨慎。")
    assert post.status == "queued" and post.note is None


def test_a_warned_post_waits_for_hqs_reason(bank, sim, drain):
    text = "警惕虚拟货币诈骗：银行工作人员不会索要您的验证码。"
    post = post_slot(1, text=text)
    assert post.status == "awaiting_confirmation" and '"虚拟货币"' in post.note
    assert post.delivery_id is None and post.publications == []
    confirm_central_post(post, "反诈宣传，提醒客户防范虚拟货币诈骗")
    db.session.commit()
    assert post.status == "queued" and len(post.publications) == 3
    archived = db.session.get(ArchivedMessage, post.archived_message_id)
    assert archived.confirmed_reason == "反诈宣传，提醒客户防范虚拟货币诈骗"
    assert drain() == {"sent": 1} and len(sim.jobs.moments) == 1


def test_targets_resolve_to_rms_only(bank):
    assert post_slot(1, target={"all": True}).sender_userids == sorted([*RMS, "liu.binjiang"])
    post = post_slot(2, target={"department_ids": [3, 4]}, customer_tag_ids=["et_高净值"])
    assert post.sender_userids == ["chen.jing", "liu.binjiang"]
    delivery = db.session.get(Delivery, post.delivery_id)
    assert delivery.payload["visible_range"] == {
        "sender_list": {"user_list": ["chen.jing", "liu.binjiang"]},
        "external_contact_list": {"tag_list": ["et_高净值"]},
    }


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"slot": 3}, "slot 3 is the RM's own post"),
        ({"attachments": [image(i) for i in range(10)]}, "10 images; a moment allows at most 9"),
        (
            {"attachments": [image(1), {"msgtype": "link", "link": {"url": "https://x.cn"}}]},
            "a link or video goes alone",
        ),
        ({"text": "理" * 2001}, "2001 characters; a moment allows 2000"),
        ({"target": {"branch": 4 + 100}}, "department 104 is not known"),
        ({"target": {"userids": ["sun.zhuli"]}}, "not current RMs: sun.zhuli"),
        ({"target": {"tag": "x"}}, "target must be one of"),
    ],
)
def test_bad_posts_get_an_error_naming_the_fix(bank, kwargs, expected):
    kwargs = {"slot": 1, **kwargs}
    with pytest.raises(CentralPostError, match=expected):
        post_slot(**kwargs)
    assert db.session.scalar(select(func.count(MomentPost.id))) == 0


def test_a_target_without_rms_is_refused(bank, sim):
    sim.add_department(5, "空白支行", parent_id=1)
    run_full_sync()
    with pytest.raises(CentralPostError, match="no RM in department 5 or below"):
        post_slot(1, target={"branch": 5})


def test_a_second_post_for_a_taken_slot_names_the_first(bank):
    first = post_slot(1)
    with pytest.raises(CentralPostError, match=f"slot 1 already has post #{first.id} \\(queued"):
        post_slot(1, text="另一条朋友圈")


def test_hq_posts_from_the_command_line_and_reads_the_status(bank, runner):
    base = ["scrm", "moments", "post", "--day", "2026-03-02", "--text", FUND_POST, "--by", HQ]
    result = runner.invoke(args=[*base, "--slot", "1", "--branch", "2", "--image", "MEDIA_1"])
    assert result.exit_code == 0, result.output
    assert "slot 1: queued, 3 RMs" in result.output
    result = runner.invoke(args=[*base, "--slot", "3", "--all"])
    assert result.exit_code == 1 and "slot 3 is the RM's own post" in result.output
    result = runner.invoke(args=[*base, "--slot", "2"])
    assert result.exit_code == 2 and "exactly one of --branch" in result.output
    result = runner.invoke(args=["scrm", "moments", "status", "--day", "2026-03-02"])
    assert result.exit_code == 0 and "slot 1 queued  published 0/3" in result.output


def test_the_clock_polls_every_ten_minutes_and_reminds_at_four(app):
    from scrm.worker.jobs import build_scheduler

    jobs = {job.id: job for job in build_scheduler(app).get_jobs()}
    assert jobs["moments.poll_publications"].trigger.interval.total_seconds() == 600
    remind = str(jobs["moments.remind_unpublished"].trigger)
    assert "hour='16'" in remind and "minute='0'" in remind
