"""An RM's own moment of the day (slot 3): written in the sidebar through the API, judged by
the gate, one per RM per day, published by that RM alone and tracked like HQ's posts."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import CSRF_HEADERS
from moments_names import DAY, RMS, at
from sqlalchemy import func, select

from scrm.archive.chain.models import ArchivedMessage
from scrm.db import db
from scrm.moments.models import MomentPost
from scrm.moments.tracking import poll_publications, remind_all_unpublished
from scrm.outbox.models import Delivery

OWN = "今天给大家分享一个家庭资产配置的小知识📈 理财有风险，投资需谨慎。"


@pytest.fixture
def post_own(client, sign_in_as):
    """``post_own(userid, **body)``: the RM posts their own moment through the API."""

    def post_own(userid: str, **body):
        sign_in_as(userid)
        body = {"day": DAY.isoformat(), "text": OWN, **body}
        return client.post("/api/moments/own-posts", json=body, headers=CSRF_HEADERS)

    return post_own


def test_rm_posts_their_own_moment_for_their_tagged_customers_and_publishes_it(
    moments_bank, post_own, client, sign_in_as, drain, sim
):
    high_net_worth = moments_bank["customer_tags"][0]
    answer = post_own(RMS[0], customer_tag_ids=[high_net_worth])
    assert answer.status_code == 201, answer.get_json()
    post = answer.get_json()["post"]
    assert (post["slot"], post["kind"], post["status"]) == (3, "own", "queued")
    assert [p["userid"] for p in post["publications"]] == [RMS[0]]
    row = db.session.get(MomentPost, post["id"])
    archived = db.session.get(ArchivedMessage, row.archived_message_id)
    assert (archived.origin, archived.channel, archived.sender) == (
        "moments",
        "moments",
        RMS[0],
    )
    delivery = db.session.get(Delivery, row.delivery_id)
    assert delivery.idempotency_key == f"moment:{DAY.isoformat()}:3:{RMS[0]}"
    assert delivery.payload["visible_range"] == {
        "sender_list": {"user_list": [RMS[0]]},
        "external_contact_list": {"tag_list": [high_net_worth]},
    }

    assert drain() == {"sent": 1}
    [task] = sim.jobs.moments.values()
    assert list(task.senders) == [RMS[0]] and task.text == OWN
    assert poll_publications(at(9)) == {"posts": 1, "published": 0}
    sim.operator.rm_publishes_moment(task.moment_id, RMS[0])
    assert poll_publications(at(10)) == {"posts": 1, "published": 1}
    assert remind_all_unpublished(at(16)) == {str(row.id): 0}

    sign_in_as(RMS[0])
    shown = client.get(f"/api/moments/posts/{row.id}").get_json()["post"]
    assert shown["status"] == "publishing" and shown["published"] == 1


def test_rm_own_post_promising_principal_is_blocked_and_can_be_reworded_the_same_day(
    moments_bank, post_own, drain, sim
):
    answer = post_own(RMS[1], text="保本保息，稳赚不赔！名額有限。")
    assert answer.status_code == 201
    post = answer.get_json()["post"]
    assert post["status"] == "blocked" and '"保本"' in post["note"]
    assert db.session.scalar(select(func.count(Delivery.id))) == 0
    assert drain() == {} and sim.jobs.moments == {}

    again = post_own(RMS[1]).get_json()["post"]
    assert again["id"] == post["id"] and again["status"] == "queued"


def test_a_second_own_post_the_same_day_is_refused_but_others_and_tomorrow_are_fine(
    moments_bank, post_own
):
    first = post_own(RMS[0]).get_json()["post"]
    second = post_own(RMS[0], text="第二条：周末理财沙龙，欢迎报名。")
    assert second.status_code == 400
    message = second.get_json()["error"]["message"]
    assert f"#{first['id']}" in message and "one a day" in message
    assert post_own(RMS[1]).status_code == 201  # another RM, the same day
    tomorrow = date(2026, 3, 3).isoformat()
    assert post_own(RMS[0], day=tomorrow).status_code == 201
    count = select(func.count(MomentPost.id)).where(MomentPost.slot == 3)
    assert db.session.scalar(count) == 3


def test_own_post_is_refused_for_a_deleted_customer_tag_and_for_hq(moments_bank, post_own):
    answer = post_own(RMS[0], customer_tag_ids=["et_已删除标签"])
    assert answer.status_code == 400
    assert "et_已删除标签" in answer.get_json()["error"]["message"]
    assert post_own("zhao.yunying").status_code == 403  # HQ ops: moments.own_post
    too_long = post_own(RMS[0], text="理" * 2001)
    assert too_long.status_code == 400 and "2000" in too_long.get_json()["error"]["message"]
    assert db.session.scalar(select(func.count(MomentPost.id))) == 0


def test_an_rm_sees_their_own_posts_and_not_another_rms(moments_bank, post_own, client, sign_in_as):
    mine = post_own(RMS[0]).get_json()["post"]
    theirs = post_own(RMS[1]).get_json()["post"]
    sign_in_as(RMS[0])
    listed = client.get(f"/api/moments/posts?day={DAY.isoformat()}").get_json()["posts"]
    assert [p["id"] for p in listed] == [mine["id"]]
    assert client.get(f"/api/moments/posts/{theirs['id']}").status_code == 404
    cancel = client.post(
        f"/api/moments/own-posts/{theirs['id']}/cancel", json={}, headers=CSRF_HEADERS
    )
    assert cancel.status_code == 404
    sign_in_as("zhao.yunying")
    listed = client.get("/api/moments/posts").get_json()["posts"]
    assert {p["id"] for p in listed} == {mine["id"], theirs["id"]}


def test_an_rm_who_has_not_published_their_own_post_is_reminded_in_their_own_words(
    moments_bank, post_own, drain, sim
):
    post = post_own(RMS[2]).get_json()["post"]
    drain()
    poll_publications(at(9))
    assert remind_all_unpublished(at(16)) == {str(post["id"]): 1}
    db.session.commit()
    drain()
    [reminder] = sim.jobs.sent_app_messages
    content = reminder["text"]["content"]
    assert reminder["touser"] == RMS[2] and "个人朋友圈" in content and "总行" not in content
    assert OWN not in content
