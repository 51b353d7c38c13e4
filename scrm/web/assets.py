"""Third-party browser assets from npm (WeUI, @wecom/jssdk, ECharts), served by us from
``scrm/frontend/node_modules`` — never a CDN (bank intranets and the WeCom client often cannot
reach one), never copies committed to the repository.

Only the files in :data:`VENDOR_FILES` are served; their versions are pinned by
``scrm/frontend/package-lock.json`` and installed by ``npm ci --prefix scrm/frontend``.
"""

from __future__ import annotations

import logging
import os

from flask import Blueprint, Flask, current_app, send_from_directory

from scrm.errors import ScrmError

log = logging.getLogger(__name__)

#: URL name under /vendor/ → file inside node_modules (non-minified builds where shipped).
VENDOR_FILES = {
    "weui.css": "weui/dist/style/weui.css",
    "wecom-jssdk.js": "@wecom/jssdk/dist/wecom.global.js",
    "echarts.js": "echarts/dist/echarts.js",
}
INSTALL_HINT = "run `npm ci --prefix scrm/frontend` (see the README)"

bp = Blueprint("web_assets", __name__)


def node_modules_dir(app: Flask) -> str:
    """The ``node_modules`` folder of ``FRONTEND_DIR`` (relative paths: from the scrm package)."""
    frontend = app.config["FRONTEND_DIR"]
    if not os.path.isabs(frontend):
        frontend = os.path.join(os.path.dirname(os.path.dirname(__file__)), frontend)
    return os.path.join(frontend, "node_modules")


def missing_vendor_files(app: Flask) -> list[str]:
    """The allow-listed files that are not installed (empty when ``npm ci`` has run)."""
    root = node_modules_dir(app)
    return [p for p in VENDOR_FILES.values() if not os.path.isfile(os.path.join(root, p))]


@bp.get("/vendor/<name>")
def vendor_file(name: str):
    """One allow-listed npm file; 404 for anything else, 503 with the fix when not installed."""
    path = VENDOR_FILES.get(name)
    if path is None:
        raise ScrmError(
            f"no vendor file {name!r}; known: {', '.join(VENDOR_FILES)}", status_code=404
        )
    root = node_modules_dir(current_app)
    if not os.path.isfile(os.path.join(root, path)):
        raise ScrmError(
            f"front-end packages are not installed in {root}: {INSTALL_HINT}", status_code=503
        )
    return send_from_directory(root, path, max_age=3600)


def warn_when_not_installed(app: Flask) -> None:
    """Log once at start-up when the front-end packages are missing (pages would be bare)."""
    missing = missing_vendor_files(app)
    if missing:
        log.warning("front-end packages missing (%s): %s", ", ".join(missing), INSTALL_HINT)
