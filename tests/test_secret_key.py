"""The key that signs session cookies: the web refuses to start without a real one, commands
that serve no pages still run (check-config names the problem), and the demo makes its own."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from scrm import config as defaults
from scrm import create_app
from scrm.demo.secret_key import ensure_demo_secret_key

ROOT = Path(__file__).resolve().parents[1]
GOOD_KEY = "5f0c2a4b9e7d1c3a8b6e0f2d4c6a8e1b3d5f7a9c0e2b4d6f8a1c3e5b7d9f0a2c"
WEAK_KEYS = ["dev-only-change-me", "", "changeme", "x" * 31]


def run(args: list[str], key: str | None, tmp_path: Path) -> subprocess.CompletedProcess:
    """``args`` in a fresh process at the project root, with ``SCRM_SECRET_KEY=key``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRM_")}
    env["SCRM_SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'scrm.sqlite3'}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if key is not None:
        env["SCRM_SECRET_KEY"] = key
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize("key", WEAK_KEYS, ids=["public_default", "empty", "guessable", "short"])
def test_gunicorn_refuses_to_start_without_a_real_key(tmp_path, key):
    gunicorn = [sys.executable, "-m", "gunicorn", "--check-config", "app:app"]

    refused = run(gunicorn, key, tmp_path)

    assert refused.returncode != 0
    assert "SCRM_SECRET_KEY" in refused.stderr + refused.stdout
    assert "secrets.token_hex(32)" in refused.stderr + refused.stdout


def test_gunicorn_starts_with_a_real_key(tmp_path):
    started = run(
        [sys.executable, "-m", "gunicorn", "--check-config", "app:app"], GOOD_KEY, tmp_path
    )
    assert started.returncode == 0, started.stderr


def test_there_is_no_default_key_to_forge_cookies_with():
    assert defaults.SECRET_KEY == ""


def test_commands_that_serve_no_pages_run_and_check_config_names_the_problem(tmp_path):
    flask = [sys.executable, "-m", "flask", "--app", "app", "scrm"]

    upgraded = run([*flask, "init-db"], "dev-only-change-me", tmp_path)
    checked = run([*flask, "check-config"], "dev-only-change-me", tmp_path)

    assert upgraded.returncode == 0, upgraded.stderr
    assert "ERROR SECRET_KEY" in checked.stdout and "secrets.token_hex(32)" in checked.stdout
    assert "Traceback" not in checked.stderr


def test_an_app_serves_no_page_while_its_key_is_weak(app, client):
    app.config.update(TESTING=False, SECRET_KEY="dev-only-change-me")

    for path in ("/console/login", "/api/session", "/healthz"):
        refused = client.get(path)
        assert refused.status_code == 503, path
        assert "SECRET_KEY" in refused.get_data(as_text=True)


def test_the_demo_makes_a_random_key_in_the_instance_folder_once_and_keeps_it(tmp_path):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path)
    )
    assert app.config["SECRET_KEY"] == ""

    made = ensure_demo_secret_key(app)

    key_file = tmp_path / "secret_key"
    assert made == key_file and app.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(app.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path)
    )
    ensure_demo_secret_key(again)
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_the_demo_keeps_a_real_key_it_is_given(tmp_path):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": GOOD_KEY},
        instance_path=str(tmp_path),
    )
    assert ensure_demo_secret_key(app) is None
    assert app.config["SECRET_KEY"] == GOOD_KEY and not (tmp_path / "secret_key").exists()
