"""Lexicon management (词库管理): officers see the active lexicon, the versions scrm has seen,
what changed between two of them, and test any text with the gate's own scanner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import CSRF_HEADERS
from sqlalchemy import func, select

from scrm.archive.chain.models import ArchivedMessage
from scrm.compliance.lexicon.active import PROJECT_ROOT
from scrm.compliance.lexicon.models import LexiconSnapshot
from scrm.compliance.lexicon.services import snapshot_active_lexicon
from scrm.compliance.review.models import ReviewCase
from scrm.db import db
from scrm.directory.models import Staff


@pytest.fixture
def lexicon_dir(app, tmp_path) -> Path:
    """A copy of the real lexicon the app reads, re-read on every request."""
    folder = tmp_path / "sensitive_words"
    shutil.copytree(PROJECT_ROOT / "sensitive_words", folder)
    app.config.update(LEXICON_DIR=str(folder), LEXICON_RELOAD_SECONDS=0)
    return folder


@pytest.fixture
def staff(app_ctx, create_department, create_staff) -> dict[str, Staff]:
    hq = create_department(1, "星河银行")
    people = {
        role: create_staff(f"lexicon.{role}", name, hq, roles=[role])
        for role, name in (("compliance", "何合规"), ("hq_ops", "宗运营"), ("rm", "林小美"))
    }
    db.session.commit()
    return people


def try_text(client, text: str, channel: str = "group"):
    return client.post(
        "/api/lexicon/test",
        json={"text": text, "channel": channel},
        headers=CSRF_HEADERS,
    )


def test_an_officer_sees_the_active_lexicon_by_category_with_actions_per_channel(
    client, staff, sign_in_as, lexicon_dir
):
    sign_in_as(staff["compliance"])

    body = client.get("/api/lexicon").get_json()

    categories = {c["category"]: c["terms"] for c in body["categories"]}
    guaranteed = {t["term"]: t for t in categories["承诺收益/保本"]}
    assert guaranteed["稳赚"]["actions"] == {
        "single": "block",
        "group": "block",
        "moments": "block",
    }
    absolute = {t["term"]: t["actions"] for t in categories["绝对化用语"]}
    assert absolute["最高"] == {"single": "warn", "group": "block", "moments": "block"}
    assert {"phrase": "不保本", "suppresses": ["保本"], "note": None} in body["allow"]
    counts = body["counts"]
    assert counts["terms"] == sum(len(terms) for terms in categories.values())
    assert counts["categories"] == 9 and counts["allow_phrases"] == len(body["allow"])
    assert sum(counts["actions"]["group"].values()) == counts["terms"]
    assert len(body["version"]) == 64


def test_the_diff_of_two_real_versions_shows_what_changed(client, staff, sign_in_as, lexicon_dir):
    sign_in_as(staff["compliance"])
    before = client.get("/api/lexicon").get_json()["version"]
    guaranteed = lexicon_dir / "承诺收益.tsv"
    text = guaranteed.read_text(encoding="utf-8")
    text = text.replace("稳赚\tblock\tblock\tblock", "稳赚\twarn\tblock\tblock")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("保本保息\t"))
    guaranteed.write_text(text + "\n躺赚不亏\tblock\tblock\tblock\tZGXG\t新增\n", encoding="utf-8")
    with (lexicon_dir / "allowlist" / "披露用语.tsv").open("a", encoding="utf-8") as allow:
        allow.write("本金不保本\t保本\t复核建议\n")

    versions = client.get("/api/lexicon/versions").get_json()
    after = versions["active"]
    diff = client.get(f"/api/lexicon/diff?from={before[:10]}&to={after}").get_json()

    assert after != before
    assert [(v["version"], v["active"]) for v in versions["versions"]] == [
        (after, True),
        (before, False),
    ]
    assert [t["term"] for t in diff["terms"]["added"]] == ["躺赚不亏"]
    assert [t["term"] for t in diff["terms"]["removed"]] == ["保本保息"]
    [changed] = diff["terms"]["changed"]
    assert changed["term"] == "稳赚" and changed["fields"] == ["actions"]
    assert changed["from"]["actions"]["single"] == "block"
    assert changed["to"]["actions"]["single"] == "warn"
    assert [a["phrase"] for a in diff["allow"]["added"]] == ["本金不保本"]
    assert diff["allow"]["removed"] == [] and diff["same"] is False
    same = client.get(f"/api/lexicon/diff?from={after}&to={after}").get_json()
    assert same["same"] is True
    unknown = client.get(f"/api/lexicon/diff?from={before}&to=abcdef0123")
    assert unknown.status_code == 404
    assert client.get("/api/lexicon/diff?from=ab&to=").status_code == 400


def test_the_test_box_marks_traditional_and_full_width_hits_where_they_stand(
    client, staff, sign_in_as, lexicon_dir
):
    sign_in_as(staff["hq_ops"])
    text = "客戶您好，這款理財穩賺不賠，可以用ＵＳＤＴ買 <b>😀"

    body = try_text(client, text).get_json()

    assert body["decision"] == "block" and body["channel"] == "group"
    spans = sorted((h["term"], h["start"], h["end"], h["matched"]) for h in body["hits"])
    assert spans == [
        ("USDT", 17, 21, "ＵＳＤＴ"),
        ("稳赚", 9, 11, "穩賺"),
        ("稳赚不赔", 9, 13, "穩賺不賠"),
    ]
    assert body["marked_html"] == (
        "客戶您好，這款理財"
        '<mark data-action="block" data-category="承诺收益/保本">穩賺不賠</mark>，可以用'
        '<mark data-action="warn" data-category="反洗钱/非法金融">ＵＳＤＴ</mark>買 &lt;b&gt;😀'
    )
    assert db.session.scalar(select(func.count()).select_from(ArchivedMessage)) == 0
    assert db.session.scalar(select(func.count()).select_from(ReviewCase)) == 0


def test_the_test_box_uses_the_channel_and_the_allow_list(client, staff, sign_in_as, lexicon_dir):
    sign_in_as(staff["compliance"])

    one_to_one = try_text(client, "这是收益最高的一款", channel="single").get_json()
    disclosed = try_text(client, "本产品不保本，投资须谨慎", channel="moments").get_json()

    assert one_to_one["decision"] == "warn"
    assert disclosed["decision"] == "pass" and disclosed["hits"] == []
    assert disclosed["marked_html"] == "本产品不保本，投资须谨慎"


def test_the_test_box_refuses_what_it_cannot_scan(client, staff, sign_in_as, lexicon_dir):
    sign_in_as(staff["compliance"])

    no_channel = try_text(client, "稳赚", channel="wechat")
    empty = try_text(client, "")
    too_long = try_text(client, "稳" * 1500)

    assert (
        no_channel.status_code == 400
        and "single, group, moments" in no_channel.get_json()["error"]["message"]
    )
    assert empty.status_code == 400
    assert too_long.status_code == 400 and "4,000" in too_long.get_json()["error"]["message"]


def test_an_rm_cannot_read_the_lexicon_and_nobody_must_sign_in(
    client, staff, sign_in_as, lexicon_dir
):
    for who, status in ((staff["rm"], 403), (None, 401)):
        sign_in_as(who)
        assert client.get("/api/lexicon").status_code == status
        assert client.get("/api/lexicon/versions").status_code == status
        assert try_text(client, "稳赚").status_code == status


def test_the_clock_records_each_active_version_once(app_ctx, lexicon_dir):
    first = snapshot_active_lexicon()
    again = snapshot_active_lexicon()
    with (lexicon_dir / "辱骂.tsv").open("a", encoding="utf-8") as insults:
        insults.write("蠢货透顶\twarn\tblock\tblock\n")
    changed = snapshot_active_lexicon()

    kept = db.session.scalars(select(LexiconSnapshot.version)).all()
    assert first == again != changed
    assert sorted(kept) == sorted([first, changed])
