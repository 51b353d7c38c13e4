"""The dashboards tests run against the dashboards' bank (``dashboard_bank``, tests/conftest.py;
who is who in dashboard_names.py), its RM metrics computed for D1 and D2."""

from __future__ import annotations

import pytest


@pytest.fixture
def bank(dashboard_bank):
    return dashboard_bank
