"""``POST /api/archive/exports`` (证据导出): a search or a conversation as a CSV or XLSX file.

Body: ``{"kind": "search", "query": {q, from, to, rm, …}, "format": "csv"|"xlsx",
"reason": "…"}`` or ``{"kind": "conversation", "message_id": 42, "before": 10, "after": 10,
…}``. The reason (at least 5 characters) goes to the access audit, which the request commits
before the file is sent (:mod:`scrm.db`); the file is built completely first, so a refusal
never leaves half a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app

from scrm.archive.export import evidence as export
from scrm.archive.search.conversation import AROUND_MAX
from scrm.archive.search.query import query_from_args
from scrm.audit.models import EXPORT
from scrm.audit.services import record_access
from scrm.auth import current_staff, require
from scrm.db import utcnow
from scrm.errors import ScrmError
from scrm.payloads import BIG_ID_MAX, json_object, whole_number

bp = Blueprint("archive_export_api", __name__, url_prefix="/api/archive")

REASON_MIN = 5
AUDITED_IDS_MAX = 1000  # more ids than this are recorded as their first and last
_MIMETYPES = {
    export.CSV: "text/csv; charset=utf-8",
    export.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.post("/exports")
@require("archive.export")
def create_export():
    """Build the export, record it in the access audit with its reason, send the file."""
    data = json_object(
        'send a JSON object: {"kind": "search"|"conversation", "format", "reason", …}'
    )
    fmt = data.get("format") or export.CSV
    if fmt not in export.FORMATS:
        raise ScrmError(f'"format" {fmt!r} is unknown; use csv or xlsx')
    reason = data.get("reason")
    reason = reason.strip() if isinstance(reason, str) else ""
    if len(reason) < REASON_MIN:
        raise ScrmError(
            f"an export needs a reason of at least {REASON_MIN} characters: say why you are "
            "exporting this content (e.g. 监管检查调阅 or a complaint number)"
        )
    chosen = _chosen(data)
    staff, now = current_staff(), utcnow()
    lines = export.summary(chosen, by=staff, reason=reason, at=now, fmt=fmt)
    write = export.write_xlsx if fmt == export.XLSX else export.write_csv
    content = write(lines, export.message_rows(chosen.message_ids))
    record_access(
        staff, EXPORT, _audited(chosen, fmt), result_count=len(chosen.message_ids), reason=reason
    )
    name = f"archive-export-{chosen.kind}-{now:%Y%m%dT%H%M%SZ}.{fmt}"
    return Response(
        content,
        headers={
            "Content-Type": _MIMETYPES[fmt],
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _chosen(data: Mapping[str, Any]) -> export.Export:
    kind = data.get("kind")
    if kind == "search":
        query = data.get("query")
        if not isinstance(query, Mapping):
            raise ScrmError('"query" must be an object of search filters, e.g. {"q": "保本"}')
        args = {str(k): str(v) for k, v in query.items() if v not in (None, "")}
        args.pop("before", None)  # an export holds every page
        args.pop("limit", None)
        parsed = query_from_args(args, timezone=current_app.config["SCRM_TIMEZONE"])
        limit = int(current_app.config.get("ARCHIVE_EXPORT_MAX_ROWS", export.DEFAULT_MAX_ROWS))
        return export.search_export(parsed, limit)
    if kind == "conversation":
        message_id = whole_number(
            data, "message_id", minimum=1, maximum=BIG_ID_MAX, hint="an archived message id"
        )
        if message_id is None:
            raise ScrmError('"message_id" must be the id of an archived message')
        before, after = (
            whole_number(data, name, default=10, maximum=AROUND_MAX) for name in ("before", "after")
        )
        return export.conversation_export(message_id, before=before, after=after)
    raise ScrmError('"kind" must be "search" or "conversation"')


def _audited(chosen: export.Export, fmt: str) -> dict:
    ids = chosen.message_ids
    what = {"kind": chosen.kind, "format": fmt} | chosen.asked
    if len(ids) <= AUDITED_IDS_MAX:
        return what | {"message_ids": ids}
    return what | {"first_id": ids[0], "last_id": ids[-1]}
