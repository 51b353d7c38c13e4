"""Liveness and readiness: ``/healthz`` answers while the process runs; ``/readyz`` answers 200
only when the database answers, the schema is at the migrations' head and the lexicon is
loaded; a database outage gives ``/`` a clean 503, not a traceback (the callback's is in
tests/inbox/test_callback_endpoint.py)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import create_engine, text

from scrm.db import db

POSTGRES_DOWN = "postgresql+psycopg://postgres@127.0.0.1:1/scrm_nowhere"


def _unreachable_databases(tmp_path) -> list[str]:
    # SQLite cannot open a file in a folder that does not exist; nothing listens on port 1.
    uris = [f"sqlite:///{tmp_path}/no/such/folder/scrm.sqlite3"]
    try:
        import psycopg  # noqa: F401
    except ModuleNotFoundError:
        return uris
    return [*uris, POSTGRES_DOWN]


def test_a_ready_app_answers_200_with_each_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "schema": "ok", "lexicon": "ok"},
    }
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_an_unreachable_database_is_not_ready_but_alive(make_app, tmp_path, caplog):
    for uri in _unreachable_databases(tmp_path):
        app = make_app(SQLALCHEMY_DATABASE_URI=uri)
        client = app.test_client()
        assert client.get("/healthz").status_code == 200  # liveness never touches the database
        with caplog.at_level(logging.WARNING):
            response = client.get("/readyz")
        assert response.status_code == 503, uri
        body = response.get_json()
        assert body["status"] == "not ready"
        assert body["checks"]["database"].startswith("数据库无法连接 (the database does not answer")
        assert "not checked" in body["checks"]["schema"]
        assert "Traceback" not in caplog.text and "postgres@" not in response.get_data(as_text=True)


def test_a_schema_one_revision_behind_is_not_ready(app, client):
    with app.app_context():
        head = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.begin() as connection:  # as if the last upgrade had not run
            connection.execute(text("UPDATE alembic_version SET version_num = 'c5a10000b008'"))
        response = client.get("/readyz")
        assert response.status_code == 503
        checks = response.get_json()["checks"]
        assert checks["database"] == "ok" and checks["lexicon"] == "ok"
        assert checks["schema"].startswith("数据库结构不是最新 (the schema is at c5a10000b008")
        assert head in checks["schema"] and "init-db" in checks["schema"]
    finally:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :h"), {"h": head})
        engine.dispose()


@pytest.mark.parametrize(
    "files",
    [
        {},  # an empty folder
        {"承诺收益.tsv": "category\t承诺收益/保本\nterm\tsingle\tgroup\tmoments\tbasis\tnote\n"},
        {"承诺收益.tsv": "保本保息\tno-such-action\n"},  # a broken line
    ],
    ids=["empty", "no-terms", "broken"],
)
def test_a_missing_empty_or_broken_lexicon_is_not_ready(make_app, tmp_path, files):
    folder = tmp_path / "词库"
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    response = make_app(LEXICON_DIR=str(folder)).test_client().get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"] == "ok" and checks["schema"] == "ok"
    assert checks["lexicon"].startswith("词库")
    assert "lexicon" in checks["lexicon"] and "保本保息" not in checks["lexicon"]


def test_a_database_outage_gives_the_status_page_a_clean_503(make_app, tmp_path, caplog):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/gone/scrm.sqlite3")
    app.testing = False  # as in production: an unhandled error would be a traceback-500
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        page = client.get("/")
    assert page.status_code == 503
    assert "数据库暂时无法访问" in page.get_data(as_text=True)
    assert "Traceback" not in caplog.text and "Traceback" not in page.get_data(as_text=True)
