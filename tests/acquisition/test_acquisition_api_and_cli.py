"""The acquisition JSON API and CLI: HQ makes channels and imports lists, RMs see only their own
tasks (with the numbers they must dial), branch leads their branch (masked)."""

from __future__ import annotations

import io
import json

from acq_names import BJ_RM, HQ, LEAD, RM1, RM2
from sqlalchemy import select

from scrm.acquisition.models import AcquisitionChannel
from scrm.db import db

LIST = (
    "手机号,姓名,客户号,客户经理\n"
    "13812345678,陳美玲,CIF0001,lin.xiaomei\n"
    "13912345678,王小明,,wang.jianguo\n"
    "13600003333,李四😀,,zhao.bj\n"
)


def upload(client, token, text=LIST, **form):
    data = {"file": (io.BytesIO(text.encode("utf-8")), "名单.csv"), **form}
    return client.post(
        "/api/acquisition/imports",
        data=data,
        content_type="multipart/form-data",
        headers={"X-CSRF-Token": token},
    )


def test_hq_creates_a_channel_and_an_rm_sees_it_but_may_not_create_one(
    bank, sim, client, sign_in_as
):
    token = sign_in_as(bank["staff"][HQ])
    body = {
        "name": "外滩网点·扫码有礼",
        "kind": "branch",
        "userids": [RM1],
        "welcome_text": "{客户称呼}您好，欢迎来到外滩网点🎁",
        "tag_ids": [bank["spring"]],
    }
    created = client.post("/api/acquisition/channels", json=body, headers={"X-CSRF-Token": token})
    assert created.status_code == 201, created.get_json()
    channel = created.get_json()
    assert channel["created_by"] == HQ and channel["qr_code"].startswith("https://")
    assert sim.corp.contact_ways[db.session.get(AcquisitionChannel, channel["id"]).config_id]

    refused = client.post(
        "/api/acquisition/channels",
        json=body | {"welcome_text": "保本保息，欢迎！"},
        headers={"X-CSRF-Token": token},
    )
    assert (
        refused.status_code == 400 and "would be blocked" in refused.get_json()["error"]["message"]
    )

    token = sign_in_as(bank["staff"][RM1])
    assert [c["name"] for c in client.get("/api/acquisition/channels").get_json()["channels"]] == [
        "外滩网点·扫码有礼"
    ]
    assert (
        client.post(
            "/api/acquisition/channels", json=body, headers={"X-CSRF-Token": token}
        ).status_code
        == 403
    )
    sign_in_as(bank["staff"][RM2])
    assert client.get("/api/acquisition/channels").get_json()["channels"] == []


def test_an_import_with_bad_rows_answers_each_line_and_rms_see_only_their_numbers(
    bank, client, sign_in_as
):
    token = sign_in_as(bank["staff"][HQ])
    bad = upload(client, token, LIST + "12345,错号码,,lin.xiaomei\n")
    assert bad.status_code == 400
    assert bad.get_json()["problems"] == [
        {
            "line": 5,
            "problem": "手机号 '12345' is not a mainland mobile; write 11 digits starting 13–19, "
            "e.g. 13812345678",
        }
    ]
    good = upload(client, token, LIST + "12345,错号码,,lin.xiaomei\n", skip_bad_rows="1")
    assert good.status_code == 201 and good.get_json()["imported"] == 3

    sign_in_as(bank["staff"][RM1])
    tasks = client.get("/api/acquisition/tasks").get_json()["tasks"]
    assert [(t["rm"], t["mobile"]) for t in tasks] == [(RM1, "13812345678")]
    report = client.get("/api/acquisition/report?level=rm").get_json()["rows"]
    assert [r["rm"] for r in report] == [RM1]

    sign_in_as(bank["staff"][LEAD])  # 上海分行: both 陆家嘴 RMs, numbers masked
    tasks = client.get("/api/acquisition/tasks").get_json()["tasks"]
    assert [(t["rm"], t["mobile"]) for t in tasks] == [(RM1, "138****5678"), (RM2, "139****5678")]
    branch = client.get("/api/acquisition/report?level=branch").get_json()["rows"]
    assert [(r["branch"], r["imported"]) for r in branch] == [("上海分行", 2)]

    sign_in_as(bank["staff"][HQ])
    everyone = client.get("/api/acquisition/tasks").get_json()["tasks"]
    assert {t["rm"] for t in everyone} == {RM1, RM2, BJ_RM}
    assert all("****" in t["mobile"] for t in everyone)


def test_archiving_an_unknown_channel_is_a_404_that_names_the_fix(bank, client, sign_in_as):
    token = sign_in_as(bank["staff"][LEAD])
    missing = client.post(
        "/api/acquisition/channels/424242/archive", headers={"X-CSRF-Token": token}
    )
    assert (
        missing.status_code == 404
        and "GET /api/acquisition/channels" in missing.get_json()["error"]["message"]
    )
    assert (
        client.post(
            "/api/acquisition/channels", json={}, headers={"X-CSRF-Token": token}
        ).status_code
        == 400
    )


def test_channel_commands_create_list_edit_and_archive(bank, sim, runner):
    created = runner.invoke(
        args=[
            "scrm", "acquisition", "channel-create", "--name", "陆家嘴·理财沙龙", "--kind",
            "campaign", "--userid", RM1, "--userid", RM2, "--welcome", "{客户称呼}您好！",
            "--tag", bank["spring"], "--by", HQ,
        ]
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    channel = db.session.scalars(select(AcquisitionChannel)).one()
    assert f"channel #{channel.id} ch-{channel.id}-campaign: 2 RMs" in created.output
    listed = runner.invoke(args=["scrm", "acquisition", "channel-list", "--json"])
    [row] = json.loads(listed.output)["channels"]
    assert (row["name"], row["rms"], row["adds"]) == ("陆家嘴·理财沙龙", [RM1, RM2], 0)
    refused = runner.invoke(
        args=["scrm", "acquisition", "channel-create", "--name", "x", "--kind", "rm",
              "--userid", "zhou.zhuli", "--by", HQ]
    )  # fmt: skip
    assert refused.exit_code == 1 and "may not add customers (no 客户联系)" in refused.output
    edited = runner.invoke(
        args=["scrm", "acquisition", "channel-edit", str(channel.id), "--userid", RM2,
              "--welcome", "稳赚不赔的理财，欢迎！"]
    )  # fmt: skip
    assert edited.exit_code == 1 and "would be blocked" in edited.output
    edited = runner.invoke(
        args=["scrm", "acquisition", "channel-edit", str(channel.id), "--userid", RM2]
    )
    assert edited.exit_code == 0 and "1 RMs" in edited.output, edited.output
    assert sim.corp.contact_ways[channel.config_id].users == [RM2]
    archived = runner.invoke(args=["scrm", "acquisition", "channel-archive", channel.state])
    assert archived.exit_code == 0 and "archived" in archived.output
    assert sim.corp.contact_ways == {}
    report = runner.invoke(args=["scrm", "acquisition", "report", "--level", "branch", "--json"])
    assert json.loads(report.output) == {"level": "branch", "rows": []}
