"""The demo's session key: a random one made in the instance folder on the first run and kept
for the next (``instance/secret_key``, readable by its owner only), so a fresh clone's demo
works with no set-up and no key anyone else knows."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from scrm.secret_key import secret_key_problem

FILE_NAME = "secret_key"


def ensure_demo_secret_key(app: Flask) -> Path | None:
    """Give ``app`` the instance folder's demo key when no real key is configured; make the
    file (64 hex digits, mode 0600) the first time.

    :return: the key file used, or ``None`` when the configured key is kept.
    """
    if secret_key_problem(app.config.get("SECRET_KEY")) is None:
        return None
    os.makedirs(app.instance_path, exist_ok=True)
    path = Path(app.instance_path) / FILE_NAME
    try:
        # O_EXCL: two demos started at once do not both write; the loser reads the winner's.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
    else:
        key = secrets.token_hex(32)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(key + "\n")
    if problem := secret_key_problem(key):
        raise RuntimeError(f"{path}: {problem}; delete the file and run the demo again")
    app.config["SECRET_KEY"] = key
    return path
