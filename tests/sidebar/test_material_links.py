"""Material links (素材链接) are web addresses: HQ ops cannot save a ``javascript:`` (or data:,
vbscript:, file: …) link through the API or the YAML import, however it is disguised, and a
row saved before the rule (an old row) is never handed to WeCom's sendChatMessage."""

from __future__ import annotations

import pytest
from helpers import CSRF_HEADERS
from sidebar_names import CUSTOMER, HQ, LIN
from sqlalchemy import select

from scrm.archive.chain.models import ArchivedMessage
from scrm.db import db, utcnow
from scrm.sidebar.models import SidebarMaterial

#: Links a browser (or WeCom's webview) would run, fetch locally or send somewhere else.
NOT_WEB_LINKS = [
    "javascript:alert(document.cookie)",
    " javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "javascript\u200b:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/理财",
    "/wealth/xinghe",
    "https:///no-host",
    "https:\\\\evil.example\\x",
    "https://www.example-bank.cn@evil.example/理财",
    "https://www.example-bank.cn /理财",
    "https://www.example-bank.cn:99999/",
]


def _material(link: str, **content) -> dict:
    return {
        "key": "salon_recap",
        "kind": "link",
        "category": "活动回顾",
        "title": "理财沙龙回顾🎉",
        "content": {"link": link, "title": "理财沙龙回顾", "desc": "上周六沙龙精彩瞬间"} | content,
    }


def _stored(key: str = "salon_recap") -> SidebarMaterial | None:
    db.session.expire_all()
    return db.session.scalar(select(SidebarMaterial).where(SidebarMaterial.key == key))


@pytest.mark.parametrize("link", NOT_WEB_LINKS)
def test_hq_ops_cannot_save_a_link_material_that_is_not_a_web_address(
    client, bank, sign_in_as, link
):
    sign_in_as(HQ)
    answer = client.post("/api/sidebar/materials", json=_material(link), headers=CSRF_HEADERS)
    assert answer.status_code == 400, answer.json
    message = answer.json["error"]["message"]
    assert "content.link" in message and "https://" in message and "网址" in message
    assert _stored() is None


@pytest.mark.parametrize("field", ["imgUrl", "url"])
def test_cover_images_and_document_addresses_must_be_web_addresses_too(
    client, bank, sign_in_as, field
):
    sign_in_as(HQ)
    kinds = {"imgUrl": "miniprogram", "url": "file"}
    content = {"appid": "wx1234567890", "title": "预约开户", "page": "pages/open"}
    body = {
        "key": "tool",
        "kind": kinds[field],
        "category": "服务工具",
        "title": "预约开户",
        "content": content | {field: "javascript:alert(1)"},
    }
    answer = client.post("/api/sidebar/materials", json=body, headers=CSRF_HEADERS)
    assert answer.status_code == 400 and f"content.{field}" in answer.json["error"]["message"]
    assert _stored("tool") is None


def test_an_https_link_with_chinese_words_is_saved_and_a_bad_edit_keeps_the_old_link(
    client, bank, sign_in_as
):
    sign_in_as(HQ)
    good = "HTTPS://www.example-bank.cn/财富/沙龙回顾?from=侧边栏#第二场"
    made = client.post("/api/sidebar/materials", json=_material(good), headers=CSRF_HEADERS)
    assert made.status_code == 201, made.json
    edit = client.put(
        "/api/sidebar/materials/salon_recap",
        json={"content": _material("javascript:alert(1)")["content"]},
        headers=CSRF_HEADERS,
    )
    assert edit.status_code == 400
    assert _stored().content["link"] == good


def test_the_yaml_import_refuses_a_javascript_link_and_writes_nothing(runner, bank, tmp_path):
    library = tmp_path / "library.yaml"
    library.write_text(
        "materials:\n"
        "  - key: fine_link\n    kind: link\n    category: 活动\n    title: 好链接\n"
        "    content: {link: 'https://www.example-bank.cn/ok', title: 好链接}\n"
        "  - key: bad_link\n    kind: link\n    category: 活动\n    title: 坏链接\n"
        "    content: {link: ' JavaScript:alert(1)', title: 坏链接}\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["scrm", "sidebar", "import-scripts", str(library)])
    assert result.exit_code != 0
    assert "materials #2" in result.output and "content.link" in result.output
    assert _stored("fine_link") is None and _stored("bad_link") is None


def test_an_old_material_with_a_javascript_link_is_never_handed_to_wecom(client, bank, sign_in_as):
    # Saved before the rule existed: written straight to the table.
    db.session.add(
        SidebarMaterial(
            key="old_bad_link",
            kind="link",
            category="活动回顾",
            title="旧素材",
            content={"link": "javascript:alert(document.cookie)", "title": "旧素材"},
            created_at=utcnow(),
        )
    )
    db.session.commit()
    sign_in_as(LIN)
    body = {
        "text": "王总您好，上周沙龙的回顾请查收。",
        "external_userid": CUSTOMER,
        "attempt_key": "tap-old-bad-link",
        "material_key": "old_bad_link",
    }
    answer = client.post("/api/sidebar/send-check", json=body, headers=CSRF_HEADERS)
    assert answer.status_code == 400, answer.json
    assert "链接无效" in answer.json["error"]["message"]
    sent = select(ArchivedMessage).where(ArchivedMessage.origin == "sidebar")
    assert db.session.scalars(sent).all() == []
