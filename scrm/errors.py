"""Domain errors and the one JSON error envelope.

A domain error carries its HTTP status and the message the user reads, so a handler lets it
go and :func:`init_app`'s handler renders it. The classes import nothing from Flask: the pure
scanner raises them too (:class:`scrm.compliance.vocabulary.InvalidMessage`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the annotation: importing this module must not import Flask
    from flask import Flask


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
    """
    # Imported here, not at the top: the classes above must import without Flask.
    from flask import jsonify
    from werkzeug.exceptions import HTTPException

    def envelope(status: int, message: str):
        return jsonify({"error": {"status": status, "message": message}}), status

    @app.errorhandler(ScrmError)
    def handle_scrm_error(error: ScrmError):
        return envelope(error.status_code, error.message)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        return envelope(error.code or 500, error.description or error.name)

    @app.errorhandler(500)
    def handle_internal_error(error):
        return envelope(500, "internal error; the request was not applied")
