"""Who is signed in, what each role may do, which groups each sees, and CSRF on API writes.

The route walk calls every ``/api/`` route as every role and as nobody; a route added without
an entry in ROUTES fails it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from scrm.auth import PERMISSIONS, current_staff
from scrm.db import db
from scrm.directory.models import ROLES, Staff
from scrm.directory.services import grant_role
from scrm.groups.access import visible_groups
from scrm.groups.models import CustomerGroup
from scrm.sop.metrics.models import GroupDailyMetric
from scrm.sop.models import GroupRoleHolder, SopTemplate
from scrm.web.signin.sessions import sign_out, start_session

LUJIAZUI_CHAT = "wrAuthLujiazui0001"
HELD_CHAT = "wrAuthAssistant002"
BEIJING_CHAT = "wrAuthBeijing00003"


@pytest.fixture
def bank(app_ctx, create_department, create_staff, create_group) -> dict[str, Staff]:
    """星河银行 HQ (1) → 上海分行 (2) → 陆家嘴支行 (3), and 北京分行 (4); one member of staff per
    role, an assistant with no scrm role, three groups and a published template."""
    hq = create_department(1, "星河银行")
    shanghai = create_department(2, "上海分行", hq)
    lujiazui = create_department(3, "陆家嘴支行", shanghai)
    beijing = create_department(4, "北京分行", hq)
    people = {
        "rm": create_staff("lin.xiaomei", "林小美", lujiazui),
        "branch_lead": create_staff("chen.hang", "陈行长", shanghai),
        "compliance": create_staff("he.gui", "何合规", hq),
        "hq_ops": create_staff("zong.yunying", "宗运营", hq),
        "admin": create_staff("guan.li", "管理员", hq),
        "assistant": create_staff("zhou.zhuli", "周助理", lujiazui),
        "beijing_rm": create_staff("zhao.bj", "赵北京", beijing, roles=["rm"]),
    }
    for role in ROLES:
        grant_role(people[role], role)
    groups = [
        create_group(people["rm"], "陆家嘴·新客欢迎群", chat_id=LUJIAZUI_CHAT),
        create_group(people["assistant"], "陆家嘴·代发群", chat_id=HELD_CHAT),
        create_group(people["beijing_rm"], "北京·理财沙龙群", chat_id=BEIJING_CHAT),
    ]
    db.session.add(
        GroupRoleHolder(group_id=groups[1].id, role="理财经理", staff_id=people["rm"].id)
    )
    db.session.add(
        SopTemplate(
            name="morning_brief",
            version=1,
            title="每日早间市场速递",
            roles=["理财经理"],
            steps=[],
            locked_steps=[],
            source_file="sop_templates/morning_brief.yaml",
            content_hash="0" * 64,
        )
    )
    db.session.commit()
    return people


def visible_chat_ids(staff: Staff) -> set[str]:
    query = select(CustomerGroup.chat_id).where(CustomerGroup.id.in_(visible_groups(staff)))
    return set(db.session.scalars(query))


def test_an_rm_sees_the_groups_they_own_or_hold_a_role_in(bank):
    assert visible_chat_ids(bank["rm"]) == {LUJIAZUI_CHAT, HELD_CHAT}
    assert visible_chat_ids(bank["beijing_rm"]) == {BEIJING_CHAT}


def test_a_branch_lead_sees_every_group_owned_in_the_branch_and_below(bank):
    assert visible_chat_ids(bank["branch_lead"]) == {LUJIAZUI_CHAT, HELD_CHAT}


def test_hq_ops_and_admins_see_every_group_and_compliance_none(bank):
    everything = {LUJIAZUI_CHAT, HELD_CHAT, BEIJING_CHAT}
    assert visible_chat_ids(bank["hq_ops"]) == everything
    assert visible_chat_ids(bank["admin"]) == everything
    assert visible_chat_ids(bank["compliance"]) == set()
    assert visible_chat_ids(bank["assistant"]) == set()


def test_session_tells_a_visitor_nobody_is_signed_in_and_issues_a_token(client, bank):
    body = client.get("/api/session").get_json()
    assert body["signed_in"] is False and body["staff"] is None and body["roles"] == []
    assert len(body["csrf_token"]) >= 32
    assert client.get("/api/session").get_json()["csrf_token"] == body["csrf_token"]


def test_session_names_the_signed_in_staff_their_roles_and_permissions(client, bank, sign_in_as):
    sign_in_as(bank["branch_lead"])
    body = client.get("/api/session").get_json()
    assert body["staff"] == {"userid": "chen.hang", "name": "陈行长", "department_id": 2}
    assert body["roles"] == ["branch_lead"]
    assert body["permissions"] == sorted(
        p for p, roles in PERMISSIONS.items() if "branch_lead" in roles
    )


def test_sign_in_gives_a_fresh_token_and_sign_out_forgets_everything(app, bank):
    with app.test_request_context("/"):
        from flask import session

        session["csrf_token"] = "planted-by-someone-else"
        start_session(bank["rm"])
        assert current_staff() is bank["rm"]
        assert session["csrf_token"] != "planted-by-someone-else"
        assert "staff_id" not in session  # the cookie names a session, never a person
        sign_out()
        assert current_staff() is None
        assert dict(session) == {}


def test_staff_who_left_the_bank_are_no_longer_signed_in(client, bank, sign_in_as):
    sign_in_as(bank["rm"])
    bank["rm"].status = 5  # 已退出企业
    db.session.commit()
    response = client.get("/api/sop/templates")
    assert response.status_code == 401
    assert response.get_json()["error"]["message"].startswith("sign in first")


def test_a_write_without_the_csrf_token_is_refused_with_the_fix(client, bank, sign_in_as):
    token = sign_in_as(bank["hq_ops"])
    url = f"/api/sop/groups/{LUJIAZUI_CHAT}/pause"
    missing = client.post(url)
    assert missing.status_code == 403
    assert missing.get_json() == {
        "error": {
            "status": 403,
            "message": "this request carries no X-CSRF-Token header; send the csrf_token from "
            "GET /api/session in it",
        }
    }
    wrong = client.post(url, headers={"X-CSRF-Token": "guessed"})
    assert (
        wrong.status_code == 403
        and "carries a wrong X-CSRF-Token" in wrong.get_json()["error"]["message"]
    )
    right = client.post(url, headers={"X-CSRF-Token": token})
    assert right.status_code == 400  # past CSRF and permission: the group runs no SOP yet
    assert "runs no SOP; assign a template first" in right.get_json()["error"]["message"]


def test_a_refusal_names_the_permission_and_the_roles_that_hold_it(client, bank, sign_in_as):
    token = sign_in_as(bank["rm"])
    response = client.post("/api/sop/assignments", json={}, headers={"X-CSRF-Token": token})
    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == (
        'permission "sop.assign" is needed; it is held by the roles admin, branch_lead, hq_ops '
        "(ask an admin to give you one)"
    )


# Every /api/ route: (permission or None for open, a path to call, the status when allowed).
ROUTES = {
    ("GET", "/api/session"): (None, "/api/session", 200),
    ("GET", "/api/sop/templates"): ("sop.templates.read", "/api/sop/templates", 200),
    ("GET", "/api/sop/templates/<name>"): (
        "sop.templates.read",
        "/api/sop/templates/morning_brief",
        200,
    ),
    ("GET", "/api/sop/assignments"): ("sop.tasks.read", "/api/sop/assignments", 200),
    ("POST", "/api/sop/assignments"): ("sop.assign", "/api/sop/assignments", 400),
    ("POST", "/api/sop/groups/<chat_id>/pause"): (
        "sop.assign",
        f"/api/sop/groups/{LUJIAZUI_CHAT}/pause",
        400,
    ),
    ("POST", "/api/sop/groups/<chat_id>/resume"): (
        "sop.assign",
        f"/api/sop/groups/{LUJIAZUI_CHAT}/resume",
        400,
    ),
    ("GET", "/api/sop/groups/<chat_id>/tasks"): (
        "sop.tasks.read",
        f"/api/sop/groups/{LUJIAZUI_CHAT}/tasks",
        200,
    ),
    ("GET", "/api/sop/tasks"): ("sop.tasks.read", "/api/sop/tasks?mine=1", 200),
    ("POST", "/api/sop/tasks/<int:task_id>/complete"): (
        "sop.todo.complete",
        "/api/sop/tasks/424242/complete",
        404,
    ),
    ("GET", "/api/sop/metrics"): (
        "sop.metrics.read",
        "/api/sop/metrics?level=branch&start=2026-11-01&end=2026-11-21",
        200,
    ),
    # Custody (在职转接, 离职继承) and identity binding (身份认证).
    ("GET", "/api/custody/handovers"): ("custody.read", "/api/custody/handovers", 200),
    ("GET", "/api/custody/handovers/<int:handover_id>"): (
        "custody.read",
        "/api/custody/handovers/999",
        404,
    ),
    ("POST", "/api/custody/handovers"): ("custody.transfer", "/api/custody/handovers", 400),
    ("POST", "/api/custody/inheritances"): ("custody.transfer", "/api/custody/inheritances", 400),
    ("GET", "/api/customers/<external_userid>/binding"): (
        "customers.read",
        "/api/customers/wmNobody/binding",
        404,
    ),
    ("PUT", "/api/customers/<external_userid>/binding"): (
        "customers.bind",
        "/api/customers/wmNobody/binding",
        400,
    ),
    ("DELETE", "/api/customers/<external_userid>/binding"): (
        "customers.bind",
        "/api/customers/wmNobody/binding",
        404,
    ),
    # Branch dashboards (分行看板).
    ("GET", "/api/dashboards/overview"): (
        "dashboards.read",
        "/api/dashboards/overview?level=branch&id=2&start=2026-11-01&end=2026-11-21",
        200,
    ),
    ("GET", "/api/dashboards/trend"): (
        "dashboards.read",
        "/api/dashboards/trend?metric=members&level=branch&id=2&start=2026-11-01&end=2026-11-21",
        200,
    ),
    ("GET", "/api/dashboards/leaderboard"): (
        "dashboards.read",
        "/api/dashboards/leaderboard?metric=messages&level=branch&id=2&start=2026-11-01"
        "&end=2026-11-21",
        200,
    ),
    # Compliance review (合规复核) and the lexicon (词库).
    ("GET", "/api/review/cases"): (
        "review.read",
        "/api/review/cases",
        200,
    ),
    ("GET", "/api/review/cases/<int:case_id>"): (
        "review.read",
        "/api/review/cases/424242",
        404,
    ),
    ("POST", "/api/review/cases/<int:case_id>/claim"): (
        "review.act",
        "/api/review/cases/424242/claim",
        404,
    ),
    ("POST", "/api/review/cases/<int:case_id>/release"): (
        "review.act",
        "/api/review/cases/424242/release",
        404,
    ),
    ("POST", "/api/review/cases/<int:case_id>/verdict"): (
        "review.act",
        "/api/review/cases/424242/verdict",
        404,
    ),
    ("POST", "/api/review/cases/<int:case_id>/escalate"): (
        "review.act",
        "/api/review/cases/424242/escalate",
        404,
    ),
    ("POST", "/api/review/cases/<int:case_id>/close"): (
        "review.act",
        "/api/review/cases/424242/close",
        404,
    ),
    ("POST", "/api/review/cases/<int:case_id>/reopen"): (
        "review.act",
        "/api/review/cases/424242/reopen",
        404,
    ),
    ("POST", "/api/review/cases/<int:case_id>/comments"): (
        "review.act",
        "/api/review/cases/424242/comments",
        404,
    ),
    ("POST", "/api/review/cases/<int:case_id>/allow-proposal"): (
        "review.act",
        "/api/review/cases/424242/allow-proposal",
        404,
    ),
    ("POST", "/api/review/cases/bulk-false-positive"): (
        "review.act",
        "/api/review/cases/bulk-false-positive",
        400,
    ),
    ("GET", "/api/review/allow-proposals"): (
        "review.read",
        "/api/review/allow-proposals",
        200,
    ),
    ("POST", "/api/review/allow-proposals/<int:proposal_id>/accept"): (
        "review.act",
        "/api/review/allow-proposals/424242/accept",
        404,
    ),
    ("POST", "/api/review/allow-proposals/<int:proposal_id>/reject"): (
        "review.act",
        "/api/review/allow-proposals/424242/reject",
        404,
    ),
    ("GET", "/api/review/sla"): (
        "review.read",
        "/api/review/sla",
        200,
    ),
    ("GET", "/api/lexicon"): (
        "lexicon.read",
        "/api/lexicon",
        200,
    ),
    ("GET", "/api/lexicon/versions"): (
        "lexicon.read",
        "/api/lexicon/versions",
        200,
    ),
    ("GET", "/api/lexicon/diff"): (
        "lexicon.read",
        "/api/lexicon/diff",
        400,
    ),
    ("POST", "/api/lexicon/test"): (
        "lexicon.read",
        "/api/lexicon/test",
        400,
    ),
    # Acquisition (获客): channel QR codes, bulk-add imports and tasks.
    ("GET", "/api/acquisition/channels"): (
        "acquisition.read",
        "/api/acquisition/channels",
        200,
    ),
    ("POST", "/api/acquisition/channels"): (
        "acquisition.manage",
        "/api/acquisition/channels",
        400,
    ),
    ("POST", "/api/acquisition/channels/<int:channel_id>/archive"): (
        "acquisition.manage",
        "/api/acquisition/channels/424242/archive",
        404,
    ),
    ("GET", "/api/acquisition/tasks"): (
        "acquisition.read",
        "/api/acquisition/tasks",
        200,
    ),
    ("POST", "/api/acquisition/imports"): (
        "acquisition.manage",
        "/api/acquisition/imports",
        400,
    ),
    ("GET", "/api/acquisition/report"): (
        "acquisition.read",
        "/api/acquisition/report?level=branch",
        200,
    ),
    # Customers (profile, tags, notes) and moments (客户朋友圈).
    ("GET", "/api/customers/tag-groups"): (
        "customers.read",
        "/api/customers/tag-groups",
        200,
    ),
    ("GET", "/api/customers/<external_userid>"): (
        "customers.read",
        "/api/customers/wmNobody",
        404,
    ),
    ("PUT", "/api/customers/<external_userid>/tags"): (
        "customers.tags.edit",
        "/api/customers/wmNobody/tags",
        400,
    ),
    ("PUT", "/api/customers/<external_userid>/remark"): (
        "customers.notes.edit",
        "/api/customers/wmNobody/remark",
        404,
    ),
    ("POST", "/api/customers/<external_userid>/notes"): (
        "customers.notes.edit",
        "/api/customers/wmNobody/notes",
        404,
    ),
    ("PUT", "/api/customers/<external_userid>/notes/<int:note_id>"): (
        "customers.notes.edit",
        "/api/customers/wmNobody/notes/424242",
        404,
    ),
    ("GET", "/api/moments/posts"): (
        "moments.read",
        "/api/moments/posts",
        200,
    ),
    ("GET", "/api/moments/posts/<int:post_id>"): (
        "moments.read",
        "/api/moments/posts/424242",
        404,
    ),
    ("POST", "/api/moments/own-posts"): (
        "moments.own_post",
        "/api/moments/own-posts",
        400,
    ),
    ("POST", "/api/moments/own-posts/<int:post_id>/cancel"): (
        "moments.own_post",
        "/api/moments/own-posts/424242/cancel",
        404,
    ),
    ("POST", "/api/moments/central-posts"): (
        "moments.central",
        "/api/moments/central-posts",
        400,
    ),
    ("POST", "/api/moments/central-posts/<int:post_id>/cancel"): (
        "moments.central",
        "/api/moments/central-posts/424242/cancel",
        404,
    ),
    # Archive search (存档检索) and the access audit (访问审计).
    ("GET", "/api/archive/search"): ("archive.search", "/api/archive/search", 400),
    ("GET", "/api/archive/messages/<bigid:message_id>/conversation"): (
        "archive.search",
        "/api/archive/messages/999/conversation",
        404,
    ),
    ("GET", "/api/audit/access"): ("audit.read", "/api/audit/access", 200),
    # Evidence exports (证据导出).
    ("POST", "/api/archive/exports"): ("archive.export", "/api/archive/exports", 400),
    # Segments and mass messages (客户群发).
    ("GET", "/api/campaigns/segments"): (
        "campaigns.read",
        "/api/campaigns/segments",
        200,
    ),
    ("POST", "/api/campaigns/segments"): (
        "campaigns.send",
        "/api/campaigns/segments",
        400,
    ),
    ("POST", "/api/campaigns/segments/preview"): (
        "campaigns.read",
        "/api/campaigns/segments/preview",
        400,
    ),
    ("GET", "/api/campaigns"): (
        "campaigns.read",
        "/api/campaigns",
        200,
    ),
    ("POST", "/api/campaigns"): (
        "campaigns.send",
        "/api/campaigns",
        400,
    ),
    ("GET", "/api/campaigns/<int:campaign_id>"): (
        "campaigns.read",
        "/api/campaigns/999",
        404,
    ),
    ("POST", "/api/campaigns/<int:campaign_id>/send"): (
        "campaigns.send",
        "/api/campaigns/999/send",
        404,
    ),
    ("POST", "/api/campaigns/<int:campaign_id>/remind"): (
        "campaigns.send",
        "/api/campaigns/999/remind",
        404,
    ),
    ("POST", "/api/campaigns/<int:campaign_id>/cancel"): (
        "campaigns.send",
        "/api/campaigns/999/cancel",
        404,
    ),
    # The RM sidebar (聊天工具栏): home, customer and group views, scripts, checked sends.
    ("GET", "/api/sidebar/home"): (
        "customers.read",
        "/api/sidebar/home",
        200,
    ),
    ("GET", "/api/sidebar/customers/<external_userid>/messages"): (
        "customers.read",
        "/api/sidebar/customers/wmNoSuchCustomer/messages",
        404,
    ),
    ("GET", "/api/sidebar/customers/<external_userid>/todos"): (
        "customers.read",
        "/api/sidebar/customers/wmNoSuchCustomer/todos",
        404,
    ),
    ("GET", "/api/sidebar/groups/<chat_id>"): (
        "customers.read",
        "/api/sidebar/groups/wrNoSuchGroup",
        404,
    ),
    ("GET", "/api/sidebar/scripts"): (
        "scripts.read",
        "/api/sidebar/scripts",
        200,
    ),
    ("POST", "/api/sidebar/scripts"): (
        "scripts.manage",
        "/api/sidebar/scripts",
        400,
    ),
    ("PUT", "/api/sidebar/scripts/<int:script_id>"): (
        "scripts.manage",
        "/api/sidebar/scripts/999999",
        404,
    ),
    ("DELETE", "/api/sidebar/scripts/<int:script_id>"): (
        "scripts.manage",
        "/api/sidebar/scripts/999999",
        404,
    ),
    ("GET", "/api/sidebar/materials"): (
        "scripts.read",
        "/api/sidebar/materials",
        200,
    ),
    ("POST", "/api/sidebar/materials"): (
        "scripts.manage",
        "/api/sidebar/materials",
        400,
    ),
    ("PUT", "/api/sidebar/materials/<key>"): (
        "scripts.manage",
        "/api/sidebar/materials/no_such_material",
        404,
    ),
    ("POST", "/api/sidebar/send-check"): (
        "sidebar.send",
        "/api/sidebar/send-check",
        400,
    ),
    ("POST", "/api/sidebar/check"): (
        "sidebar.send",
        "/api/sidebar/check",
        400,
    ),
    ("POST", "/api/sidebar/problems"): (
        "customers.read",
        "/api/sidebar/problems",
        400,
    ),
    # The JS-SDK signatures for our own pages.
    ("GET", "/api/jssdk/config"): ("customers.read", "/api/jssdk/config", 400),
}


def api_routes(app) -> list[tuple[str, str]]:
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_every_api_route_is_in_the_route_walk_and_names_its_permission(app):
    routes = api_routes(app)
    assert [route for route in routes if route not in ROUTES] == []
    assert [route for route in ROUTES if route not in routes] == []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            method = next(iter(rule.methods - {"HEAD", "OPTIONS"}))
            view = app.view_functions[rule.endpoint]
            assert getattr(view, "permission", None) == ROUTES[(method, rule.rule)][0], rule.rule


@pytest.mark.parametrize("who", [None, *ROLES])
def test_route_walk_gives_each_role_what_the_permission_table_says(
    app, client, bank, sign_in_as, who
):
    token = sign_in_as(bank[who] if who else None)
    for (method, rule), (permission, path, allowed) in ROUTES.items():
        if permission is None:
            expected = allowed
        elif who is None:
            expected = 401
        else:
            expected = allowed if who in PERMISSIONS[permission] else 403
        response = client.open(path, method=method, json={}, headers={"X-CSRF-Token": token})
        assert response.status_code == expected, (who, method, rule, response.get_json())
        if expected >= 400:
            assert response.get_json()["error"]["status"] == expected


def test_metrics_follow_the_scope_of_who_asks(client, bank, sign_in_as):
    ids = dict(db.session.execute(select(CustomerGroup.chat_id, CustomerGroup.id)).all())
    owners = {LUJIAZUI_CHAT: "rm", HELD_CHAT: "assistant", BEIJING_CHAT: "beijing_rm"}
    for chat_id, owner in owners.items():
        staff = bank[owner]
        db.session.add(
            GroupDailyMetric(
                group_id=ids[chat_id],
                day=date(2026, 11, 20),
                owner_id=staff.id,
                department_id=staff.department_id,
                members=30,
                joins=3,
                messages=40,
            )
        )
    db.session.commit()
    url = "/api/sop/metrics?level=group&start=2026-11-20&end=2026-11-20"
    seen = {}
    for who in ("rm", "branch_lead", "hq_ops", "beijing_rm"):
        sign_in_as(bank[who])
        seen[who] = {row["name"] for row in client.get(url).get_json()["rows"]}
    assert seen == {
        "rm": {"陆家嘴·新客欢迎群", "陆家嘴·代发群"},
        "branch_lead": {"陆家嘴·新客欢迎群", "陆家嘴·代发群"},
        "hq_ops": {"陆家嘴·新客欢迎群", "陆家嘴·代发群", "北京·理财沙龙群"},
        "beijing_rm": {"北京·理财沙龙群"},
    }
    sign_in_as(bank["hq_ops"])
    bad = client.get("/api/sop/metrics?level=city&start=2026-11-20&end=2026-11-20")
    assert (
        bad.status_code == 400
        and "\"level\" 'city' is unknown" in bad.get_json()["error"]["message"]
    )
    bad = client.get("/api/sop/metrics?level=rm&start=2026/11/20&end=2026-11-20")
    assert bad.get_json()["error"]["message"] == (
        '"start" 须为 2000-01-01 至 2100-12-31 之间的日期 ("start" must be a date from '
        "2000-01-01 to 2100-12-31, written YYYY-MM-DD, e.g. 2026-03-02)"
    )
