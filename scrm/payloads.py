"""The JSON body of an API request, read the same way by every API."""

from __future__ import annotations

from typing import Any

from flask import request

from scrm.errors import ScrmError


def json_object(message: str = "send a JSON object body") -> dict[str, Any]:
    """The request's JSON body, which must be an object.

    :param message: what the 400 answer says otherwise; an API may name its fields there.
    :raise ScrmError: 400 when the body is missing, not JSON, or not an object.
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ScrmError(message)
    return body
