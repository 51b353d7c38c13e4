"""Configuration precedence: defaults → instance/config.py → SCRM_* environment → test_config."""

import pytest

from scrm import create_app


@pytest.fixture(autouse=True)
def real_secret_key(monkeypatch):
    # An app built outside tests and the flask command needs a real key (test_secret_key.py).
    monkeypatch.setenv(
        "SCRM_SECRET_KEY", "9c1e4f7a2b5d8e0c3f6a9b2d5e8f1a4c7b0d3e6f9a2c5b8e1d4f7a0c3b6e9d2f"
    )


def test_defaults_point_at_real_wecom_and_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SCRM_WECOM_API_BASE", raising=False)
    monkeypatch.delenv("SCRM_SQLALCHEMY_DATABASE_URI", raising=False)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["WECOM_API_BASE"] == "https://qyapi.weixin.qq.com/cgi-bin/"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/scrm.sqlite3"
    assert app.config["WECOM_CALLBACK_MAX_SKEW"] == 300


def test_instance_config_then_environment_then_test_config_win_in_that_order(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(
        'WECOM_CORP_ID = "ww_instance"\n'
        'WECOM_AGENT_ID = "1000001"\n'
        'WECOM_CALLBACK_TOKEN = "fromfile"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SCRM_WECOM_AGENT_ID", "1000009")
    monkeypatch.setenv("SCRM_WECOM_CALLBACK_TOKEN", "fromenv")
    app = create_app({"WECOM_CALLBACK_TOKEN": "fromtest"}, instance_path=str(tmp_path))
    assert app.config["WECOM_CORP_ID"] == "ww_instance"
    assert app.config["WECOM_AGENT_ID"] == "1000009"
    assert app.config["WECOM_CALLBACK_TOKEN"] == "fromtest"


def test_numeric_looking_secrets_from_the_environment_stay_text(tmp_path, monkeypatch):
    # Flask parses SCRM_* values as JSON; a token of digits must not become an int.
    monkeypatch.setenv("SCRM_WECOM_CALLBACK_TOKEN", "123456")
    monkeypatch.setenv("SCRM_WECOM_CONTACT_SECRET", "0001234567")
    monkeypatch.setenv("SCRM_WECOM_CALLBACK_MAX_SKEW", "60")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["WECOM_CALLBACK_TOKEN"] == "123456"
    assert app.config["WECOM_CONTACT_SECRET"] == "0001234567"
    assert app.config["WECOM_CALLBACK_MAX_SKEW"] == 60


def test_creating_the_app_touches_no_database(tmp_path):
    create_app(instance_path=str(tmp_path))
    assert not (tmp_path / "scrm.sqlite3").exists()
