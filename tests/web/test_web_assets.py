"""Front-end packages from npm, served by us from node_modules through an allow-list, and the
pages that load them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from scrm.web.assets import VENDOR_FILES

FRONTEND = Path(__file__).resolve().parents[2] / "scrm" / "frontend"


def test_the_lock_file_pins_weui_the_wecom_jssdk_and_echarts_from_npm():
    lock = json.loads((FRONTEND / "package-lock.json").read_text(encoding="utf-8"))
    declared = json.loads((FRONTEND / "package.json").read_text(encoding="utf-8"))
    for name in ("weui", "@wecom/jssdk", "echarts"):
        entry = lock["packages"][f"node_modules/{name}"]
        assert entry["version"] == declared["dependencies"][name]  # exact, not a range
        assert entry["integrity"].startswith("sha512-")


def test_vendor_files_are_served_from_node_modules(client):
    with client.get("/vendor/weui.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"
        assert b".weui-btn" in css.data
    with client.get("/vendor/wecom-jssdk.js") as js:
        assert js.status_code == 200 and b"var ww" in js.data
    with client.get("/vendor/echarts.js") as charts:
        assert charts.status_code == 200 and b"echarts" in charts.data
    assert set(VENDOR_FILES) == {"weui.css", "wecom-jssdk.js", "echarts.js"}


def test_only_allow_listed_files_are_served(client):
    for name in ("../package.json", "weui.min.css", "..%2F..%2Fapp.py"):
        answer = client.get(f"/vendor/{name}")
        assert answer.status_code == 404


def test_missing_packages_are_named_with_the_fix(client, app, tmp_path):
    app.config["FRONTEND_DIR"] = str(tmp_path)
    answer = client.get("/vendor/weui.css")
    assert answer.status_code == 503
    assert "npm ci --prefix scrm/frontend" in answer.get_json()["error"]["message"]


def test_the_demo_bridge_is_only_served_in_demo_mode(
    client, app, sign_in_as, app_ctx, create_staff
):
    from scrm.db import db

    staff = create_staff("lin.xiaomei", "林小美")
    db.session.commit()
    sign_in_as(staff)
    page = client.get("/sidebar/?demo=1", follow_redirects=True).get_data(as_text=True)
    assert "demo-bridge.js" not in page and "演示模式" not in page
    assert "/vendor/wecom-jssdk.js" in page
    app.config["DEMO_MODE"] = True
    page = client.get("/sidebar/?demo=1", follow_redirects=True).get_data(as_text=True)
    assert "demo-bridge.js" in page and "演示模式" in page
    assert "/vendor/wecom-jssdk.js" not in page


def test_our_static_files_carry_a_fingerprint_and_may_be_kept_a_year(client, app, app_ctx):
    from flask import url_for

    with app.test_request_context():
        url = url_for("sidebar_pages.static", filename="app.js")
        css = url_for("web_pages.static", filename="web.css")
        missing = url_for("web_pages.static", filename="no-such-file.js")
    assert "?v=" in url and "?v=" in css and "?v=" not in missing
    kept = client.get(url)
    assert kept.status_code == 200
    assert kept.cache_control.max_age == 365 * 24 * 3600 and kept.cache_control.immutable
    assert not kept.cache_control.no_cache
    kept.close()
    # The same file asked for without its fingerprint is revalidated as before.
    plain = client.get(url.split("?")[0])
    assert plain.status_code == 200 and plain.cache_control.max_age != 365 * 24 * 3600
    plain.close()


def test_staff_pages_carry_the_csrf_token_and_load_the_shared_helpers_first(
    client, sign_in_as, create_staff, app_ctx
):
    from scrm.db import db

    staff = create_staff("lin.xiaomei", "林小美")
    db.session.commit()
    token = sign_in_as(staff)
    for path in ("/sidebar/app/", "/console/"):
        page = client.get(path).get_data(as_text=True)
        assert f'<meta name="csrf-token" content="{token}">' in page, path
        ours = [src for src in re.findall(r'<script src="([^"]+)"', page) if "/static/" in src]
        assert ours[0].startswith("/static/web/scrm.js?v="), (path, ours)
        for src in ours:
            with client.get(src) as script:
                assert script.status_code == 200, src
