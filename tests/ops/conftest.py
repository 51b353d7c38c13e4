from __future__ import annotations

import pytest

from scrm import create_app
from scrm.db import db


@pytest.fixture
def make_app(app_config, sim):
    """Build an app with some settings changed; its engines are disposed afterwards."""
    built = []

    def make(**overrides):
        app = create_app({**app_config, **overrides})
        built.append(app)
        return app

    yield make
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def check_config():
    """Run ``scrm check-config`` with extra arguments on the given app."""

    def run(app, *args: str):
        return app.test_cli_runner().invoke(args=["scrm", "check-config", *args])

    return run
