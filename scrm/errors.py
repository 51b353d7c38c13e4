"""Domain errors and the one JSON error envelope.

A domain error carries its HTTP status and the message the user reads, so a handler lets it
go and :func:`init_app`'s handler renders it. The classes import nothing from Flask: the pure
scanner raises them too (:class:`scrm.compliance.vocabulary.InvalidMessage`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the annotation: importing this module must not import Flask
    from flask import Flask

log = logging.getLogger(__name__)

#: What a request meets while the database is down (a 503: try again, nothing was applied).
DATABASE_UNAVAILABLE = (
    "数据库暂时无法访问，请稍后再试 (the database is unavailable; try again shortly)"
)


class ScrmError(Exception):
    """An error a user can meet; ``message`` names the fix, ``status_code`` is the answer's."""

    status_code = 400

    def __init__(self, message: str, *, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class Forbidden(ScrmError):
    """The caller may not do this (403); the message says who may."""

    status_code = 403


class NotFound(ScrmError):
    """No such thing, or none the caller may see (404); the message says where to look."""

    status_code = 404


class Conflict(ScrmError):
    """The current state, or someone else, does not allow this now (409)."""

    status_code = 409


def init_app(app: Flask) -> None:
    """Render every error as the one JSON envelope ``{"error": {"status", "message"}}``.

    The request's transaction is rolled back by :mod:`scrm.db` for any answer of 400 or more.
    A database that cannot be reached is a 503 (JSON under ``/api/``, plain text elsewhere, so
    the status page and WeCom's callback get it too) and one warning line, not a traceback.
    """
    # Imported here, not at the top: the classes above must import without Flask.
    from flask import Response, jsonify, request
    from sqlalchemy.exc import OperationalError
    from werkzeug.exceptions import HTTPException

    def envelope(status: int, message: str):
        return jsonify({"error": {"status": status, "message": message}}), status

    @app.errorhandler(ScrmError)
    def handle_scrm_error(error: ScrmError):
        return envelope(error.status_code, error.message)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        return envelope(error.code or 500, error.description or error.name)

    @app.errorhandler(OperationalError)
    def handle_database_unavailable(error: OperationalError):
        # The driver's class only: its message and the statement's parameters may hold data.
        cause = type(error.orig or error).__name__
        log.warning("database unavailable for %s %s: %s", request.method, request.path, cause)
        if request.path.startswith("/api/"):
            return envelope(503, DATABASE_UNAVAILABLE)
        return Response(DATABASE_UNAVAILABLE, status=503, mimetype="text/plain")

    @app.errorhandler(500)
    def handle_internal_error(error):
        return envelope(500, "internal error; the request was not applied")
