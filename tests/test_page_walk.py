"""Every staff page (console and sidebar) with every role and with nobody signed in: the page's
permission (scrm.console.pages.PAGES, names from scrm.auth.PERMISSIONS) decides 200 or a 403
page; nobody is sent to sign in. A page added without a place in this walk fails it.

The /api/ routes have their own walk in tests/test_auth.py. A cookie saved before sign-out and
replayed afterwards gets, on every route of the app, what a signed-out browser gets.
"""

from __future__ import annotations

import re

import pytest

from scrm.auth import PERMISSIONS
from scrm.console.pages import PAGES
from scrm.db import db
from scrm.directory.models import ROLES, Staff
from scrm.directory.services import grant_role

#: Example paths for pages with a variable part (the page is a shell; its data comes from /api).
EXAMPLES = {
    "/console/archive/messages/<bigid:message_id>": "/console/archive/messages/1",
    "/console/review/cases/<int:case_id>": "/console/review/cases/1",
}
#: Pages any signed-in member of staff opens (their data is scoped by the API behind them).
SIGNED_IN_ONLY = {"/console/": 200, "/sidebar/app/": 200, "/sidebar/": 302}
#: Pages for everybody: the sign-in form itself.
OPEN = {"/console/login": 200}


def staff_pages(app) -> dict[str, str]:
    """rule → endpoint, for every GET page under /console and /sidebar (static files aside)."""
    return {
        rule.rule: rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/console", "/sidebar"))
        and "GET" in rule.methods
        and not rule.endpoint.endswith("static")
    }


@pytest.fixture
def people(app_ctx, create_department, create_staff) -> dict[str, Staff]:
    branch = create_department(2, "上海分行", create_department(1, "星河银行"))
    people = {role: create_staff(f"walk.{role}", f"走查·{role}", branch) for role in ROLES}
    people["no_role"] = create_staff("walk.zhuli", "周助理", branch)
    for role in ROLES:
        grant_role(people[role], role)
    db.session.commit()
    return people


def test_every_staff_page_has_a_place_in_the_walk(app):
    for rule, endpoint in staff_pages(app).items():
        known = rule in SIGNED_IN_ONLY or rule in OPEN
        page = endpoint.removeprefix("console.")
        assert known or (endpoint.startswith("console.") and page in PAGES), rule
        if not known:
            assert PAGES[page][0] in PERMISSIONS, (rule, PAGES[page][0])


@pytest.mark.parametrize("who", [None, "no_role", *ROLES])
def test_page_walk_gives_each_role_what_the_permission_table_says(
    app, client, people, sign_in_as, who
):
    sign_in_as(people[who] if who is not None else None)
    for rule, endpoint in staff_pages(app).items():
        path = EXAMPLES.get(rule, rule)
        response = client.get(path)
        if rule in OPEN:
            expected = OPEN[rule]
        elif who is None:
            expected = 302
        elif rule in SIGNED_IN_ONLY:
            expected = SIGNED_IN_ONLY[rule]
        else:
            permission = PAGES[endpoint.removeprefix("console.")][0]
            expected = 200 if who in PERMISSIONS[permission] else 403
        assert response.status_code == expected, (who, rule, response.status_code)
        body = response.get_data(as_text=True)
        if expected == 302:
            signed_in_to = "/sidebar/app/" if who else ("/auth/wecom/start", "/console/login")
            assert response.location.startswith(signed_in_to), (who, rule, response.location)
        if expected == 403:
            assert 'data-testid="permission"' in body and permission in body


_VARIABLE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>")


def every_route(app) -> list[tuple[str, str]]:
    """``(method, path)`` for every rule of the url_map, each variable given an example value
    (the walk compares two answers to the same path, so any value of the right kind does)."""
    calls = []
    for rule in app.url_map.iter_rules():
        path = EXAMPLES.get(rule.rule) or _VARIABLE.sub(
            lambda variable: "1" if variable.group(1) in ("int", "float") else "x", rule.rule
        )
        calls += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return calls


def test_a_cookie_saved_before_sign_out_gets_only_the_signed_out_answer_on_every_route(
    app, client, people, sign_in_as
):
    everyone = people["admin"]
    for role in ROLES:
        grant_role(everyone, role)
    db.session.commit()
    token = sign_in_as(everyone)
    assert client.get("/api/audit/access").status_code == 200
    saved = client.get_cookie("session").value
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302

    replay, nobody = app.test_client(), app.test_client()
    sign_in_as(None, client=nobody)  # signed out, holding the same CSRF token as the cookie
    for method, path in every_route(app):
        replay.set_cookie("session", saved)
        answers = [
            browser.open(path, method=method, json={}, headers={"X-CSRF-Token": token})
            for browser in (replay, nobody)
        ]
        stolen, signed_out = answers
        assert (stolen.status_code, _without_state(stolen.location)) == (
            signed_out.status_code,
            _without_state(signed_out.location),
        ), (method, path)
        assert everyone.name not in stolen.get_data(as_text=True), (method, path)


def _without_state(location: str | None) -> str | None:
    """A Location without its random OAuth ``state`` (a new one for every sign-in start)."""
    return re.sub(r"state=[^&#]*", "state=…", location) if location else location
