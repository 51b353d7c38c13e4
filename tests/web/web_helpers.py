"""Helpers for the sign-in tests: walk the OAuth redirects the way a browser would."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

RM = "lin.xiaomei"
LEFT = "wang.lizhi"
#: The password of the ``admin`` fixture's local console account.
PASSWORD = "星河-管理员-密码-2026"


def form_token(client, path="/console/login") -> str:
    """The CSRF token in the form on our page at ``path``."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in(client, username="guanli", password=PASSWORD, *, next_path=None, **request):
    """Post the console's local sign-in form as a browser would (``?next=`` when given);
    ``request`` goes to the test client (``environ_base={"REMOTE_ADDR": …}``)."""
    data = {"csrf_token": form_token(client), "username": username, "password": password}
    query = "" if next_path is None else "?" + urlencode({"next": next_path})
    return client.post("/console/login" + query, data=data, **request)


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
