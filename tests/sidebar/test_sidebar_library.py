"""The script library (话术库): word search in simplified or traditional, variables filled for
the chat, HQ ops' edits through the API and the YAML import, and seed scripts that pass."""

from __future__ import annotations

from helpers import CSRF_HEADERS
from sidebar_names import BEIJING_CUSTOMER, CUSTOMER, HQ, LIN, SECOND
from sqlalchemy import select

from scrm.compliance.decisions import judge
from scrm.compliance.lexicon.active import current_lexicon
from scrm.customers.models import Customer
from scrm.db import db
from scrm.directory.models import Staff
from scrm.sidebar.models import SidebarScript
from scrm.sidebar.variables import fill

LUJIAZUI = "上海市浦东新区陆家嘴环路 1000 号星河银行陆家嘴支行一楼大厅"


def _keys(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [s["key"] for s in response.json["scripts"]]


def test_rm_searches_scripts_by_words_in_simplified_traditional_or_full_width(
    client, bank, sign_in_as
):
    sign_in_as(LIN)
    assert "risk_fraud_warning" in _keys(client.get("/api/sidebar/scripts?q=诈骗"))
    assert "risk_fraud_warning" in _keys(client.get("/api/sidebar/scripts?q=詐騙"))
    assert _keys(client.get("/api/sidebar/scripts?q=大額存單")) == ["product_deposit"]
    assert "event_salon_invite" in _keys(client.get("/api/sidebar/scripts?q=沙龍　邀請"))
    assert _keys(client.get("/api/sidebar/scripts?q=比特币")) == []
    by_category = _keys(client.get("/api/sidebar/scripts?category=节日关怀"))
    assert by_category == ["care_festival", "care_birthday"]
    categories = [c["name"] for c in client.get("/api/sidebar/scripts").json["categories"]]
    assert categories[:2] == ["开场问候", "产品介绍"] and "风险提示" in categories


def test_scripts_come_filled_for_the_customer_the_branch_and_the_rm(client, bank, sign_in_as):
    sign_in_as(LIN)
    scripts = {
        s["key"]: s
        for s in client.get(f"/api/sidebar/scripts?external_userid={CUSTOMER}").json["scripts"]
    }
    intro = scripts["greet_self_intro_branch"]
    assert intro["filled"].startswith("王总您好，我在" + LUJIAZUI)  # the RM's remark for him
    assert intro["missing"] == []
    product = scripts["product_wealth_intro"]
    assert "星河稳健理财 90 天" in product["filled"] and "{" not in product["filled"]
    assert "林小美" in scripts["greet_new_customer"]["filled"]
    group = {
        s["key"]: s
        for s in client.get(f"/api/sidebar/scripts?chat_id={bank['chat_id']}").json["scripts"]
    }
    assert group["care_festival"]["filled"].startswith("各位您好")


def test_a_customer_without_a_remark_is_addressed_by_name_and_an_unfilled_variable_is_named(
    client, bank, sign_in_as
):
    sign_in_as(LIN)
    scripts = {
        s["key"]: s
        for s in client.get(f"/api/sidebar/scripts?external_userid={SECOND}").json["scripts"]
    }
    assert scripts["care_birthday"]["filled"].startswith("张阿姨，祝您生日快乐")
    sign_in_as(HQ)
    created = client.post(
        "/api/sidebar/scripts",
        json={
            "key": "no_product",
            "category": "产品介绍",
            "title": "缺产品名",
            "body": "{称呼}您好，{产品名称}今日开放申购。",
        },
        headers=CSRF_HEADERS,
    )
    assert created.status_code == 201, created.json
    sign_in_as(LIN)
    row = next(
        s
        for s in client.get(f"/api/sidebar/scripts?external_userid={SECOND}").json["scripts"]
        if s["key"] == "no_product"
    )
    assert row["filled"] == "张阿姨您好，{产品名称}今日开放申购。"
    assert row["missing"] == ["产品名称"]


def test_scripts_are_not_filled_for_someone_elses_customer(client, bank, sign_in_as):
    sign_in_as(LIN)
    response = client.get(f"/api/sidebar/scripts?external_userid={BEIJING_CUSTOMER}")
    assert response.status_code == 404
    assert "李女士" not in response.get_data(as_text=True)


def test_hq_ops_manage_scripts_and_materials_and_rms_may_not(client, bank, sign_in_as):
    sign_in_as(LIN)
    denied = client.post("/api/sidebar/scripts", json={"key": "x"}, headers=CSRF_HEADERS)
    assert denied.status_code == 403 and "scripts.manage" in denied.json["error"]["message"]
    sign_in_as(HQ)
    made = client.post(
        "/api/sidebar/materials",
        json={
            "key": "gold_card",
            "kind": "miniprogram",
            "category": "服务工具",
            "title": "黄金积存🥇",
            "content": {"appid": "wx123", "title": "黄金积存"},
        },
        headers=CSRF_HEADERS,
    )
    assert made.status_code == 400 and "content.page" in made.json["error"]["message"]
    made = client.post(
        "/api/sidebar/materials",
        json={
            "key": "gold_card",
            "kind": "miniprogram",
            "category": "服务工具",
            "title": "黄金积存🥇",
            "content": {"appid": "wx123", "title": "黄金积存", "page": "pages/gold"},
        },
        headers=CSRF_HEADERS,
    )
    assert made.status_code == 201
    script = client.post(
        "/api/sidebar/scripts",
        json={
            "key": "gold",
            "category": "产品介绍",
            "title": "黄金积存介绍",
            "body": "{称呼}您好，黄金价格有波动，投资须谨慎。",
            "material_key": "gold_card",
        },
        headers=CSRF_HEADERS,
    ).json["script"]
    changed = client.put(
        f"/api/sidebar/scripts/{script['id']}", json={"title": "黃金積存介紹"}, headers=CSRF_HEADERS
    )
    assert changed.json["script"]["title"] == "黃金積存介紹"
    assert "gold" in _keys(client.get("/api/sidebar/scripts?q=黄金积存介绍"))
    assert (
        client.delete(f"/api/sidebar/scripts/{script['id']}", headers=CSRF_HEADERS).status_code
        == 200
    )
    assert "gold" not in _keys(client.get("/api/sidebar/scripts?q=黄金"))
    assert client.put("/api/sidebar/scripts/9999", json={}, headers=CSRF_HEADERS).status_code == 404
    dup = client.post("/api/sidebar/scripts", json={"key": "gold"}, headers=CSRF_HEADERS)
    assert dup.status_code == 409


def test_every_seed_script_passes_the_gate_once_filled(bank):
    lin = db.session.scalar(select(Staff).where(Staff.userid == LIN))
    customer = db.session.scalar(select(Customer).where(Customer.external_userid == CUSTOMER))
    lexicon = current_lexicon()
    for script in db.session.scalars(select(SidebarScript)):
        for chat, group in ((customer, False), (None, True)):
            filled = fill(script, lin, chat, group=group)
            verdict = judge(filled.text, (), "group" if group else "single", lexicon)
            assert verdict.decision == "pass", (script.key, verdict.hits)
            assert filled.missing == (), script.key


def test_import_scripts_adds_then_changes_and_a_bad_row_writes_nothing(runner, bank, tmp_path):
    good = tmp_path / "scripts.yaml"
    good.write_text(
        "scripts:\n"
        "  - {key: greet_new_customer, category: 开场问候, title: 新客戶問候, body: '{称呼}您好'}\n"
        "  - {key: wealth_week, category: 理財資訊, title: 每週理財,\n"
        "     body: '{称呼}您好，本周资讯'}\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["scrm", "sidebar", "import-scripts", str(good), "--by", HQ])
    assert result.exit_code == 0, result.output
    assert "scripts 1 added, 1 changed" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "scripts:\n  - {key: fine_one, category: 其他, title: 好, body: 好}\n"
        "  - {key: broken, category: 其他, title: 缺正文}\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["scrm", "sidebar", "import-scripts", str(bad)])
    assert result.exit_code != 0
    assert 'scripts #2: "body" is missing' in result.output
    db.session.expire_all()
    keys = set(db.session.scalars(select(SidebarScript.key)))
    assert "wealth_week" in keys and "fine_one" not in keys


def test_a_remark_with_the_rms_own_notes_is_cut_at_the_separator(client, bank):
    lin = db.session.scalar(select(Staff).where(Staff.userid == LIN))
    customer = db.session.scalar(select(Customer).where(Customer.external_userid == SECOND))
    follow = next(f for f in customer.follows if f.staff_id == lin.id)
    follow.remark = "张姐-代发工资（2026）"
    db.session.commit()
    script = db.session.scalar(select(SidebarScript).where(SidebarScript.key == "care_birthday"))
    assert fill(script, lin, customer, group=False).text.startswith("张姐，祝您生日快乐")
