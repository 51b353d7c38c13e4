"""The script library (话术库) and materials (素材): categories, HQ ops' edits, and the RM's
word search.

Search cuts title + body into jieba words folded the way the archive index folds them
(traditional → simplified, full-width → half-width, casefold), so 保險 finds 保险 and ＥＴＦ
finds ETF. Every word of the query must be found; a word the dictionary does not know still
matches as a substring, so a partial word is never a dead end. The library is small (hundreds
of scripts), so it is ranked in memory: title hits first, then the category's order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from scrm.archive.search.tokens import fold, index_text, words
from scrm.db import db, utcnow
from scrm.errors import ScrmError
from scrm.link_safety import web_link_problem
from scrm.sidebar.models import MATERIAL_KINDS, SidebarMaterial, SidebarScript

TITLE_MAX, BODY_MAX, CATEGORY_MAX, KEY_MAX = 64, 2000, 32, 64

#: What each material kind must carry in ``content`` (sendChatMessage's fields).
MATERIAL_FIELDS = {
    "image": ("mediaid",),
    "link": ("link", "title"),
    "miniprogram": ("appid", "title", "page"),
    "file": (),  # a mediaid to send, or a url to open
}
#: Content fields holding an address a browser opens or WeCom fetches: web addresses only.
LINK_FIELDS = ("link", "imgUrl", "url")


def _text(data: Mapping[str, Any], name: str, limit: int, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ScrmError(f'"{name}" is missing or blank; give it as text')
    value = value.strip()
    if len(value) > limit:
        raise ScrmError(f'"{name}" has {len(value)} characters; keep it to {limit}')
    return value


def save_script(data: Mapping[str, Any], *, by: str, script: SidebarScript | None = None):
    """Create a script, or change ``script``, from ``data`` (key, category, title, body,
    product_name, material_key, order, active); flushes.

    :param by: the userid of the HQ operator making the change.
    :raise ScrmError: a missing or over-long field, a key already taken, an unknown material.
    """
    if script is None:
        key = _text(data, "key", KEY_MAX)
        if db.session.scalar(select(SidebarScript.id).where(SidebarScript.key == key)):
            raise ScrmError(
                f'a script with key "{key}" exists; edit it or pick another key', status_code=409
            )
        script = SidebarScript(key=key, created_at=utcnow())
        db.session.add(script)
    merged = {
        "category": script.category,
        "title": script.title,
        "body": script.body,
        "product_name": script.product_name,
        "material_key": script.material_key,
    } | {k: v for k, v in data.items() if k != "key"}
    script.category = _text(merged, "category", CATEGORY_MAX)
    script.title = _text(merged, "title", TITLE_MAX)
    script.body = _text(merged, "body", BODY_MAX)
    script.product_name = _text(merged, "product_name", 64, required=False)
    material = _text(merged, "material_key", KEY_MAX, required=False)
    if material and find_material(material) is None:
        raise ScrmError(f'no material "{material}"; add it first (POST /api/sidebar/materials)')
    script.material_key = material
    script.order = _whole(data.get("order", script.order or 0), "order")
    script.active = bool(data.get("active", True if script.active is None else script.active))
    script.search_tokens = index_text(f"{script.title} {script.body}").tokens
    script.updated_by, script.updated_at = by, utcnow()
    db.session.flush()
    return script


def save_material(data: Mapping[str, Any], *, by: str, material: SidebarMaterial | None = None):
    """Create a material, or change ``material``, from ``data`` (key, kind, category, title,
    content, active); flushes.

    :raise ScrmError: an unknown kind, content missing the kind's fields, a link that is not an
        http(s) address (:mod:`scrm.link_safety`), a key already taken.
    """
    new = material is None
    if material is None:
        key = _text(data, "key", KEY_MAX)
        if find_material(key, active_only=False) is not None:
            raise ScrmError(
                f'a material with key "{key}" exists; edit it or pick another key', status_code=409
            )
        material = SidebarMaterial(key=key, created_at=utcnow())
        db.session.add(material)
    merged = {
        "kind": material.kind,
        "category": material.category,
        "title": material.title,
        "content": material.content,
    } | dict(data)
    kind = merged.get("kind")
    if kind not in MATERIAL_KINDS:
        raise ScrmError(f'"kind" must be one of {", ".join(MATERIAL_KINDS)}')
    content = merged.get("content")
    if not isinstance(content, dict):
        raise ScrmError(f'"content" must be an object with {", ".join(MATERIAL_FIELDS[kind])}')
    missing = [f for f in MATERIAL_FIELDS[kind] if not str(content.get(f) or "").strip()]
    if kind == "file" and not (content.get("mediaid") or content.get("url")):
        missing = ["mediaid or url"]
    if missing:
        raise ScrmError(f"a {kind} material needs content.{', content.'.join(missing)}")
    if new or "content" in data:
        # Given content is checked; retiring or renaming an old row is not held up by a link
        # saved before this rule (the sidebar neither shows nor sends such a link).
        problems = link_problems(content)
        if problems:
            raise ScrmError(problems[0])
    material.kind, material.content = kind, dict(content)
    material.category = _text(merged, "category", CATEGORY_MAX)
    material.title = _text(merged, "title", TITLE_MAX)
    material.active = bool(data.get("active", True if material.active is None else material.active))
    material.updated_by, material.updated_at = by, utcnow()
    db.session.flush()
    return material


def link_problems(content: Mapping[str, Any]) -> list[str]:
    """Why each address in a material's ``content`` may not be handed out (empty: all fine)."""
    found = []
    for name in LINK_FIELDS:
        if content.get(name) not in (None, ""):
            problem = web_link_problem(content[name], f"content.{name}")
            if problem:
                found.append(problem)
    return found


def find_material(key: str, *, active_only: bool = True) -> SidebarMaterial | None:
    """The material with ``key`` (active ones only unless told)."""
    query = select(SidebarMaterial).where(SidebarMaterial.key == key)
    if active_only:
        query = query.where(SidebarMaterial.active.is_(True))
    return db.session.scalar(query)


def categories() -> list[dict[str, Any]]:
    """The categories of active scripts with their counts, in library order."""
    counts: dict[str, int] = {}
    for script in _active_scripts():
        counts[script.category] = counts.get(script.category, 0) + 1
    return [{"name": name, "count": count} for name, count in counts.items()]


def search_scripts(query: str = "", category: str | None = None) -> list[SidebarScript]:
    """Active scripts matching every word of ``query`` (all of them for an empty query),
    in ``category`` when given; title hits first.

    :param query: what the RM typed, in simplified or traditional, any width.
    """
    wanted = words(query or "")
    found = []
    for script in _active_scripts():
        if category and script.category != category:
            continue
        if not wanted:
            found.append((0, script))
            continue
        tokens = set(script.search_tokens.split())
        title, body = fold(script.title), fold(script.body)
        if all(w in tokens or w in title or w in body for w in wanted):
            title_hits = sum(1 for w in wanted if w in title)
            found.append((-title_hits, script))
    found.sort(key=lambda pair: pair[0])  # stable: library order within a rank
    return [script for _, script in found]


def _active_scripts() -> list[SidebarScript]:
    # Library order: categories in the order they were first added, then each one's order.
    rows = db.session.scalars(
        select(SidebarScript)
        .where(SidebarScript.active.is_(True))
        .order_by(SidebarScript.order, SidebarScript.id)
    ).all()
    first: dict[str, int] = {}
    for row in rows:
        first[row.category] = min(first.get(row.category, row.id), row.id)
    return sorted(rows, key=lambda r: first[r.category])


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScrmError(f'"{name}" must be a whole number')
    return value
