"""The key that signs session cookies (``SECRET_KEY``): never a public or guessable one.

Anyone who knows the key can sign a cookie, so a web server must not start with the old public
default, an empty or a short key. :func:`refuse_weak_secret_key` raises while the app is built
for a server (gunicorn ``app:app``, any WSGI host); the ``flask`` command builds it too, for
``db upgrade``, ``scrm check-config``, ``scrm worker`` and ``scrm demo``, which serve no pages
with it (check-config names the problem; the demo makes its own key), so there it only
refuses every request (:func:`refuse_requests_while_weak`: ``flask run`` serves nothing).
Tests (``TESTING``) are exempt.
"""

from __future__ import annotations

from flask import Flask

MIN_LENGTH = 32
#: Keys that were ever public: scrm's old default and the usual placeholders.
PUBLIC_KEYS = frozenset({"dev-only-change-me", "changeme", "change-me", "secret", "dev"})
HOW_TO_MAKE_ONE = (
    'make one with `python -c "import secrets; print(secrets.token_hex(32))"` and set it as '
    "the environment variable SCRM_SECRET_KEY or as SECRET_KEY in instance/config.py"
)


class WeakSecretKey(RuntimeError):
    """The app was asked to serve with a key anyone could know."""


def secret_key_problem(value: object) -> str | None:
    """What is wrong with ``value`` as ``SECRET_KEY``, or ``None`` when it will do."""
    key = "" if value is None else str(value)
    if not key.strip():
        return "SECRET_KEY is not set"
    if key in PUBLIC_KEYS:
        return f"SECRET_KEY is the public placeholder {key!r}"
    if len(key) < MIN_LENGTH:
        return f"SECRET_KEY has {len(key)} characters; use at least {MIN_LENGTH} random ones"
    return None


def _built_by_the_flask_command() -> bool:
    # The flask command loads the app inside its click context, which carries a ScriptInfo;
    # a WSGI server (gunicorn, uwsgi) imports app.py with no click context at all.
    import click
    from flask.cli import ScriptInfo

    context = click.get_current_context(silent=True)
    return context is not None and context.find_object(ScriptInfo) is not None


def refuse_weak_secret_key(app: Flask) -> None:
    """Raise when ``app`` is built for a server with a weak key (not in tests, and not by the
    ``flask`` command, whose app serves no pages until its key is fixed).

    :raise WeakSecretKey: naming ``SCRM_SECRET_KEY`` and how to make a key.
    """
    problem = secret_key_problem(app.config.get("SECRET_KEY"))
    if problem is None or app.testing or _built_by_the_flask_command():
        return
    raise WeakSecretKey(
        f"scrm will not serve: {problem}. Whoever knows the key can sign a session cookie; "
        f"{HOW_TO_MAKE_ONE}"
    )


def refuse_requests_while_weak() -> None:
    """Before each request: answer 503 while the key is weak (outside tests)."""
    from flask import current_app

    from scrm.errors import ScrmError

    problem = secret_key_problem(current_app.config.get("SECRET_KEY"))
    if problem is None or current_app.testing:
        return
    raise ScrmError(
        "服务器尚未配置安全的会话密钥，暂不能使用，请联系管理员。"
        f" (The server is not set up: {problem}; {HOW_TO_MAKE_ONE}.)",
        status_code=503,
    )


def init_app(app: Flask) -> None:
    """Refuse to build a server with a weak key, and refuse requests while it is weak."""
    refuse_weak_secret_key(app)
    app.before_request(refuse_requests_while_weak)
