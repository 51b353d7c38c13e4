"""Entry point: ``gunicorn app:app`` and ``flask --app app …``."""

from scrm import create_app

app = create_app()
