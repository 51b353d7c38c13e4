"""The sidebar's customer card (GET /api/customers/<id>), the RM's notes (跟进记录) with their
history, the remark written to WeCom, and who may see which customer."""

from __future__ import annotations

import pytest
from helpers import CSRF_HEADERS
from profile_names import BEIJING_CUSTOMER, CUSTOMER, HQ, LEAD, LIN, WANG, ZHAO_BJ
from sqlalchemy import func, select

from scrm.customers.notes.models import CustomerNoteRevision
from scrm.customers.services import get_follow
from scrm.db import db

CARD = f"/api/customers/{CUSTOMER}"


@pytest.fixture
def write_note(client, sign_in_as):
    """``write_note(userid, text, external_userid=CUSTOMER)``: the RM writes a note (跟进记录)
    through the API; returns the response."""

    def write_note(userid: str, text: str, external_userid: str = CUSTOMER):
        sign_in_as(userid)
        url = f"/api/customers/{external_userid}/notes"
        return client.post(url, json={"text": text}, headers=CSRF_HEADERS)

    return write_note


def test_the_rm_sees_the_customer_card_with_tags_binding_groups_and_channel(
    profile_bank, client, sign_in_as
):
    sign_in_as(LIN)
    card = client.get(CARD).get_json()
    assert card["customer"]["name"] == "王建國🌸"
    mine = card["mine"]
    assert (mine["userid"], mine["remark"], mine["channel_state"]) == (
        LIN,
        "王总",
        "ch_lujiazui_2026",
    )
    fund = {"tag_id": profile_bank["interest"][0], "name": "基金", "type": "corp"}
    assert mine["tags"] == [{"group_name": "兴趣偏好", "tags": [fund]}]
    assert [f["userid"] for f in card["follows"]] == [LIN]  # not 王建国's relation
    binding = card["binding"]
    assert (binding["tier_name"], binding["risk_level"], binding["method_name"]) == (
        "私行客户",
        "C3",
        "柜面核验",
    )
    assert binding["cif_no_masked"] == "C2******1234" and "C20260001234" not in str(card)
    assert [g["name"] for g in card["groups_in_common"]] == ["陆家嘴·理财沙龙群"]


def test_an_rm_cannot_see_another_rms_customer_and_learns_nothing_from_trying(
    profile_bank, write_note, client, sign_in_as
):
    sign_in_as(LIN)
    theirs, unknown = (
        client.get(f"/api/customers/{BEIJING_CUSTOMER}"),
        client.get("/api/customers/wmX"),
    )
    assert theirs.status_code == unknown.status_code == 404
    assert "李女士" not in theirs.get_data(as_text=True)
    assert write_note(LIN, "想偷看", BEIJING_CUSTOMER).status_code == 404
    # 赵北京 shares a group with the customer but does not serve them.
    sign_in_as(ZHAO_BJ)
    assert client.get(CARD).status_code == 404
    sign_in_as(ZHAO_BJ)
    assert client.get(f"/api/customers/{BEIJING_CUSTOMER}").status_code == 200


def test_a_branch_lead_reads_the_branchs_relations_and_hq_reads_everyone(
    profile_bank, client, sign_in_as
):
    sign_in_as(LEAD)
    card = client.get(CARD).get_json()
    assert card["mine"] is None and [f["userid"] for f in card["follows"]] == [LIN, WANG]
    assert client.get(f"/api/customers/{BEIJING_CUSTOMER}").status_code == 404  # 北京分行
    sign_in_as(HQ)
    assert client.get(f"/api/customers/{BEIJING_CUSTOMER}").status_code == 200
    groups = client.get("/api/customers/tag-groups").get_json()["tag_groups"]
    assert {g["group_name"] for g in groups} == {"客户等级", "兴趣偏好", "资产等级"}


def test_notes_keep_every_earlier_wording_and_only_their_author_edits_them(
    profile_bank, write_note, client, sign_in_as
):
    answer = write_note(LIN, "客户关注养老规划，下周三回访。")
    assert answer.status_code == 201
    note = answer.get_json()["note"]
    url = f"{CARD}/notes/{note['id']}"
    first = client.put(
        url, json={"text": "客户關注養老規劃，已約下週三面談。"}, headers=CSRF_HEADERS
    )
    second = client.put(
        url, json={"text": "面谈完成：风险测评C3，推荐稳健型产品。"}, headers=CSRF_HEADERS
    )
    assert first.status_code == second.status_code == 200
    edited = second.get_json()["note"]
    assert edited["version"] == 3
    assert [h["text"] for h in edited["history"]] == [
        "客户关注养老规划，下周三回访。",
        "客户關注養老規劃，已約下週三面談。",
    ]
    # 王建国 serves the customer too, but the note is 林小美's.
    sign_in_as(WANG)
    theirs = client.put(url, json={"text": "改掉"}, headers=CSRF_HEADERS)
    assert theirs.status_code == 404
    assert client.get(CARD).get_json()["notes"] == []  # an RM reads their own notes
    assert write_note(WANG, "同一客户，我的跟进。").status_code == 201
    sign_in_as(LEAD)
    notes = client.get(CARD).get_json()["notes"]
    assert [n["author"] for n in notes] == [WANG, LIN]  # the lead reads both, newest first
    assert db.session.scalar(select(func.count(CustomerNoteRevision.id))) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", "write the note"), ("   ", "write the note"), ("记" * 1001, "1001 characters")],
)
def test_empty_and_overlong_notes_are_refused(profile_bank, write_note, text, expected):
    answer = write_note(LIN, text)
    assert answer.status_code == 400 and expected in answer.get_json()["error"]["message"]


def test_the_rms_remark_goes_to_wecom_first_then_to_scrm(profile_bank, client, sign_in_as, sim):
    sign_in_as(LIN)
    body = {"remark": "王总（私行）", "description": "退休教师，偏好稳健，关注养老金融。"}
    answer = client.put(f"{CARD}/remark", json=body, headers=CSRF_HEADERS)
    assert answer.status_code == 200, answer.get_json()
    follow = sim.corp.follows[(LIN, CUSTOMER)]
    assert (follow.remark, follow.description) == (body["remark"], body["description"])
    db.session.expire_all()
    assert get_follow(CUSTOMER, LIN).remark == "王总（私行）"
    too_long = client.put(f"{CARD}/remark", json={"remark": "备" * 21}, headers=CSRF_HEADERS)
    assert (
        too_long.status_code == 400 and "20 characters" in too_long.get_json()["error"]["message"]
    )
    sim.faults.inject("externalcontact/remark", errcode=-1, times=10)
    busy = client.put(f"{CARD}/remark", json={"remark": "王先生"}, headers=CSRF_HEADERS)
    assert busy.status_code == 502
    db.session.expire_all()
    assert get_follow(CUSTOMER, LIN).remark == "王总（私行）"
