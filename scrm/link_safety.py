"""Links scrm hands to a browser or to WeCom (material links, cover images, document and
attachment addresses): the one rule that they are plain web addresses.

Only absolute ``http://`` and ``https://`` addresses with a host pass. Nothing is cleaned up
and then accepted: a browser drops leading spaces and control characters and removes tabs and
line breaks anywhere, so ``" javascript:…"`` or ``"java\\tscript:…"`` would run as script;
here any whitespace, control or invisible format character refuses the link. WeCom's own
schemes are not needed: mini-programs are sent as ``miniprogram`` cards (appid + page), never
as links.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")
MAX_LINK_CHARS = 2048


def web_link_problem(value: object, field: str) -> str | None:
    """Why ``value`` is not a web address we may hand out, or ``None`` when it is one.

    :param field: the field's name as the user knows it (``content.link``), for the message.
    :return: a message in Chinese, then English, that names the field and the fix.
    """
    fix = (
        f"{field} 必须是以 http:// 或 https:// 开头的完整网址，例如 "
        "https://www.example-bank.cn/wealth；不接受 javascript:、data: 等其他写法，也不能含空格"
        f"或不可见字符。 ({field} must be a full http:// or https:// address with a host)"
    )
    if not isinstance(value, str) or not value or len(value) > MAX_LINK_CHARS:
        return fix
    if any(_hidden(char) for char in value) or "\\" in value:
        return fix
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        return fix
    if parts.scheme not in WEB_SCHEMES or not parts.hostname:
        return fix
    if "@" in parts.netloc:
        return (
            f"{field} 里不能带用户名或密码（@ 之前的部分常被用来伪装网址）；请只填 https://网站/页面。"
            f" ({field} must not carry a user name or password before @)"
        )
    return None


def is_web_link(value: object) -> bool:
    """Whether ``value`` passes :func:`web_link_problem`."""
    return web_link_problem(value, "link") is None


def _hidden(char: str) -> bool:
    # Cc control, Cf format (zero-width, bidi), Zs/Zl/Zp spaces and separators.
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp")
