"""The probes a load balancer or an orchestrator polls: ``/healthz`` (liveness: the process
answers; it touches nothing) and ``/readyz`` (readiness: :mod:`scrm.ops.readiness`)."""

from __future__ import annotations

from flask import Blueprint

from scrm.ops.readiness import readiness

bp = Blueprint("ops_probes", __name__)


@bp.get("/healthz")
def healthz():
    """Alive: 200 while the process answers, whatever the database does."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Ready: 200 with each check, or 503 naming the check that failed and why."""
    ready, checks = readiness()
    if ready:
        return {"status": "ready", "checks": checks}
    return {"status": "not ready", "checks": checks}, 503
