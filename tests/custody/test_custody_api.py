"""Who may hand customers over: branch leads within their branch, HQ operations bank-wide,
RMs never; and the CLI a branch lead's assistant would use."""

from __future__ import annotations

import pytest
from custody_helpers import BEIJING_RM, LEAD, LEAVING, OTHER_RM, TAKEOVER, staff
from sqlalchemy import func, select

from scrm.custody.models import Handover
from scrm.db import db
from scrm.directory.models import Staff


def post(client, token, path, **body):
    return client.post(f"/api/custody/{path}", json=body, headers={"X-CSRF-Token": token})


@pytest.fixture
def hq_ops(create_staff) -> Staff:
    """HQ ops 宗运营 (committed)."""
    person = create_staff("zong.yunying", "宗运营", 1, roles=["hq_ops"])
    db.session.commit()
    return person


def test_an_rm_may_neither_see_nor_make_handovers(bank, client, sign_in_as):
    token = sign_in_as(staff(TAKEOVER))
    assert client.get("/api/custody/handovers").status_code == 403
    answer = post(client, token, "handovers", handover_userid=LEAVING, takeover_userid=TAKEOVER)
    assert answer.status_code == 403
    sign_in_as(None)
    assert client.get("/api/custody/handovers").status_code == 401


def test_a_branch_lead_cannot_hand_customers_to_an_rm_of_another_branch(
    bank, sim, client, sign_in_as
):
    token = sign_in_as(staff(LEAD))
    answer = post(client, token, "handovers", handover_userid=LEAVING, takeover_userid=BEIJING_RM)
    assert answer.status_code == 403
    assert "zhao.bj is outside your branch" in answer.get_json()["error"]["message"]
    assert sim.calls_to("externalcontact/transfer_customer") == []


def test_hq_ops_hands_over_across_branches_and_the_branch_lead_does_not_see_it(
    bank, hq_ops, client, sign_in_as
):
    token = sign_in_as(hq_ops)
    answer = post(
        client,
        token,
        "handovers",
        handover_userid=LEAVING,
        takeover_userid=BEIJING_RM,
        external_userids=bank["customers"][:2],
    )
    assert answer.status_code == 201, answer.get_json()
    handover_id = answer.get_json()["id"]
    assert client.get(f"/api/custody/handovers/{handover_id}").status_code == 200
    sign_in_as(staff(LEAD))
    assert client.get(f"/api/custody/handovers/{handover_id}").status_code == 404
    assert client.get("/api/custody/handovers").get_json() == {"handovers": []}


def test_bad_requests_name_the_fix(bank, client, sign_in_as):
    token = sign_in_as(staff(LEAD))
    empty = post(client, token, "handovers")
    assert (
        empty.status_code == 400
        and "handover_userid is required" in empty.get_json()["error"]["message"]
    )
    not_theirs = post(
        client,
        token,
        "handovers",
        handover_userid=OTHER_RM,
        takeover_userid=TAKEOVER,
        external_userids=bank["customers"][:1],
    )
    assert not_theirs.status_code == 400
    assert "zhou.min does not serve wmCustody00" in not_theirs.get_json()["error"]["message"]
    still_here = post(client, token, "inheritances", departed_userid=LEAVING)
    assert still_here.status_code == 400
    assert "has not left the bank" in still_here.get_json()["error"]["message"]
    assert client.get("/api/custody/handovers/999").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Handover)) == 0


def test_cli_hands_over_and_shows_the_status(bank, sim, runner):
    result = runner.invoke(
        args=[
            "scrm",
            "custody",
            "handover",
            "--from",
            LEAVING,
            "--to",
            TAKEOVER,
            "--by",
            LEAD,
            "--customer",
            bank["customers"][0],
            "--message",
            "您好，今后由李杰为您服务。",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "wmCustody00 张伟: waiting" in result.output
    status = runner.invoke(args=["scrm", "custody", "status"])
    assert "wang.lan → li.jie" in status.output
    sim.clock.advance(24 * 3600 + 1)
    polled = runner.invoke(args=["scrm", "custody", "poll"])
    assert polled.exit_code == 0 and '"inherited": 1' in polled.output
    refused = runner.invoke(args=["scrm", "custody", "inherit", TAKEOVER, "--by", LEAD])
    assert refused.exit_code != 0 and "has not left the bank" in refused.output
