"""Fixtures for the sidebar's API tests: the shared bank, and a test client per RM."""

from __future__ import annotations

import pytest
from sidebar_bank import build_bank


@pytest.fixture
def bank(sim, app_ctx):
    return build_bank(sim)
