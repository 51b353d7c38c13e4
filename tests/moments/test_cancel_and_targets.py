"""HQ targets a central post by directory tag (通讯录标签), cancels posts before and after
WeCom has them, and sees the RMs WeCom left out of a task (outside the app's visible range)."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import CSRF_HEADERS
from moments_names import DAY, HQ, RMS, at
from sqlalchemy import select

from scrm.db import db
from scrm.moments.cancel import finish_cancellations
from scrm.moments.central import CentralPostError, create_central_post
from scrm.moments.models import MomentPost
from scrm.moments.tracking import poll_publications, remind_all_unpublished, remind_unpublished
from scrm.outbox.models import Delivery
from scrm.sync.services import run_full_sync
from scrm.wecom.simulator.operator import OperatorError
from scrm.wecom.simulator.operator_staff_tags import hr_tags_staff

TEXT = "🌸春季理财节：稳健型理财产品专场，详情请咨询您的客户经理。理财有风险，投资需谨慎。"


def central(slot: int = 1, **kwargs) -> MomentPost:
    kwargs.setdefault("target", {"branch": 2})
    post = create_central_post(day=DAY, slot=slot, text=TEXT, created_by=HQ, **kwargs)
    db.session.commit()
    return post


@pytest.fixture
def cancel(client, sign_in_as):
    """``cancel(post)``: HQ cancels a central post through the API; returns the post shown."""

    def cancel(post: MomentPost):
        sign_in_as(HQ)
        url = f"/api/moments/central-posts/{post.id}/cancel"
        answer = client.post(url, json={}, headers=CSRF_HEADERS)
        assert answer.status_code == 200, answer.get_json()
        db.session.expire_all()
        return answer.get_json()["post"]

    return cancel


def test_hq_targets_rms_by_directory_tag_with_tagged_departments_included(
    moments_bank, client, sign_in_as, sim
):
    tag = moments_bank["staff_tag"]
    sign_in_as(HQ)
    body = {"day": DAY.isoformat(), "slot": 1, "text": TEXT, "target": {"staff_tag_ids": [tag]}}
    answer = client.post("/api/moments/central-posts", json=body, headers=CSRF_HEADERS)
    assert answer.status_code == 201, answer.get_json()
    post = answer.get_json()["post"]
    assert [p["userid"] for p in post["publications"]] == ["lin.xiaomei", "liu.binjiang"]

    # HR tags 陈静 too; the next sync brings it, and the next post follows it.
    hr_tags_staff(sim, tag, add=[RMS[2]])
    run_full_sync()
    later = central(2, target={"staff_tag_ids": [tag]})
    assert later.sender_userids == ["chen.jing", "lin.xiaomei", "liu.binjiang"]
    with pytest.raises(CentralPostError, match=r"directory tags \[999\] are not known"):
        create_central_post(
            day=date(2026, 3, 3), slot=1, text=TEXT, created_by=HQ, target={"staff_tag_ids": [999]}
        )


def test_cancel_before_wecom_has_it_sends_nothing(moments_bank, cancel, drain, sim):
    post = central(1)
    shown = cancel(post)
    assert shown["status"] == "cancelled" and shown["cancelled_by"] == HQ
    delivery = db.session.get(Delivery, post.delivery_id)
    assert delivery.status == "dead" and "cancelled by zhao.yunying" in delivery.last_error
    assert drain() == {} and sim.jobs.moments == {}
    assert poll_publications(at(10)) == {} and remind_all_unpublished(at(16)) == {}
    assert cancel(post)["status"] == "cancelled"  # twice changes nothing


def test_cancel_after_wecom_has_it_stops_the_task_and_the_reminders(
    moments_bank, cancel, drain, sim
):
    post = central(1)
    assert drain() == {"sent": 1}
    poll_publications(at(9))
    db.session.commit()
    sim.operator.rm_publishes_moment(post.moment_id, RMS[0])

    shown = cancel(post)
    assert shown["status"] == "cancelled"
    assert [c.errcode for c in sim.calls_to("externalcontact/cancel_moment_task")] == [0]
    with pytest.raises(OperatorError, match="has no task"):
        sim.operator.rm_publishes_moment(post.moment_id, RMS[1])
    [task] = sim.jobs.moments.values()
    assert task.senders == {RMS[0]: 1}  # the published copy stays
    assert remind_unpublished(db.session.get(MomentPost, post.id), at(16)) == 0
    assert remind_all_unpublished(at(16)) == {}
    db.session.commit()
    assert drain() == {} and sim.jobs.sent_app_messages == []
    assert len(sim.jobs.moments) == 1  # nothing sent twice


def test_cancel_while_wecom_is_busy_finishes_on_the_next_poll(moments_bank, cancel, drain, sim):
    post = central(1)
    assert drain() == {"sent": 1}  # WeCom has the task; scrm has not learnt its id yet
    sim.faults.inject("externalcontact/get_moment_task_result", errcode=-1, times=10)
    assert cancel(post)["status"] == "cancelling"
    assert sim.calls_to("externalcontact/cancel_moment_task") == []
    sim.faults.clear()
    assert finish_cancellations() == {"cancelled": 1, "waiting": 0, "failed": 0}
    db.session.commit()
    assert db.session.get(MomentPost, post.id).status == "cancelled"
    [task] = sim.jobs.moments.values()
    assert task.senders == {}
    assert finish_cancellations() == {"cancelled": 0, "waiting": 0, "failed": 0}


def test_rms_outside_the_apps_visible_range_are_shown_and_never_reminded(
    moments_bank, client, sign_in_as, drain, sim
):
    post = central(1)
    sim.corp.users[RMS[1]].follow = False  # 客户联系 withdrawn in WeCom after the sync
    assert drain() == {"sent": 1}
    assert poll_publications(at(9)) == {"posts": 1, "published": 0}
    db.session.commit()
    assert post.invalid_sender_userids == [RMS[1]]
    assert remind_all_unpublished(at(16)) == {str(post.id): 2}
    db.session.commit()
    drain()
    assert {m["touser"] for m in sim.jobs.sent_app_messages} == {RMS[0], RMS[2]}

    sign_in_as(HQ)
    shown = client.get(f"/api/moments/posts/{post.id}").get_json()["post"]
    assert shown["invalid_sender_userids"] == [RMS[1]]
    reasons = {p["userid"]: p["invalid_reason"] for p in shown["publications"]}
    assert reasons == {RMS[0]: None, RMS[1]: "outside the app's visible range", RMS[2]: None}


def test_a_branch_lead_sees_the_posts_of_their_rms_but_may_not_post_centrally(
    moments_bank, client, sign_in_as
):
    from scrm.directory.services import grant_role

    post = central(1, target={"department_ids": [3, 4]})
    lead = moments_bank["staff"]["wang.jianguo"]
    grant_role(lead, "branch_lead")
    db.session.commit()
    sign_in_as(lead.userid)
    shown = client.get(f"/api/moments/posts/{post.id}").get_json()["post"]
    assert [p["userid"] for p in shown["publications"]] == ["chen.jing"]
    body = {"day": DAY.isoformat(), "slot": 2, "text": TEXT, "target": {"all": True}}
    assert (
        client.post("/api/moments/central-posts", json=body, headers=CSRF_HEADERS).status_code
        == 403
    )
    assert db.session.scalar(select(MomentPost.id).where(MomentPost.slot == 2)) is None


def test_hq_posts_by_staff_tag_and_cancels_from_the_command_line(moments_bank, runner, sim, drain):
    tag = str(moments_bank["staff_tag"])
    base = ["scrm", "moments", "post", "--day", DAY.isoformat(), "--text", TEXT, "--by", HQ]
    result = runner.invoke(args=[*base, "--slot", "1", "--staff-tag", tag])
    assert result.exit_code == 0, result.output
    assert "slot 1: queued, 2 RMs" in result.output
    post_id = db.session.scalar(select(MomentPost.id))
    result = runner.invoke(args=["scrm", "moments", "cancel", str(post_id), "--by", HQ])
    assert result.exit_code == 0 and f"post #{post_id}: cancelled" in result.output
    result = runner.invoke(args=["scrm", "moments", "cancel", "4242", "--by", HQ])
    assert result.exit_code == 1 and "no post #4242" in result.output
    assert drain() == {} and sim.jobs.moments == {}
