"""Domain errors and the one JSON error envelope."""

from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from scrm.db import db


class ScrmError(Exception):
    """An error a user can meet; ``message`` names the fix."""

    status_code = 400

    def __init__(self, message: str, *, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


def _envelope(status: int, message: str):
    return jsonify({"error": {"status": status, "message": message}}), status


def init_app(app: Flask) -> None:
    """Register the JSON error handlers; the 500 handler rolls the session back."""

    @app.errorhandler(ScrmError)
    def handle_scrm_error(error: ScrmError):
        db.session.rollback()
        return _envelope(error.status_code, error.message)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        return _envelope(error.code or 500, error.description or error.name)

    @app.errorhandler(500)
    def handle_internal_error(error):
        db.session.rollback()
        return _envelope(500, "internal error; the request was not applied")
