"""The dashboards API as branch leads use it: their own branch only, trends by day, week and
month, leaderboards, CSV that Excel opens in Chinese, and bad requests that name the fix."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from dashboard_names import D1, D2

from scrm.dashboards.trends import periods
from scrm.db import db

RANGE = f"start={D1}&end={D2}"


def error(response, status: int) -> str:
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]["message"]


def test_a_branch_lead_lands_on_their_own_branch(bank, client, sign_in_as):
    sign_in_as(bank["lead"])
    body = client.get(f"/api/dashboards/overview?{RANGE}").get_json()
    assert body["node"] == {"level": "branch", "id": 2, "name": "上海分行"}
    assert [step["name"] for step in body["path"]] == ["上海分行"]  # no bank above them
    assert body["totals"]["members"] == 45


def test_the_shanghai_lead_cannot_see_beijing_or_the_bank(bank, client, sign_in_as):
    sign_in_as(bank["lead"])
    for path in (
        "level=branch&id=4",
        "level=sub_branch&id=6",
        f"level=rm&id={bank['zhao'].id}",
        "level=bank",
    ):
        message = error(client.get(f"/api/dashboards/overview?{path}&{RANGE}"), 403)
        assert "level=branch&id=2" in message, message
    beijing_group = bank["groups"]["朝阳·财富沙龙"].id
    error(client.get(f"/api/dashboards/overview?level=group&id={beijing_group}"), 403)
    error(client.get("/api/dashboards/trend?metric=members&level=branch&id=4"), 403)
    error(client.get("/api/dashboards/leaderboard?metric=members&level=branch&id=4"), 403)


def test_the_beijing_lead_sees_beijing_down_to_its_groups(bank, client, sign_in_as):
    sign_in_as(bank["beijing_lead"])
    body = client.get(f"/api/dashboards/overview?{RANGE}").get_json()
    assert [(r["level"], r["name"]) for r in body["rows"]] == [("sub_branch", "朝阳支行")]
    rm = client.get(f"/api/dashboards/overview?level=rm&id={bank['zhao'].id}&{RANGE}")
    assert rm.get_json()["rows"][0]["name"] == "朝阳·财富沙龙"


def test_rms_compliance_and_visitors_get_no_dashboards(bank, client, sign_in_as):
    sign_in_as(bank["lin"])
    error(client.get("/api/dashboards/overview"), 403)
    sign_in_as(bank["compliance"])
    error(client.get("/api/dashboards/overview"), 403)
    sign_in_as(None)
    error(client.get("/api/dashboards/overview"), 401)


def test_trend_by_day_week_and_month(bank, client, sign_in_as):
    sign_in_as(bank["hq"])
    base = "/api/dashboards/trend?level=branch&id=2"
    days = client.get(f"{base}&metric=members&{RANGE}").get_json()
    assert [(p["period"], p["value"]) for p in days["points"]] == [
        ("2026-03-02", 43),
        ("2026-03-03", 45),
    ]
    assert days["metric"] == {"key": "members", "label": "群成员数", "unit": "人"}
    week = client.get(f"{base}&metric=messages&grain=week&start=2026-02-27&end={D2}").get_json()
    assert [(p["period"], p["start"], p["end"], p["value"]) for p in week["points"]] == [
        ("2026-W09", "2026-02-27", "2026-03-01", 0),
        ("2026-W10", "2026-03-02", "2026-03-03", 16),
    ]
    lin = f"/api/dashboards/trend?level=rm&id={bank['lin'].id}&metric=response_median"
    month = client.get(f"{lin}&grain=month&start=2026-02-01&end={D2}").get_json()
    assert [(p["period"], p["value"]) for p in month["points"]] == [
        ("2026-02", None),
        ("2026-03", 10),
    ]
    daily = client.get(f"{lin}&{RANGE}").get_json()
    assert [p["value"] for p in daily["points"]] == [10, 30]


def test_a_groups_trend_comes_from_its_daily_metrics(bank, client, sign_in_as):
    salon = bank["groups"]["陆家嘴·理财沙龙群🎉"].id
    path = f"/api/dashboards/trend?level=group&id={salon}&metric=sop_completion&{RANGE}"
    sign_in_as(bank["hq"])
    body = client.get(path).get_json()
    assert [p["value"] for p in body["points"]] == [50.0, 100.0]


def test_periods_are_cut_at_the_ends_of_the_range():
    assert periods(date(2026, 1, 30), date(2026, 3, 2), "month") == [
        ("2026-01", date(2026, 1, 30), date(2026, 1, 31)),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2026-03", date(2026, 3, 1), date(2026, 3, 2)),
    ]
    assert periods(date(2025, 12, 31), date(2026, 1, 1), "week") == [
        ("2026-W01", date(2025, 12, 31), date(2026, 1, 1))
    ]


def test_leaderboard_ranks_rms_and_sub_branches(bank, client, sign_in_as):
    sign_in_as(bank["hq"])
    top = client.get(f"/api/dashboards/leaderboard?metric=messages&limit=3&{RANGE}").get_json()
    assert [(r["rank"], r["name"], r["value"]) for r in top["rows"]] == [
        (1, "赵北京", 9),
        (2, "林小美", 8),
        (3, "吴静安", 7),
    ]
    assert top["rows"][0] | {"level": "rm"} == top["rows"][0]
    bottom = client.get(
        f"/api/dashboards/leaderboard?metric=messages&order=bottom&limit=2&{RANGE}"
    ).get_json()
    assert [r["name"] for r in bottom["rows"]] == ["孙本部", "吴静安"]
    subs = client.get(
        f"/api/dashboards/leaderboard?metric=members&by=sub_branch&{RANGE}"
    ).get_json()
    assert [(r["id"], r["name"], r["value"]) for r in subs["rows"]] == [
        (6, "朝阳支行", 33),
        (3, "陆家嘴支行", 31),
        (5, "静安支行", 9),
    ]
    replies = client.get(f"/api/dashboards/leaderboard?metric=response_p90&{RANGE}").get_json()
    assert [(r["name"], r["value"]) for r in replies["rows"]] == [("林小美", 45)]
    assert replies["unranked"] == 3


def test_a_branch_lead_ranks_within_their_branch(bank, client, sign_in_as):
    sign_in_as(bank["lead"])
    body = client.get(f"/api/dashboards/leaderboard?metric=members&{RANGE}")
    assert [r["name"] for r in body.get_json()["rows"]] == ["林小美", "吴静安", "孙本部"]


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Chinese
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_overview_as_csv_has_a_bom_chinese_headers_and_a_total_row(bank, client, sign_in_as):
    sign_in_as(bank["lead"])
    response = client.get(f"/api/dashboards/overview?format=csv&{RANGE}")
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = read_csv(response)
    assert header[:4] == ["层级 (level)", "编号 (id)", "名称 (name)", "客户数 (customers)"]
    assert "合规命中/千条 (hits_per_1000)" in header
    names = [row[2] for row in rows]
    assert names == ["陆家嘴支行", "静安支行", "孙本部", "合计 上海分行"]
    members = header.index("群成员数 (members)")
    assert [row[members] for row in rows] == ["31", "9", "5", "45"]
    median = header.index("响应时长中位数 (response_median)")
    assert rows[1][median] == ""  # no replies in 静安: empty, not 0


def test_trend_and_leaderboard_download_as_csv(bank, client, sign_in_as):
    sign_in_as(bank["hq"])
    trend = read_csv(client.get(f"/api/dashboards/trend?metric=growth&format=csv&{RANGE}"))
    assert trend == [
        ["周期 (period)", "起 (start)", "止 (end)", "净增 (growth)"],
        ["2026-03-02", "2026-03-02", "2026-03-02", "5"],
        ["2026-03-03", "2026-03-03", "2026-03-03", "5"],
    ]
    board = read_csv(
        client.get(f"/api/dashboards/leaderboard?metric=growth&format=csv&limit=1&{RANGE}")
    )
    assert board[0][-1] == "净增 (growth)" and board[1][3] == "赵北京"


def test_a_group_name_that_looks_like_a_formula_is_written_as_text(bank, client, sign_in_as):
    bank["groups"]["朝阳·财富沙龙"].name = '=HYPERLINK("http://evil")'
    db.session.commit()
    path = f"/api/dashboards/overview?level=rm&id={bank['zhao'].id}&format=csv&{RANGE}"
    sign_in_as(bank["hq"])
    rows = read_csv(client.get(path))
    assert rows[1][2].startswith("'=")


@pytest.mark.parametrize(
    "path, fix",
    [
        ("trend?metric=roi", "use one of"),
        ("trend?level=bank", '"metric" is missing'),
        ("overview?start=2026-03-03&end=2026-03-02", "give the earlier date as start"),
        ("overview?start=2025-01-01&end=2026-03-02", "at most 366 days"),
        ("overview?start=2026-02-30", "YYYY-MM-DD"),
        ("overview?level=branch&id=99", "department 99 is unknown"),
        ("overview?level=branch&id=3", "ask level=sub_branch&id=3"),
        ("overview?level=region&id=3", "\"level\" 'region' is unknown"),
        ("overview?level=rm&id=424242", "no member of staff 424242"),
        ("overview?level=group&id=abc", "give the group id from the row you clicked"),
        ("overview?format=xlsx", "use json or csv"),
        ("trend?metric=members&grain=year", '"grain"'),
        ("leaderboard?metric=members&limit=0", "from 1 to 100"),
        ("leaderboard?metric=members&by=group", "rank one of"),
        ("leaderboard?metric=members&level=rm&id=1", "ranks within a department"),
    ],
)
def test_bad_requests_name_the_fix(bank, client, sign_in_as, path, fix):
    sign_in_as(bank["admin"])
    message = error(client.get(f"/api/dashboards/{path}"), 400)
    assert fix in message, message


def test_rollup_and_show_commands(bank, runner):
    result = runner.invoke(
        args=["scrm", "dashboards", "rollup", "--start", str(D1), "--end", str(D2)]
    )
    assert result.exit_code == 0, result.output
    assert "computed 2026-03-02: 4 member(s) of staff" in result.output
    shown = runner.invoke(
        args=["scrm", "dashboards", "show", "--level", "branch", "--id", "2"]
        + ["--start", str(D1), "--end", str(D2)]
    )
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.output)
    assert body["totals"]["members"] == 45 and body["rows"][0]["name"] == "陆家嘴支行"
    wrong = runner.invoke(
        args=["scrm", "dashboards", "rollup", "--start", str(D2), "--end", str(D1)]
    )
    assert wrong.exit_code != 0 and "swap them" in wrong.output


def test_a_branch_lead_at_hq_sees_the_bank(bank, client, sign_in_as, create_staff):
    hq_lead = create_staff("li.zonghang", "李总行", 1, roles=["branch_lead"])
    db.session.commit()
    sign_in_as(hq_lead)
    body = client.get(f"/api/dashboards/overview?{RANGE}").get_json()
    assert body["node"]["level"] == "bank" and body["totals"]["members"] == 78
