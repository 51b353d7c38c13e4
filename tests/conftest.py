"""Fixtures: a real database (SQLite, or PostgreSQL when ``SCRM_TEST_DATABASE_URI`` is set),
the WeCom simulator on loopback, the app, and a live server the simulator pushes callbacks to.

The schema is built once per run by the real migrations; each test then gets its own copy
(SQLite: a copy of the migrated file; PostgreSQL: the tables are emptied after each test).
"""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from werkzeug.serving import WSGIRequestHandler, make_server

from scrm import create_app
from scrm.db import Base, db
from scrm.wecom.simulator import Simulator, SimulatorServer

CORP_ID = "wwscrm0test0corp01"
CONTACT_SECRET = "contact-secret-for-tests-only-0000000000001"
AGENT_SECRET = "agent-secret-for-tests-only-00000000000002"
AGENT_ID = 1000002
CALLBACK_TOKEN = "scrmTestToken2026"
# 43 characters, as WeCom issues them (base64 of 32 bytes without the trailing "=").
CALLBACK_AES_KEY = "c2NybS10ZXN0LWFlcy1rZXktMzItYnl0ZXMtbG9uZyE"

POSTGRES_URI = os.environ.get("SCRM_TEST_DATABASE_URI")


def _migrate(uri: str) -> None:
    from flask_migrate import upgrade

    from scrm.db import MIGRATIONS_DIR

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "TESTING": True})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """The URI of a database at the latest migration (a template file on SQLite)."""
    if POSTGRES_URI:
        _migrate(POSTGRES_URI)
        yield POSTGRES_URI
        return
    template = tmp_path_factory.mktemp("db") / "template.sqlite3"
    _migrate(f"sqlite:///{template}")
    yield str(template)


@pytest.fixture
def database_uri(migrated_database, tmp_path):
    """A database for one test, at the latest schema and empty."""
    if POSTGRES_URI:
        yield POSTGRES_URI
        _truncate_all(POSTGRES_URI)
        return
    path = tmp_path / "scrm.sqlite3"
    shutil.copyfile(migrated_database, path)
    yield f"sqlite:///{path}"


def _truncate_all(uri: str, attempts: int = 5) -> None:
    engine = create_engine(uri)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    try:
        for attempt in range(1, attempts + 1):
            try:
                with engine.begin() as conn:
                    # The archive's triggers refuse TRUNCATE, as they should for everyone but
                    # this fixture.
                    conn.execute(text("SET LOCAL session_replication_role = replica"))
                    conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                return
            except OperationalError:
                # A request a browser test left in flight may still hold a table (PostgreSQL
                # then picks the TRUNCATE as the deadlock victim): wait for it to finish.
                if attempt == attempts:
                    raise
                time.sleep(0.5 * attempt)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def simulator_server():
    """One WeCom simulator on 127.0.0.1 for the whole run; reset before every test."""
    sim = Simulator(
        CORP_ID, contact_secret=CONTACT_SECRET, agent_secret=AGENT_SECRET, agent_id=AGENT_ID
    )
    server = SimulatorServer(sim).start()
    yield server
    server.stop()


@pytest.fixture
def sim(simulator_server) -> Simulator:
    """The simulator, emptied: no corp data, no faults, no tokens, clock at real time."""
    simulator_server.simulator.reset()
    return simulator_server.simulator


@pytest.fixture
def app_config(database_uri, simulator_server, tmp_path):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "WECOM_CORP_ID": CORP_ID,
        "WECOM_CONTACT_SECRET": CONTACT_SECRET,
        "WECOM_AGENT_ID": str(AGENT_ID),
        "WECOM_AGENT_SECRET": AGENT_SECRET,
        "WECOM_CALLBACK_TOKEN": CALLBACK_TOKEN,
        "WECOM_CALLBACK_AES_KEY": CALLBACK_AES_KEY,
        "WECOM_API_BASE": simulator_server.api_base,
        "WECOM_RETRY_BACKOFF": 0.01,
        "WECOM_HTTP_TIMEOUT": 5,
        "INBOX_RETRY_BACKOFF": 0,
        # Every test gets a new app and engine; without a pool no connection outlives its use,
        # even one a live-server thread hands back after the test's engine was disposed.
        "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool} if POSTGRES_URI else {},
    }


@pytest.fixture
def app(app_config, sim):
    app = create_app(app_config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class _OneRequestPerConnection(WSGIRequestHandler):
    protocol_version = "HTTP/1.0"


class LiveServer:
    def __init__(self, app):
        # HTTP/1.0: one request per connection, so no thread waits on a browser's idle
        # keep-alive socket past the end of a test (and returns its database connection late).
        self._server = make_server(
            "127.0.0.1", 0, app, threaded=True, request_handler=_OneRequestPerConnection
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@pytest.fixture
def live_server(app, sim):
    """The app served over HTTP; the simulator pushes its callbacks here."""
    server = LiveServer(app).start()
    sim.pusher.configure(
        url=server.url + "/wecom/callback", token=CALLBACK_TOKEN, aes_key=CALLBACK_AES_KEY
    )
    yield server
    server.stop()
