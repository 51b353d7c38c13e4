"""Dashboards as CSV (every chart and table downloadable): UTF-8 with a byte-order mark so Excel
opens the Chinese correctly, one header row naming each column in Chinese and by its key."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response

from scrm.csv_safety import safe_cell


def header(label: str, key: str) -> str:
    """A column title: the Chinese label, then the key, e.g. ``客户数 (customers)``."""
    return f"{label} ({key})"


def csv_response(
    filename: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence]
) -> Response:
    """A CSV download.

    :param filename: ASCII file name, e.g. ``dashboard-branch-2.csv``.
    :param columns: (Chinese label, key) per column.
    :param rows: the cells, in the columns' order (``None`` is written empty).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header(label, key) for label, key in columns])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )
