"""Corp tags (企业标签) both ways: an RM tags a customer in scrm, WeCom gets it (mark_tag) and
scrm agrees with WeCom after its edit_external_contact callback; an edit made in WeCom shows up
in scrm; tags WeCom deleted, tags RMs may not set and other RMs' customers are refused."""

from __future__ import annotations

import pytest
from helpers import CSRF_HEADERS
from profile_names import BEIJING_CUSTOMER, CUSTOMER, LEAD, LIN, LOCKED, WANG
from sqlalchemy import func, select

from scrm.customers.models import CorpTag, FollowTag
from scrm.customers.services import get_follow
from scrm.customers.tags import refresh_tags
from scrm.db import db
from scrm.inbox.services import drain_inbox

URL = f"/api/customers/{CUSTOMER}/tags"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "CUSTOMER_TAG_GROUPS_LOCKED_FOR_RMS": [LOCKED]}


@pytest.fixture
def bank(live_server, profile_bank):
    """The profile bank, with WeCom's callbacks reaching the live app."""
    return profile_bank


def local_tags(userid: str, external_userid: str = CUSTOMER) -> set[str]:
    db.session.expire_all()
    return {t.tag_key for t in get_follow(external_userid, userid).tags}


def wecom_tags(sim, userid: str, external_userid: str = CUSTOMER) -> set[str]:
    return set(sim.corp.follows[(userid, external_userid)].tag_ids)


@pytest.fixture
def put_tags(client, sign_in_as):
    """``put_tags(who, tag_ids, **extra)``: ``who`` sets the customer's corp tags."""

    def put_tags(who: str, tag_ids, **extra):
        sign_in_as(who)
        return client.put(URL, json={"tag_ids": list(tag_ids), **extra}, headers=CSRF_HEADERS)

    return put_tags


def test_rm_tags_a_customer_and_scrm_and_wecom_agree_after_the_callback(bank, put_tags, sim):
    high, gold = bank["level"][0], bank["interest"][2]
    answer = put_tags(LIN, [high, gold])
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["added"], body["removed"]) == ([high, gold], [bank["interest"][0]])
    assert wecom_tags(sim, LIN) == {high, gold} == local_tags(LIN)
    names = {g["group_name"]: [t["name"] for t in g["tags"]] for g in body["follow"]["tags"]}
    assert names == {"兴趣偏好": ["黄金🥇"], "客户等级": ["高净值"]}

    # WeCom reports the edit; scrm re-reads the customer and lands where it already is.
    sim.operator.rm_edits_customer(LIN, CUSTOMER)
    assert drain_inbox("worker-甲")["applied"] == 1
    assert local_tags(LIN) == {high, gold}
    assert local_tags(WANG) == {bank["level"][1]}  # the other RM's relation is untouched
    assert len(sim.calls_to("externalcontact/mark_tag")) == 1
    assert put_tags(LIN, [gold, high]).get_json()["added"] == []  # nothing to change
    assert len(sim.calls_to("externalcontact/mark_tag")) == 1


def test_a_tag_edit_made_in_wecom_shows_up_in_scrm(bank, client, sign_in_as, sim):
    insurance = bank["interest"][1]
    sim.operator.rm_edits_customer(LIN, CUSTOMER, add_tags=[insurance])
    drain_inbox("worker-甲")
    assert local_tags(LIN) == {bank["interest"][0], insurance}
    sign_in_as(LIN)
    mine = client.get(f"/api/customers/{CUSTOMER}").get_json()["mine"]
    assert [t["name"] for t in mine["tags"][0]["tags"]] == ["保险", "基金"]


def test_tags_deleted_in_wecom_are_refused_with_the_fix(bank, put_tags, sim):
    gold, high = bank["interest"][2], bank["level"][0]
    sim.operator.delete_tag(gold)  # with its change_external_tag callback
    drain_inbox("worker-甲")
    answer = put_tags(LIN, [gold])
    assert answer.status_code == 400
    assert "no longer exist in WeCom" in answer.get_json()["error"]["message"]

    with sim.lock:  # deleted a moment ago: WeCom's callback has not arrived yet
        sim.corp.delete_tag(high)
    answer = put_tags(LIN, [high])
    assert answer.status_code == 400
    assert "deleted in WeCom a moment ago" in answer.get_json()["error"]["message"]
    assert local_tags(LIN) == {bank["interest"][0]}


def test_bank_assigned_tags_are_for_branch_leads_not_rms(bank, put_tags, sim):
    private = bank["locked"][0]
    answer = put_tags(LIN, [private])
    assert answer.status_code == 403 and LOCKED in answer.get_json()["error"]["message"]
    assert wecom_tags(sim, LIN) == {bank["interest"][0]}

    assert put_tags(LEAD, [private], userid=LIN).status_code == 200
    assert wecom_tags(sim, LIN) == {private} == local_tags(LIN)
    missing = put_tags(LEAD, [private])
    assert missing.status_code == 400 and '"userid"' in missing.get_json()["error"]["message"]


def test_an_rm_cannot_tag_another_rms_customer_or_learn_that_it_exists(
    bank, put_tags, client, sign_in_as, sim
):
    sign_in_as(LIN)
    body = {"tag_ids": [bank["level"][0]]}
    theirs = client.put(f"/api/customers/{BEIJING_CUSTOMER}/tags", json=body, headers=CSRF_HEADERS)
    unknown = client.put("/api/customers/wmNobody/tags", json=body, headers=CSRF_HEADERS)
    assert theirs.status_code == unknown.status_code == 404
    assert BEIJING_CUSTOMER in theirs.get_json()["error"]["message"]
    assert sim.calls_to("externalcontact/mark_tag") == []
    # A branch lead may not reach past their branch either.
    answer = put_tags(LEAD, [bank["level"][0]], userid="zhao.bj")
    assert answer.status_code == 404


def test_more_than_a_hundred_tags_go_to_wecom_in_several_calls(bank, put_tags, sim):
    _, many = sim.add_tag_group("理财产品偏好", [f"产品{n:03d}" for n in range(150)])
    refresh_tags()
    db.session.commit()
    assert put_tags(LIN, many).status_code == 200
    assert len(sim.calls_to("externalcontact/mark_tag")) == 2
    assert wecom_tags(sim, LIN) == set(many) == local_tags(LIN)
    count = select(func.count(FollowTag.id)).join(CorpTag).where(CorpTag.wecom_id.in_(many))
    assert db.session.scalar(count) == 150
