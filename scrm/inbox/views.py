"""URL table for WeCom callbacks (placeholder)."""

from flask import Blueprint

bp = Blueprint("wecom_callback", __name__)
