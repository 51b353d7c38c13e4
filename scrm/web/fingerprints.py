"""Long-cached static files: every ``url_for(…static…)`` carries ``v=<fingerprint>`` of the file
(its size and modification time), and a response to such a URL may be kept a year.

A changed file gets a new URL, so browsers never run yesterday's script; an unchanged one is
not fetched again on every sidebar open (on a phone inside WeCom that is most of the first
screen's time). Files sent any other way (exports, /vendor/) keep their own cache headers.
"""

from __future__ import annotations

import hashlib
import os

from flask import Flask, current_app, request
from flask.wrappers import Response

YEAR = 365 * 24 * 3600


def _static_folder(endpoint: str) -> str | None:
    if endpoint == "static":
        return current_app.static_folder
    blueprint = current_app.blueprints.get(endpoint.rsplit(".", 1)[0])
    return blueprint.static_folder if blueprint is not None else None


def _fingerprint(folder: str, filename: str) -> str | None:
    try:
        stat = os.stat(os.path.join(folder, filename))
    except (OSError, ValueError):
        return None  # a missing file: the URL stays plain and the request gets its 404
    return hashlib.sha1(f"{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]


def add_fingerprint(endpoint: str | None, values: dict) -> None:
    """``url_defaults`` hook: put the file's fingerprint on static URLs."""
    if not endpoint or not (endpoint == "static" or endpoint.endswith(".static")):
        return
    filename = values.get("filename")
    folder = _static_folder(endpoint)
    if filename and folder and "v" not in values:
        version = _fingerprint(folder, filename)
        if version:
            values["v"] = version


def cache_fingerprinted(response: Response) -> Response:
    """``after_request`` hook: a fingerprinted static file may be cached for a year."""
    endpoint = request.endpoint or ""
    static = endpoint == "static" or endpoint.endswith(".static")
    if static and request.args.get("v") and response.status_code == 200:
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    return response


def init_app(app: Flask) -> None:
    """Fingerprint static URLs and let browsers keep what they fetched."""
    app.url_defaults(add_fingerprint)
    app.after_request(cache_fingerprinted)
