"""The archive search JSON API under ``/api/archive/`` (compliance only): the URL table and
thin handlers. Every search and every conversation view writes an access-audit row; the
request commits it before the answer is sent (:mod:`scrm.db`), so a reader who got results
always left a trace.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request

from scrm.archive.search.conversation import AROUND_MAX, conversation_around
from scrm.archive.search.find import search_archive
from scrm.archive.search.query import query_from_args
from scrm.audit.models import SEARCH, VIEW
from scrm.audit.services import record_access
from scrm.auth import current_staff, require
from scrm.payloads import whole_number

bp = Blueprint("archive_search_api", __name__, url_prefix="/api/archive")


def _rules() -> None:
    """The URL table: (method, rule, view)."""
    for method, rule, view in (
        ("GET", "/search", search),
        ("GET", "/messages/<bigid:message_id>/conversation", conversation),
    ):
        bp.add_url_rule(rule, view_func=view, methods=[method])


@require("archive.search")
def search():
    """``?q=`` keyword and filters (see :func:`scrm.archive.search.query.query_from_args`);
    ``before=`` the previous page's ``next_before``."""
    query = query_from_args(request.args, timezone=current_app.config["SCRM_TIMEZONE"])
    page = search_archive(query)
    what = {"query": query.keyword.text if query.keyword else None, "filters": query.filters}
    if query.before is not None:
        what["before"] = query.before
    record_access(current_staff(), SEARCH, what, result_count=len(page.results))
    return {"results": page.results, "next_before": page.next_before}


@require("archive.search")
def conversation(message_id: int):
    """The conversation around one message; ``before``/``after`` (default 10), ``reason``."""
    before, after = (
        whole_number(request.args, name, default=10, maximum=AROUND_MAX)
        for name in ("before", "after")
    )
    around = conversation_around(message_id, before=before, after=after)
    ids = [m["id"] for m in around["messages"]]
    record_access(
        current_staff(),
        VIEW,
        {"message_ids": ids, "around": message_id},
        result_count=len(ids),
        reason=request.args.get("reason"),
    )
    return around


_rules()
