"""Branch leads and HQ read the dashboards: exact numbers at every level from the bank down to
a group, drill-down by the ids the rows carry, and children that add up to their parent."""

from __future__ import annotations

import pytest
from dashboard_names import D1, D2

from scrm.dashboards import metrics
from scrm.dashboards.queries import branch_dashboard

RANGE = f"start={D1}&end={D2}"
#: Metrics that add up from children to parent (stocks and flows).
ADDITIVE = (
    "customers",
    "new_customers",
    "lost_customers",
    "groups",
    "members",
    "joins",
    "leaves",
    "growth",
    "messages",
    "sop_due",
    "sop_on_time",
    "sop_late",
    "sop_missed",
    "checkins",
    "moments_published",
    "moment_likes",
    "moment_comments",
    "follow_ups_done",
    "responses",
)
LIN_TOTALS = {
    "customers": 2,
    "new_customers": 1,
    "lost_customers": 1,
    "groups": 2,
    "members": 31,
    "joins": 6,
    "leaves": 5,
    "growth": 1,
    "active_groups": 1.0,  # two active group-days over two days
    "active_share": 50.0,  # of four group-days
    "messages": 8,
    "sop_due": 4,
    "sop_on_time": 2,
    "sop_late": 1,
    "sop_missed": 1,
    "sop_completion": 75.0,
    "checkins": 6,
    "moments_published": 2,
    "moment_likes": 2,
    "moment_comments": 2,
    "follow_ups_done": 1,
    "responses": 4,
    "response_median": 10,  # 3, 10, 30, 45 minutes
    "response_p90": 45,
    "hits_per_1000": 200.0,  # one of five messages sent
}


def get(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def by_name(rows: list[dict]) -> dict[str, dict]:
    return {row["name"]: row for row in rows}


def test_hq_sees_the_bank_as_its_branches_with_exact_totals(bank, client, sign_in_as):
    sign_in_as(bank["hq"])
    body = get(client, f"/api/dashboards/overview?{RANGE}")
    assert body["node"] == {"level": "bank", "id": None, "name": "星河银行"}
    rows = by_name(body["rows"])
    assert [(r["level"], r["id"]) for r in body["rows"]] == [("branch", 2), ("branch", 4)]
    assert rows["北京分行"]["members"] == 33 and rows["北京分行"]["joins"] == 8
    assert rows["上海分行"]["members"] == 31 + 9 + 5
    assert body["totals"]["members"] == 78
    assert body["totals"]["customers"] == 4
    assert body["totals"]["hits_per_1000"] == round(2 * 1000 / 9, 2)  # 2 hits in 9 sent
    assert body["totals"]["response_median"] == 10
    assert body["days"] == 2


def test_a_branch_drills_down_to_sub_branches_and_its_own_office_rms(bank, client, sign_in_as):
    sign_in_as(bank["hq"])
    body = get(client, f"/api/dashboards/overview?level=branch&id=2&{RANGE}")
    assert [(r["level"], r["id"], r["name"]) for r in body["rows"]] == [
        ("sub_branch", 3, "陆家嘴支行"),
        ("sub_branch", 5, "静安支行"),
        ("rm", bank["sun"].id, "孙本部"),
    ]
    rows = by_name(body["rows"])
    assert {key: rows["陆家嘴支行"][key] for key in LIN_TOTALS} == LIN_TOTALS
    assert rows["静安支行"]["hits_per_1000"] == 250.0  # one hit in four
    assert rows["孙本部"]["active_groups"] == 0.5
    assert rows["静安支行"]["response_median"] is None  # no replies: no median, not zero
    assert [step["name"] for step in body["path"]] == ["星河银行", "上海分行"]


def test_a_sub_branch_lists_its_rms_and_an_rm_lists_their_groups(bank, client, sign_in_as):
    sign_in_as(bank["hq"])
    sub_branch = get(client, f"/api/dashboards/overview?level=sub_branch&id=3&{RANGE}")
    [lin] = sub_branch["rows"]
    assert (lin["level"], lin["id"], lin["name"]) == ("rm", bank["lin"].id, "林小美")
    rm = get(client, f"/api/dashboards/overview?level=rm&id={lin['id']}&{RANGE}")
    assert {key: rm["totals"][key] for key in LIN_TOTALS} == LIN_TOTALS
    groups = by_name(rm["rows"])
    assert set(groups) == {"陆家嘴·理财沙龙群🎉", "陆家嘴·代發薪客戶群"}
    salon = groups["陆家嘴·理财沙龙群🎉"]
    assert (salon["members"], salon["joins"], salon["sop_completion"]) == (12, 5, 66.67)
    assert salon["customers"] is None and salon["response_median"] is None
    group = get(client, f"/api/dashboards/overview?level=group&id={salon['id']}&{RANGE}")
    assert group["rows"] == []
    assert group["totals"]["messages"] == 5 and group["totals"]["active_groups"] == 0.5
    assert [step["level"] for step in group["path"]] == [
        "bank",
        "branch",
        "sub_branch",
        "rm",
        "group",
    ]


@pytest.mark.parametrize(
    "level, node_id",
    [("bank", None), ("branch", 2), ("branch", 4), ("sub_branch", 3), ("rm", "lin")],
)
def test_children_add_up_to_their_parent(bank, client, sign_in_as, level, node_id):
    node_id = bank[node_id].id if node_id == "lin" else node_id
    where = f"level={level}" + (f"&id={node_id}" if node_id else "")
    sign_in_as(bank["admin"])
    body = get(client, f"/api/dashboards/overview?{where}&{RANGE}")
    assert body["rows"]
    for key in ADDITIVE if level != "rm" else ("groups", "members", "joins", "messages"):
        assert sum(row[key] for row in body["rows"]) == body["totals"][key], key
    active = sum(row["active_groups"] for row in body["rows"])
    assert active == pytest.approx(body["totals"]["active_groups"])


def test_the_benchmarked_branch_dashboard_is_the_overview_hq_sees(bank, client, sign_in_as):
    sign_in_as(bank["hq"])
    body = get(client, f"/api/dashboards/overview?level=branch&id=2&{RANGE}")
    assert branch_dashboard(2, D1, D2) == body
    assert {metric["key"] for metric in body["metrics"]} == set(metrics.KEYS)
