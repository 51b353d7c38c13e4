"""The status page at ``/``: what scrm holds and how the last sync went. Counts only, no
personal data, so it is safe to show on an operations screen."""

from __future__ import annotations

from flask import Blueprint, render_template

from scrm.ops.stats import DESCRIPTIONS, collect_stats

bp = Blueprint(
    "ops",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/ops-pages",
)


@bp.get("/")
def status_page():
    return render_template("ops/status.html", stats=collect_stats(), descriptions=DESCRIPTIONS)
