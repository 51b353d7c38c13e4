"""Cells that spreadsheets show as text: the one guard against CSV (formula) injection, for
every file scrm lets someone download and open in Excel."""

from __future__ import annotations

#: A cell starting with one of these would run as a formula in Excel (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """``value`` as cell text: empty for ``None``, and text that would run as a formula with a
    leading ``'`` so that Excel shows it as it is."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return str(value)
