"""The review workflow (合规复核): officers claim, decide, escalate, close and reopen cases;
every step is in the case's history; the archive itself never changes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from helpers import CSRF_HEADERS
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from scrm.archive.chain.models import ArchivedMessage
from scrm.archive.chain.verify import verify_archive
from scrm.audit.models import AccessAudit
from scrm.compliance.gateway import CLIENT_SEND, OutboundMessage, submit
from scrm.compliance.review.cases import find_review_case
from scrm.compliance.review.models import ReviewCase, ReviewEvent
from scrm.compliance.review.services import ReviewConflict, claim_review_case
from scrm.compliance.review.sla import sla_summary
from scrm.db import db, utcnow
from scrm.directory.models import Staff


@pytest.fixture
def bank(app_ctx, create_department, create_staff) -> dict[str, Staff]:
    """星河银行 HQ (1) → 上海分行 (2) → 陆家嘴支行 (3); 北京分行 (4). Two RMs, two officers."""
    hq = create_department(1, "星河银行")
    lujiazui = create_department(3, "陆家嘴支行", create_department(2, "上海分行", hq))
    beijing = create_department(4, "北京分行", hq)
    people = {
        "rm": create_staff("lin.xiaomei", "林小美", lujiazui, roles=["rm"]),
        "beijing_rm": create_staff("zhao.bj", "赵北京", beijing, roles=["rm"]),
        "officer": create_staff("he.gui", "何合规", hq, roles=["compliance"]),
        "auditor": create_staff("sun.jihe", "孙稽核", hq, roles=["compliance"]),
    }
    db.session.commit()
    return people


def post(client, path: str, body: dict | None = None):
    return client.post(path, json=body or {}, headers=CSRF_HEADERS)


def open_case(sender: Staff, text: str, channel: str = "group") -> ReviewCase:
    """A sidebar send through the real gate; its hits open a case."""
    result = submit(
        OutboundMessage(
            channel=channel,
            origin="sidebar",
            sender_userid=sender.userid,
            text=text,
            delivery_kind=CLIENT_SEND,
            recipients=["wmxhreview0000000000000000001"],
        )
    )
    db.session.commit()
    return find_review_case(result.archived_message_id)


def test_an_officer_works_a_case_from_claim_to_close_and_back(bank, client, sign_in_as):
    case = open_case(bank["rm"], "这款理财保本保收益，穩賺不賠💰")
    archived_hash = db.session.get(ArchivedMessage, case.archived_message_id).content_hash
    sign_in_as(bank["officer"])
    url = f"/api/review/cases/{case.id}"

    steps = [
        ("claim", {}),
        ("comments", {"note": "先核实客户是否已购买"}),
        ("verdict", {"verdict": "violation", "note": "承诺保本，违反资管新规"}),
        ("escalate", {"note": "上报分行合规部"}),
        ("close", {"note": "已约谈客户经理"}),
        ("reopen", {"note": "客户投诉，重新复核"}),
    ]
    answers = [post(client, f"{url}/{action}", body) for action, body in steps]
    shown = client.get(url)

    assert [a.status_code for a in answers] == [200, 201, 200, 200, 200, 200]
    body = shown.get_json()
    assert body["status"] == "open" and body["assignee"] is None and body["verdict"] is None
    assert body["branch"] == {"id": 2, "name": "上海分行"}
    history = [
        (e["action"], e["from"], e["to"], e["by"] and e["by"]["name"], e["note"])
        for e in body["history"]
    ]
    assert history == [
        ("open", None, "open", None, None),
        ("claim", "open", "claimed", "何合规", None),
        ("comment", "claimed", "claimed", "何合规", "先核实客户是否已购买"),
        ("verdict", "claimed", "reviewed", "何合规", "承诺保本，违反资管新规"),
        ("escalate", "reviewed", "escalated", "何合规", "上报分行合规部"),
        ("close", "escalated", "closed", "何合规", "已约谈客户经理"),
        ("reopen", "closed", "open", "何合规", "客户投诉，重新复核"),
    ]
    assert body["history"][3]["verdict"] == "violation"
    assert '<mark data-action="block"' in body["message"]["marked_html"]
    assert "穩賺不賠" in body["message"]["text"]
    # Review state lives beside the archive: the archived row and the chain are untouched.
    db.session.expire_all()
    assert db.session.get(ArchivedMessage, case.archived_message_id).content_hash == archived_hash
    assert verify_archive().intact


def test_opening_a_case_writes_an_access_audit_record(bank, client, sign_in_as):
    case = open_case(bank["rm"], "钱直接转到我个人账户就行")
    sign_in_as(bank["officer"])

    assert client.get(f"/api/review/cases/{case.id}").status_code == 200
    client.get("/api/review/cases")  # the queue shows no message text: not a view

    rows = db.session.scalars(select(AccessAudit)).all()
    assert [(r.staff_userid, r.action, r.what["message_ids"]) for r in rows] == [
        ("he.gui", "view", [case.archived_message_id])
    ]


def test_illegal_transitions_are_refused_with_the_fix(bank, client, sign_in_as):
    case = open_case(bank["rm"], "保证收益，年化8%")
    url = f"/api/review/cases/{case.id}"
    sign_in_as(bank["officer"])

    closing_open = post(client, f"{url}/close")
    bare_violation = post(client, f"{url}/verdict", {"verdict": "violation"})
    unknown_verdict = post(client, f"{url}/verdict", {"verdict": "fine"})
    reopening_open = post(client, f"{url}/reopen", {"note": "再看看"})
    post(client, f"{url}/claim")
    sign_in_as(bank["auditor"])
    stolen = post(client, f"{url}/claim")
    overruled = post(client, f"{url}/verdict", {"verdict": "false_positive"})
    silent_escalation = post(client, f"{url}/escalate", {"note": "  "})

    def error(answer):
        return answer.status_code, answer.get_json()["error"]["message"]

    assert (
        error(closing_open)[0] == 409
        and "claim it or give a verdict first" in error(closing_open)[1]
    )
    assert error(bare_violation) == (
        400,
        'a violation verdict needs a note: send "note" saying why',
    )
    assert error(unknown_verdict)[0] == 400 and "false_positive" in error(unknown_verdict)[1]
    assert error(reopening_open)[0] == 409
    assert error(stolen) == (
        409,
        f"case {case.id} is already claimed by 何合规 (he.gui); pick another case or ask them "
        "to release it",
    )
    assert error(overruled)[0] == 409 and "何合规" in error(overruled)[1]
    assert error(silent_escalation)[0] == 400
    events = db.session.scalars(select(ReviewEvent.action).order_by(ReviewEvent.id)).all()
    assert events == ["open", "claim"]


def test_only_compliance_officers_see_or_work_the_queue(bank, client, sign_in_as):
    case = open_case(bank["rm"], "稳赚不赔")
    for who, status in ((None, 401), (bank["rm"], 403)):
        sign_in_as(who)
        assert client.get("/api/review/cases").status_code == status
        assert client.get(f"/api/review/cases/{case.id}").status_code == status
        assert post(client, f"/api/review/cases/{case.id}/claim").status_code == status
        assert client.get("/api/review/sla").status_code == status
    db.session.expire_all()
    assert db.session.get(ReviewCase, case.id).status == "open"
    assert db.session.scalar(select(func.count()).select_from(AccessAudit)) == 0


def test_two_officers_racing_to_claim_one_case_one_wins(bank, app):
    case = open_case(bank["rm"], "这款产品零风险，稳赚")
    ids = {"officer": bank["officer"].id, "auditor": bank["auditor"].id}
    start = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def claim(who: str) -> None:
        with app.app_context():
            officer = db.session.get(Staff, ids[who])
            seen = db.session.get(ReviewCase, case.id)
            assert seen.status == "open"
            start.wait(5)
            try:
                claim_review_case(seen, officer)
                db.session.commit()
                outcome[who] = "won"
            except ReviewConflict as conflict:
                db.session.rollback()
                outcome[who] = conflict.message
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim, args=(who,)) for who in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert sorted(outcome) == ["auditor", "officer"]
    winners = [who for who, result in outcome.items() if result == "won"]
    assert len(winners) == 1
    loser = next(result for result in outcome.values() if result != "won")
    winner_name = {"officer": "何合规", "auditor": "孙稽核"}[winners[0]]
    assert f"already claimed by {winner_name}" in loser
    db.session.expire_all()
    assert db.session.get(ReviewCase, case.id).assignee_id == ids[winners[0]]
    claims = select(func.count()).where(ReviewEvent.action == "claim")
    assert db.session.scalar(claims) == 1


def test_bulk_false_positives_report_each_case_and_happen_once(bank, client, sign_in_as):
    free = open_case(bank["rm"], "第一名的服务，收益最高", channel="single")
    mine = open_case(bank["rm"], "USDT怎么买")
    theirs = open_case(bank["rm"], "稳赚不赔")
    closed = open_case(bank["beijing_rm"], "保证收益")
    sign_in_as(bank["auditor"])
    post(client, f"/api/review/cases/{theirs.id}/claim")
    post(client, f"/api/review/cases/{closed.id}/verdict", {"verdict": "needs_follow_up"})
    sign_in_as(bank["officer"])
    post(client, f"/api/review/cases/{mine.id}/claim")
    request = {
        "case_ids": [free.id, mine.id, theirs.id, closed.id, 987654],
        "note": "反诈宣传文案，非推销",
        "request_key": "bulk-2026-11-22-０１",
    }

    first = post(client, "/api/review/cases/bulk-false-positive", request)
    events_after_first = db.session.scalar(select(func.count()).select_from(ReviewEvent))
    second = post(client, "/api/review/cases/bulk-false-positive", request)

    assert first.status_code == 200 and second.status_code == 200
    results = {r["case_id"]: (r["result"], r["reason"]) for r in first.get_json()["results"]}
    assert results == {
        free.id: ("marked", None),
        mine.id: ("marked", None),
        theirs.id: ("skipped", "claimed by another officer"),
        closed.id: ("skipped", "already reviewed"),
        987654: ("not_found", "no such case"),
    }
    assert first.get_json()["marked"] == 2 and first.get_json()["replayed"] is False
    assert second.get_json()["replayed"] is True
    assert second.get_json()["results"] == first.get_json()["results"]
    assert db.session.scalar(select(func.count()).select_from(ReviewEvent)) == events_after_first
    db.session.expire_all()
    assert db.session.get(ReviewCase, free.id).verdict == "false_positive"
    assert db.session.get(ReviewCase, free.id).verdict_note == "反诈宣传文案，非推销"
    refused = post(client, "/api/review/cases/bulk-false-positive", {"case_ids": [free.id]})
    assert refused.status_code == 400 and "request_key" in refused.get_json()["error"]["message"]


def test_a_false_positive_proposes_an_allow_phrase_that_must_hold_the_term(
    bank, client, sign_in_as
):
    case = open_case(bank["rm"], "本产品不承诺保本保息，请谨慎投资")
    url = f"/api/review/cases/{case.id}"
    sign_in_as(bank["officer"])

    too_early = post(client, f"{url}/allow-proposal", {"phrase": "不承诺保本保息"})
    post(client, f"{url}/verdict", {"verdict": "false_positive", "note": "风险提示"})
    wrong = post(client, f"{url}/allow-proposal", {"phrase": "请谨慎投资"})
    tabbed = post(client, f"{url}/allow-proposal", {"phrase": "不承诺\t保本"})
    made = post(client, f"{url}/allow-proposal", {"phrase": "不承诺保本保息", "note": "披露语"})
    again = post(client, f"{url}/allow-proposal", {"phrase": "不承诺保本保息"})
    proposal_id = made.get_json()["allow_proposal"]["id"]
    accepted = post(client, f"/api/review/allow-proposals/{proposal_id}/accept")
    twice = post(client, f"/api/review/allow-proposals/{proposal_id}/reject")

    assert too_early.status_code == 409
    assert wrong.status_code == 400
    assert "contains none of the terms this message hit" in wrong.get_json()["error"]["message"]
    assert tabbed.status_code == 400
    assert made.status_code == 201 and again.status_code == 200
    assert again.get_json()["allow_proposal"]["id"] == proposal_id
    assert made.get_json()["allow_proposal"]["suppresses"] == ["保本保息"]
    line = accepted.get_json()["allowlist_line"]
    assert line == f"不承诺保本保息\t保本保息\t复核案例 #{case.id} 误报：披露语"
    assert accepted.get_json()["allow_proposal"]["status"] == "accepted"
    assert twice.status_code == 409
    listed = client.get("/api/review/allow-proposals?status=accepted").get_json()
    assert [p["allowlist_line"] for p in listed["allow_proposals"]] == [line]


def test_sla_ages_waiting_cases_into_buckets_on_a_fixed_clock(bank, app):
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    texts = ["稳赚", "保本", "保证收益", "稳赚不赔", "跑分", "刷流水"]
    ages = [1, 3.9, 5, 30, 80, 200]  # hours
    cases = [open_case(bank["rm"], text) for text in texts]
    for case, hours in zip(cases, ages, strict=True):
        case.opened_at = now - timedelta(hours=hours)
    cases[-1].status = "closed"  # a closed case no longer ages
    db.session.commit()

    summary = sla_summary(now)
    app.config["REVIEW_SLA_BOUNDS_HOURS"] = [2, 48]
    app.config["REVIEW_SLA_OVERDUE_HOURS"] = 72
    reconfigured = sla_summary(now)

    assert [(b["bucket"], b["count"]) for b in summary["buckets"]] == [
        ("<4h", 2),
        ("4h-24h", 1),
        ("24h-3d", 1),
        (">3d", 1),
    ]
    assert summary["waiting"] == 5 and summary["overdue"] == 2
    assert [(b["bucket"], b["count"]) for b in reconfigured["buckets"]] == [
        ("<2h", 1),
        ("2h-2d", 3),
        (">2d", 1),
    ]
    assert reconfigured["overdue"] == 1


def test_the_queue_filters_by_branch_category_action_age_and_assignee(
    bank, client, sign_in_as, runner
):
    shanghai = open_case(bank["rm"], "稳赚不赔")
    beijing = open_case(bank["beijing_rm"], "USDT换汇找我", channel="single")
    old = open_case(bank["beijing_rm"], "刷流水")
    old.opened_at = utcnow() - timedelta(hours=30)
    db.session.commit()
    assert runner.invoke(args=["scrm", "review", "cover", "he.gui", "4"]).exit_code == 0
    sign_in_as(bank["officer"])
    post(client, f"/api/review/cases/{beijing.id}/claim")

    def ids(query: str) -> list[int]:
        answer = client.get(f"/api/review/cases?{query}")
        assert answer.status_code == 200, answer.get_json()
        return [c["id"] for c in answer.get_json()["cases"]]

    assert ids("branch=mine") == [beijing.id, old.id]
    assert ids("branch=2") == [shanghai.id]
    assert ids("category=承诺收益/保本") == [shanghai.id]
    assert ids("action=warn") == [beijing.id]
    assert ids("age=24h-3d") == [old.id]
    assert ids("assignee=me") == [beijing.id]
    assert ids("assignee=none&status=open") == [shanghai.id, old.id]
    first = client.get("/api/review/cases?limit=2").get_json()
    rest = client.get(f"/api/review/cases?limit=2&after={first['next_after']}").get_json()
    assert [c["id"] for c in first["cases"] + rest["cases"]] == [shanghai.id, beijing.id, old.id]
    assert rest["next_after"] is None
    assert client.get("/api/review/cases?age=forever").status_code == 400
    assert client.get("/api/review/cases?status=done").status_code == 400
    sla = client.get("/api/review/sla?branch=mine").get_json()
    assert sla["waiting"] == 2 and sla["overdue"] == 1


def test_the_review_commands_work_the_queue_from_a_terminal(bank, runner):
    first = open_case(bank["rm"], "稳赚不赔")
    second = open_case(bank["rm"], "USDT")

    claimed = runner.invoke(args=["scrm", "review", "claim", str(first.id), "--as", "he.gui"])
    stolen = runner.invoke(args=["scrm", "review", "claim", str(first.id), "--as", "sun.jihe"])
    decided = runner.invoke(
        args=[
            "scrm",
            "review",
            "verdict",
            str(first.id),
            "violation",
            "--note",
            "承诺收益",
            "--as",
            "he.gui",
        ]
    )
    bulk = [
        "scrm",
        "review",
        "bulk-false-positive",
        str(second.id),
        "--note",
        "询价",
        "--request-key",
        "k1",
        "--as",
        "he.gui",
    ]
    once, twice = runner.invoke(args=bulk), runner.invoke(args=bulk)
    listing = runner.invoke(args=["scrm", "review", "list"])
    sla = runner.invoke(args=["scrm", "review", "sla"])

    assert claimed.exit_code == 0, claimed.output
    assert stolen.exit_code == 1 and "already claimed by 何合规" in stolen.output
    assert decided.exit_code == 0, decided.output
    assert "1 marked" in once.output and "replayed" in twice.output
    assert f"{first.id}\treviewed" in listing.output
    assert '"waiting": 0' in sla.output


def test_the_case_history_cannot_be_rewritten(bank):
    case = open_case(bank["rm"], "稳赚不赔")

    for statement in (
        update(ReviewEvent).where(ReviewEvent.case_id == case.id).values(note="改写"),
        delete(ReviewEvent).where(ReviewEvent.case_id == case.id),
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()

    assert db.session.scalar(select(func.count()).select_from(ReviewEvent)) == 1


def test_review_cursors_and_ids_beyond_a_64_bit_id_answer_400_or_404(bank, client, sign_in_as):
    sign_in_as(bank["officer"])
    for query in ("after=99999999999999999999999", "branch=99999999999999999999999"):
        response = client.get(f"/api/review/cases?{query}")
        assert response.status_code == 400, query
        assert "2147483647" in response.get_json()["error"]["message"]
    huge = client.get("/api/review/cases/99999999999999999999999")
    assert huge.status_code == 404
    claim = post(client, "/api/review/cases/99999999999999999999999/claim")
    assert claim.status_code == 404
