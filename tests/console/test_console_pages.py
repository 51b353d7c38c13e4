"""The console pages as the server serves them: each page needs its permission (a 403 page
naming it, with no data), nobody signed in goes to the sign-in page, a stale session is told
why, and the archive status page shows the chain check, the pull cursor and the gaps."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from scrm.archive.ingest.models import ArchiveCursor, ArchiveGap
from scrm.db import db, utcnow

PAGES = {
    "/console/archive": "archive.search",
    "/console/archive/messages/1": "archive.search",
    "/console/review": "review.read",
    "/console/review/cases/1": "review.read",
    "/console/audit": "audit.read",
    "/console/lexicon": "lexicon.read",
    "/console/dashboards": "dashboards.read",
    "/console/status": "audit.read",
    "/console/scripts": "scripts.manage",
}


@pytest.mark.parametrize("path", sorted(PAGES))
def test_an_rm_gets_a_403_page_naming_the_permission_and_no_data(path, bank, client, sign_in_as):
    sign_in_as(bank["rm"])
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert f'<code data-testid="permission">{PAGES[path]}</code>' in page
    assert not re.search(r"static/console-pages/console/\w+\.js", page)  # no page script
    assert "林小美" in page  # still inside the console, signed in


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("compliance", "/console/archive"),
        ("compliance", "/console/review/cases/7"),
        ("compliance", "/console/lexicon"),
        ("compliance", "/console/status"),
        ("admin", "/console/audit"),
        ("admin", "/console/dashboards"),
        ("admin", "/console/lexicon"),
    ],
)
def test_each_role_opens_the_pages_its_permissions_allow(who, path, bank, client, sign_in_as):
    sign_in_as(bank[who])
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert 'data-testid="forbidden"' not in response.get_data(as_text=True)


def test_nobody_signed_in_is_sent_to_sign_in_with_the_page_to_return_to(client, bank, sign_in_as):
    sign_in_as(None)
    response = client.get("/console/review?status=open")
    assert response.status_code == 302
    assert response.location.startswith("/console/login?next=")
    query = parse_qs(urlsplit(response.location).query)
    assert query["next"] == ["/console/review?status=open"]


def test_a_stale_session_is_sent_to_sign_in_with_the_reason(client, bank, sign_in_as):
    sign_in_as(bank["compliance"])
    bank["compliance"].removed_at = utcnow()
    db.session.commit()

    response = client.get("/console/archive", follow_redirects=True)

    assert response.request.path == "/console/login"
    assert "已退出登录" in response.get_data(as_text=True)


def test_the_status_page_shows_the_chain_the_last_seq_pulled_and_gaps(
    bank, gate, client, sign_in_as
):
    gate.send(bank["rm"], "王女士您好，这是本周的理财早报📈")
    now = utcnow()
    db.session.add(ArchiveCursor(name="wecom", last_seq=4821, updated_at=now))
    db.session.add(ArchiveGap(cursor_name="wecom", from_seq=4700, to_seq=4702, detected_at=now))
    db.session.commit()
    sign_in_as(bank["compliance"])

    page = client.get("/console/status").get_data(as_text=True)

    assert "完整：已校验 1 条" in page
    assert "<td>4821</td>" in page
    assert "<td>4700–4702</td>" in page
