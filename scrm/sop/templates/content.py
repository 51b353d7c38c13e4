"""The content of an SOP step: text, image, link, mini-program card or a library snippet."""

from __future__ import annotations

from typing import Any

from scrm.compliance.scanning.scanner import MAX_MESSAGE_BYTES
from scrm.link_safety import web_link_problem
from scrm.sop.templates.yaml_lines import LineMapping, StepContext, suggest

CONTENT_KINDS = ("image", "link", "miniprogram", "library")


def check_text(value: Any, line: int, what: str, ctx: StepContext) -> bool:
    """True when ``value`` is non-empty text WeCom accepts (at most 4,000 bytes of UTF-8)."""
    if not isinstance(value, str) or not value.strip():
        ctx.error(line, f"{what} must be non-empty text")
        return False
    size = len(value.encode("utf-8"))
    if size > MAX_MESSAGE_BYTES:
        ctx.error(
            line,
            f"{what} is {size:,} bytes; WeCom takes at most {MAX_MESSAGE_BYTES:,} "
            "- shorten it or split it into two steps",
        )
        return False
    return True


def read_content(raw: LineMapping, name: str, ctx: StepContext) -> dict | None:
    kinds = [kind for kind in CONTENT_KINDS if kind in raw]
    text = raw.get("text")
    if not kinds and text is None:
        ctx.error(
            raw.line,
            f"{name} has no content; add text or a material id (image, link, miniprogram "
            "or library)",
        )
        return None
    if len(kinds) > 1:
        ctx.error(raw.line_of(kinds[1]), f"{name} has both {kinds[0]} and {kinds[1]}; keep one")
        return None
    if text is not None and not check_text(text, raw.line_of("text"), f"{name} text", ctx):
        return None
    if not kinds:
        return {"msgtype": "text", "text": text}
    kind = kinds[0]
    value = raw[kind]
    line = raw.line_of(kind)
    if kind == "library":
        if text is not None:
            ctx.error(
                raw.line_of("text"), f"{name} a library snippet has its own text; remove text"
            )
        if value not in ctx.library:
            ctx.error(
                line,
                f"{name} library {value!r} is not in sop_templates/library.yaml; "
                f"{suggest(value, sorted(ctx.library))}",
            )
        return {"msgtype": "library", "ref": value}
    content = {"msgtype": kind, **_attachment(kind, value, line, name, ctx)}
    if text is not None:
        content["text"] = text
    return content


def _attachment(kind: str, value: Any, line: int, name: str, ctx: StepContext) -> dict:
    if kind == "image":
        if not isinstance(value, str) or not value.strip():
            ctx.error(line, f"{name} image must be a material id, e.g. image: poster_salon_2026")
        return {"media": value}
    required = {"link": ("title", "url"), "miniprogram": ("title", "appid", "page")}[kind]
    optional = ("desc",) if kind == "link" else ()
    if not isinstance(value, LineMapping):
        ctx.error(line, f"{name} {kind} needs {', '.join(required)}")
        return {}
    for key in required:
        if not isinstance(value.get(key), str) or not value[key].strip():
            ctx.error(value.line_of(key), f"{name} {kind} has no {key}; add {key}: …")
    for key in value:
        if key not in required + optional:
            ctx.error(value.line_of(key), f"{name} {kind} has unknown key {key!r}; remove it")
    url = value.get("url")
    if kind == "link" and isinstance(url, str) and url.strip():
        problem = web_link_problem(url, "url")
        if problem:
            ctx.error(value.line_of("url"), f"{name} link {problem}")
    appid = value.get("appid")
    if kind == "miniprogram" and isinstance(appid, str) and not appid.startswith("wx"):
        ctx.error(value.line_of("appid"), f"{name} miniprogram appid starts with wx (wx1234…)")
    return {key: value[key] for key in required + optional if key in value}
