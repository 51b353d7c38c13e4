"""Helpers for the sign-in tests: walk the OAuth redirects the way a browser would."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

RM = "lin.xiaomei"
LEFT = "wang.lizhi"


def sim_url(app_config) -> str:
    return app_config["WECOM_API_BASE"].removesuffix("/cgi-bin/")


def follow_to_wecom(client, path: str) -> str:
    """GET ``path`` on our app and follow our redirects until one leaves for WeCom."""
    response = client.get(path)
    while response.status_code == 302 and response.location.startswith("/"):
        response = client.get(response.location)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.location


def wecom_signs_in(authorize_url: str, userid: str) -> str:
    """The simulator's page, answered as ``userid``: our callback path with code and state."""
    url = authorize_url.split("#", 1)[0] + "&userid=" + userid
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    parts = urlsplit(answer.headers["Location"])
    return f"{parts.path}?{parts.query}"


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url.split("#", 1)[0]).query).items()}
