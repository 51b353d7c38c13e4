"""The sidebar's API tests run against the sidebar's bank (``sidebar_bank``, tests/conftest.py;
who is who in sidebar_names.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def bank(sidebar_bank):
    return sidebar_bank
