"""The SOP JSON API as its users meet it: HQ and branch leads assign templates within their
scope, RMs see their own groups and to-dos and complete them."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import CSRF_HEADERS, shanghai
from sop_steps import day_step
from sqlalchemy import func, select

from scrm.db import db
from scrm.directory.services import grant_role
from scrm.sop.models import SopAssignment, SopTask, SopTemplate
from scrm.sop.tasks.materialise import materialise_due_tasks

PAST_MONDAY = date(2026, 3, 2)  # the tests run later than this: a to-do done now is late


@pytest.fixture
def bank(sop_bank, create_staff, create_group, create_template):
    bank = sop_bank
    bank["hq"] = create_staff("zong.yunying", "宗运营", 1, roles=["hq_ops"])
    grant_role(bank["beijing_rm"], "rm")
    bank["welcome"] = create_group(bank["rm"], "陆家嘴·新客欢迎群🎉")
    bank["salon"] = create_group(bank["rm"], "陆家嘴·理财沙龙群")
    bank["beijing"] = create_group(bank["beijing_rm"], "北京·理财沙龙群")
    steps = [day_step("day1", 1, "09:30"), day_step("day1_help", 1, "10:00", role="助理")]
    bank["template"] = create_template("new_customer_welcome", steps)
    db.session.commit()
    return bank


def post(client, url, body=None):
    return client.post(url, json=body or {}, headers=CSRF_HEADERS)


def error_of(response) -> str:
    return response.get_json()["error"]["message"]


def assign_body(**overrides):
    body = {
        "template": "new_customer_welcome",
        "selector": {"branch": 2},
        "start_date": PAST_MONDAY.isoformat(),
    }
    return body | overrides


def test_templates_show_the_current_version_and_the_lineage_of_branch_variants(
    bank, client, sign_in_as, create_template
):
    first = bank["template"]
    db.session.add(
        SopTemplate(
            name=first.name,
            version=2,
            title=first.title,
            roles=first.roles,
            steps=[*first.steps, day_step("day2", 2, "09:30")],
            locked_steps=[],
            source_file=first.source_file,
            content_hash="1" * 64,
        )
    )
    variant = create_template("donghu_welcome", [day_step("day1", 1, "09:30")])
    variant.parent_id, variant.branch_department_id = bank["template"].id, 2
    db.session.commit()
    sign_in_as(bank["rm"])
    listed = {t["name"]: t for t in client.get("/api/sop/templates").get_json()["templates"]}
    assert listed["new_customer_welcome"]["version"] == 2
    assert listed["new_customer_welcome"]["versions"] == [1, 2]
    assert listed["donghu_welcome"]["extends"] == "new_customer_welcome@1"
    assert listed["donghu_welcome"]["branch"] == {"id": 2, "name": "上海分行"}
    detail = client.get("/api/sop/templates/new_customer_welcome").get_json()
    assert [v["version"] for v in detail["versions"]] == [1, 2]
    assert [s["id"] for s in detail["versions"][0]["steps"]] == ["day1", "day1_help"]
    assert detail["variants"] == ["donghu_welcome@1"]
    missing = client.get("/api/sop/templates/不存在")
    assert missing.status_code == 404 and "see GET /api/sop/templates" in error_of(missing)


def test_a_branch_lead_assigns_the_branch_and_a_form_posted_twice_assigns_once(
    bank, client, sign_in_as
):
    sign_in_as(bank["lead"])
    first = post(client, "/api/sop/assignments", assign_body())
    assert first.status_code == 201
    body = first.get_json()
    assert (body["template"], body["version"]) == ("new_customer_welcome", 1)
    assert [a["group_name"] for a in body["assigned"]] == [
        "陆家嘴·新客欢迎群🎉",
        "陆家嘴·理财沙龙群",
    ]
    assert body["assigned"][0]["assigned_by"] == "chen.hang"
    again = post(client, "/api/sop/assignments", assign_body())
    assert again.status_code == 200 and again.get_json()["assigned"] == []
    assert again.get_json()["already_running"] == [bank["welcome"].chat_id, bank["salon"].chat_id]
    assert db.session.scalar(select(func.count(SopAssignment.id))) == 2


def test_a_branch_lead_cannot_assign_another_branchs_groups(bank, client, sign_in_as):
    sign_in_as(bank["lead"])
    beijing = post(client, "/api/sop/assignments", assign_body(selector={"branch": 4}))
    assert beijing.status_code == 403
    assert error_of(beijing) == (
        "department 4 (北京分行) is outside your branch 上海分行; assign groups of your own branch"
    )
    chat_ids = [bank["salon"].chat_id, bank["beijing"].chat_id]
    listed = post(client, "/api/sop/assignments", assign_body(selector={"chat_ids": chat_ids}))
    assert listed.status_code == 403
    assert f"北京·理财沙龙群 ({bank['beijing'].chat_id}) are outside your scope" in error_of(listed)
    pattern = post(client, "/api/sop/assignments", assign_body(selector={"name_pattern": "*沙龙*"}))
    assert [a["group_name"] for a in pattern.get_json()["assigned"]] == ["陆家嘴·理财沙龙群"]
    pause = post(client, f"/api/sop/groups/{bank['beijing'].chat_id}/pause")
    assert pause.status_code == 403 and "outside your scope" in error_of(pause)
    sign_in_as(bank["hq"])
    hq = post(client, "/api/sop/assignments", assign_body(selector={"branch": 4}))
    assert [a["group_name"] for a in hq.get_json()["assigned"]] == ["北京·理财沙龙群"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"template": None}, '"template" is missing; give a template name'),
        ({"template": "无此模板"}, 'no published template "无此模板"; published: '),
        ({"version": "1"}, '"version" must be a whole number ≥ 1'),
        ({"version": 9}, 'no published template "new_customer_welcome v9"'),
        ({"selector": {"branch": 2, "name_pattern": "*"}}, '"selector" must hold exactly one of'),
        ({"selector": {"chat_ids": "wr1"}}, '"selector.chat_ids" must be a list of chat ids'),
        ({"selector": {"chat_ids": ["wrNoSuchGroup"]}}, "no open group with chat id wrNoSuch"),
        ({"start_date": "3月2日"}, '"start_date" must be a date from 2000-01-01 to 2100-12-31'),
        ({"timezone": "北京时间"}, '"timezone" must be an IANA time zone name'),
    ],
)
def test_bad_assignment_requests_name_the_field_and_the_fix(
    bank, client, sign_in_as, change, message
):
    sign_in_as(bank["hq"])
    response = post(client, "/api/sop/assignments", assign_body(**change))
    assert response.status_code == 400
    assert message in error_of(response)
    assert db.session.scalar(select(func.count(SopAssignment.id))) == 0


def test_pause_and_resume_with_replay_from_the_api(bank, client, sign_in_as):
    sign_in_as(bank["lead"])
    post(client, "/api/sop/assignments", assign_body())
    url = f"/api/sop/groups/{bank['welcome'].chat_id}"
    paused = post(client, f"{url}/pause")
    assert paused.status_code == 200 and paused.get_json()["assignment"]["status"] == "paused"
    bad = post(client, f"{url}/resume", {"replay": "yes"})
    assert (
        bad.status_code == 400
        and error_of(bad) == '"replay" must be true or false (1 or 0 in a query string)'
    )
    resumed = post(client, f"{url}/resume", {"replay": True}).get_json()["assignment"]
    assert resumed["status"] == "active" and resumed["resumed_at"] is not None
    unknown = post(client, "/api/sop/groups/wrNoSuchGroup/pause")
    assert unknown.status_code == 404


def test_an_rm_sees_only_their_groups_and_their_own_to_dos(bank, client, sign_in_as):
    sign_in_as(bank["hq"])
    post(client, "/api/sop/assignments", assign_body(selector={"branch": 1}))
    materialise_due_tasks(shanghai(PAST_MONDAY, 10))
    db.session.commit()
    sign_in_as(bank["beijing_rm"])
    assignments = client.get("/api/sop/assignments").get_json()["assignments"]
    assert [a["group_name"] for a in assignments] == ["北京·理财沙龙群"]
    tasks = client.get("/api/sop/tasks").get_json()["tasks"]
    assert {t["group_name"] for t in tasks} == {"北京·理财沙龙群"}
    refused = client.get(f"/api/sop/groups/{bank['welcome'].chat_id}/tasks")
    assert refused.status_code == 403
    sign_in_as(bank["rm"])
    mine = client.get("/api/sop/tasks?mine=1&status=pending&date=2026-03-02").get_json()["tasks"]
    assert {(t["group_name"], t["role"], t["assignee"]) for t in mine} == {
        ("陆家嘴·新客欢迎群🎉", "理财经理", "lin.xiaomei"),
        ("陆家嘴·理财沙龙群", "理财经理", "lin.xiaomei"),
        ("陆家嘴·新客欢迎群🎉", "助理", "lin.xiaomei"),
        ("陆家嘴·理财沙龙群", "助理", "lin.xiaomei"),
    }
    assert client.get("/api/sop/tasks?mine=1&date=2026-03-03").get_json()["tasks"] == []
    bad = client.get("/api/sop/tasks?mine=1&status=finished")
    assert bad.status_code == 400 and "use one of pending, queued" in error_of(bad)
    bad = client.get("/api/sop/tasks?limit=5000")
    assert error_of(bad) == (
        '"limit" 须为 1 至 500 的整数 ("limit" must be a whole number from 1 to 500)'
    )


def test_a_to_do_is_completed_by_its_assignee_or_the_group_owner_only(bank, client, sign_in_as):
    sign_in_as(bank["hq"])
    post(client, "/api/sop/assignments", assign_body(selector={"branch": 1}))
    materialise_due_tasks(shanghai(PAST_MONDAY, 10))
    db.session.commit()
    task = db.session.scalars(
        select(SopTask).where(SopTask.group_id == bank["welcome"].id, SopTask.role == "理财经理")
    ).one()
    sign_in_as(bank["beijing_rm"])
    outsider = post(client, f"/api/sop/tasks/{task.id}/complete")
    assert outsider.status_code == 403
    assert "only its assignee or the group owner (群主) can complete it" in error_of(outsider)
    sign_in_as(bank["rm"])
    done = post(client, f"/api/sop/tasks/{task.id}/complete")
    assert done.status_code == 200
    assert done.get_json()["status"] == "late"  # due on 2 March, done today
    db.session.expire_all()
    assert db.session.get(SopTask, task.id).note == "done by lin.xiaomei"
    sign_in_as(bank["rm"])
    twice = post(client, f"/api/sop/tasks/{task.id}/complete")
    assert twice.get_json()["status"] == "late"
