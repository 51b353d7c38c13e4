"""``scrm check-config`` names every missing or malformed setting and where to find the fix."""

from __future__ import annotations

import sqlite3


def test_good_settings_pass(make_app, check_config):
    result = check_config(make_app())

    assert result.exit_code == 0, result.output
    assert "ERROR" not in result.output
    assert "OK    schema: at the latest migration" in result.output


def test_every_bad_setting_is_named_with_its_fix(make_app, check_config):
    app = make_app(
        WECOM_CORP_ID="星河银行",
        WECOM_CONTACT_SECRET="",
        WECOM_AGENT_ID="一〇〇〇〇〇二",
        WECOM_AGENT_SECRET="short",
        WECOM_CALLBACK_TOKEN="令牌 with spaces",
        WECOM_CALLBACK_AES_KEY="tooShort",
        WECOM_CALLBACK_MAX_SKEW="-5",
        WECOM_API_BASE="ftp://qyapi.example/cgi-bin/",
    )
    # Set after building: outside tests an app is not even built with the public key.
    app.config.update(TESTING=False, SECRET_KEY="dev-only-change-me")

    result = check_config(app)

    assert result.exit_code == 1
    lines = {line.split()[1].rstrip(":"): line for line in result.output.splitlines()[:-1]}
    expected = {
        "WECOM_CORP_ID": "我的企业 → 企业信息 → 企业ID",
        "WECOM_CONTACT_SECRET": "可调用接口的应用",
        "WECOM_AGENT_ID": "AgentId",
        "WECOM_AGENT_SECRET": "Secret",
        "WECOM_CALLBACK_TOKEN": "接收消息 → 设置API接收",
        "WECOM_CALLBACK_AES_KEY": "exactly 43 characters",
        "WECOM_CALLBACK_MAX_SKEW": "≥ 0",
        "WECOM_API_BASE": "not an http(s) URL",
        "SECRET_KEY": "secrets.token_hex",
    }
    for key, fix in expected.items():
        assert lines[key].startswith("ERROR"), lines[key]
        assert fix in lines[key], lines[key]
    assert "SCRM_WECOM_CONTACT_SECRET" in lines["WECOM_CONTACT_SECRET"]
    assert "9 error(s)" in result.output


def test_aes_key_of_the_right_length_must_still_be_base64(make_app, check_config):
    result = check_config(make_app(WECOM_CALLBACK_AES_KEY="！" * 43))

    assert result.exit_code == 1
    assert "ERROR WECOM_CALLBACK_AES_KEY: is not base64" in result.output


def test_plain_http_to_another_machine_is_a_warning(make_app, check_config):
    result = check_config(make_app(WECOM_API_BASE="http://wecom-proxy.bank.example/cgi-bin/"))

    assert result.exit_code == 0, result.output
    assert "WARN  WECOM_API_BASE" in result.output and "unencrypted" in result.output


def test_claims_too_long_for_a_welcome_message_warn_and_nonsense_is_an_error(
    make_app, check_config
):
    result = check_config(make_app(INBOX_CLAIM_SECONDS=300, OUTBOX_CLAIM_SECONDS="六秒"))

    assert result.exit_code == 1
    lines = {line.split()[1].rstrip(":"): line for line in result.output.splitlines()[:-1]}
    assert lines["INBOX_CLAIM_SECONDS"].startswith("WARN")
    assert "WeCom's 20 s for a welcome message" in lines["INBOX_CLAIM_SECONDS"]
    assert lines["OUTBOX_CLAIM_SECONDS"].startswith("ERROR")
    assert "use 6 (the default)" in lines["OUTBOX_CLAIM_SECONDS"]


def test_api_base_must_end_with_cgi_bin(make_app, check_config):
    result = check_config(make_app(WECOM_API_BASE="https://qyapi.weixin.qq.com/"))

    assert result.exit_code == 1
    assert "must end with /cgi-bin/" in result.output


def test_a_database_without_the_schema_says_to_run_init_db(make_app, tmp_path, check_config):
    empty = tmp_path / "空的.sqlite3"
    sqlite3.connect(empty).close()

    result = check_config(make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{empty}"))

    assert result.exit_code == 1
    assert "ERROR schema: at no schema" in result.output
    assert "run `flask --app app scrm init-db`" in result.output


def test_a_missing_sqlite_file_is_not_created_by_the_check(make_app, tmp_path, check_config):
    missing = tmp_path / "nowhere.sqlite3"

    result = check_config(make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}"))

    assert result.exit_code == 1
    assert "does not exist yet; run `flask --app app scrm init-db`" in result.output
    assert not missing.exists()


def test_an_unreachable_database_is_named(make_app, check_config):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://scrm:秘密@127.0.0.1:1/scrm")

    result = check_config(app)

    assert result.exit_code == 1
    assert "ERROR database: cannot connect to postgresql+psycopg://scrm:***@127.0.0.1:1/scrm" in (
        result.output
    )
    assert "秘密" not in result.output


def test_online_check_gets_a_token_with_each_secret(make_app, sim, check_config):
    result = check_config(make_app(), "--online")

    assert result.exit_code == 0, result.output
    assert "OK    WECOM_CONTACT_SECRET (gettoken): WeCom issued a token" in result.output
    assert "OK    WECOM_AGENT_SECRET (gettoken)" in result.output
    assert len(sim.calls_to("gettoken")) == 2


def test_online_check_explains_a_wrong_secret(make_app, check_config):
    result = check_config(
        make_app(WECOM_AGENT_SECRET="wrong-secret-copied-from-another-app"), "--online"
    )

    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if x.startswith("ERROR WECOM_AGENT_SECRET"))
    assert "40001" in line and "copy WECOM_AGENT_SECRET again from 应用管理" in line
    assert "wrong-secret" not in result.output, "a secret is never printed"


def test_online_check_explains_an_untrusted_ip(make_app, sim, check_config):
    sim.faults.inject("gettoken", errcode=60020, times=2)

    result = check_config(make_app(), "--online")

    assert result.exit_code == 1
    assert "60020" in result.output and "企业可信IP" in result.output


def test_proxy_and_content_security_settings_are_checked(make_app, check_config):
    result = check_config(
        make_app(
            TRUSTED_PROXY_COUNT="一",
            CSP_IMG_HOSTS=["https://img.example-bank.cn https://evil.example"],
            CSP_EXTRA_SOURCES={"script-src": ["'unsafe-inline'"]},
        )
    )
    assert result.exit_code == 1
    assert "ERROR TRUSTED_PROXY_COUNT: " in result.output and "whole number" in result.output
    assert "ERROR CSP_IMG_HOSTS: " in result.output and "not one source" in result.output
    assert "WARN  CSP_EXTRA_SOURCES: " in result.output and "unsafe-inline" in result.output
    good = check_config(make_app(TRUSTED_PROXY_COUNT=1))
    assert "OK    TRUSTED_PROXY_COUNT" in good.output and "OK    CSP_IMG_HOSTS" in good.output
