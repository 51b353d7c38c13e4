"""Lexicon versions and their differences (词库版本比对).

The lexicon lives in ``sensitive_words/`` and its version is the sha256 of its content
(:func:`scrm.compliance.lexicon.active.lexicon_version`), so old versions exist nowhere but in the
files' history. scrm records the content of every version it sees as active in
``lexicon_snapshot`` — when the lexicon API is read, and every few minutes on the clock — so
any two recorded versions can be compared after the files have moved on.
"""

from __future__ import annotations

from sqlalchemy import select

from scrm.compliance.lexicon.active import current_lexicon
from scrm.compliance.lexicon.files import term_key
from scrm.compliance.lexicon.models import LexiconSnapshot
from scrm.compliance.vocabulary import CHANNELS, Lexicon
from scrm.db import db, insert_unless_present, utcnow
from scrm.errors import ScrmError

MIN_PREFIX = 6


def lexicon_content(lexicon: Lexicon) -> dict:
    """The lexicon's content as JSON: every term with its actions per channel, basis and note,
    and every allow phrase with the terms it suppresses, each sorted."""
    terms = [
        {
            "term": t.term,
            "category": t.category,
            "actions": {c: t.actions[c] for c in CHANNELS},
            "basis": t.basis,
            "note": t.note,
        }
        for t in sorted(lexicon.terms, key=lambda t: (t.category, t.term))
    ]
    allow = [
        {"phrase": a.phrase, "suppresses": sorted(a.suppresses), "note": a.note}
        for a in sorted(lexicon.allow, key=lambda a: a.phrase)
    ]
    return {"terms": terms, "allow": allow}


def record_lexicon_version(lexicon: Lexicon) -> None:
    """Keep this version's content, once (a version already kept is left alone; reading
    first spares the web process a write lock on every lexicon request)."""
    if db.session.get(LexiconSnapshot, lexicon.version) is not None:
        return
    statement = insert_unless_present(
        LexiconSnapshot.__table__, ["version"], dialect=db.engine.dialect.name
    )
    db.session.execute(
        statement,
        {
            "version": lexicon.version,
            "content": lexicon_content(lexicon),
            "terms": len(lexicon.terms),
            "allow_phrases": len(lexicon.allow),
            "first_seen_at": utcnow(),
        },
    )


def snapshot_active_lexicon() -> str:
    """Clock job: record the active lexicon's version (the clock commits). Returns the
    version."""
    lexicon = current_lexicon()
    record_lexicon_version(lexicon)
    return lexicon.version


def list_lexicon_versions() -> list[LexiconSnapshot]:
    """Every recorded version, newest first."""
    return list(
        db.session.scalars(select(LexiconSnapshot).order_by(LexiconSnapshot.first_seen_at.desc()))
    )


def find_lexicon_version(version: str | None, name: str = "version") -> LexiconSnapshot:
    """A recorded version by its sha256 or a unique prefix of at least 6 characters.

    :raise ScrmError: 400 for a missing or short value or an ambiguous prefix; 404 for a
        version never recorded.
    """
    value = (version or "").strip().lower()
    if len(value) < MIN_PREFIX:
        raise ScrmError(
            f'"{name}" must be a lexicon version (its sha256, or the first {MIN_PREFIX}+ '
            "characters); see GET /api/lexicon/versions"
        )
    found = list(
        db.session.scalars(
            select(LexiconSnapshot).where(LexiconSnapshot.version.startswith(value)).limit(2)
        )
    )
    if len(found) > 1:
        raise ScrmError(f'"{name}" {value!r} matches several versions; give more characters')
    if not found:
        raise ScrmError(
            f"lexicon version {value!r} was never recorded by scrm; see GET /api/lexicon/versions",
            status_code=404,
        )
    return found[0]


def _changes(old: list[dict], new: list[dict], key: str) -> dict:
    before = {term_key(item[key]): item for item in old}
    after = {term_key(item[key]): item for item in new}
    changed = []
    for k in sorted(before.keys() & after.keys()):
        was, now = before[k], after[k]
        fields = sorted(f for f in was.keys() | now.keys() if was.get(f) != now.get(f))
        if fields:
            changed.append({key: now[key], "fields": fields, "from": was, "to": now})
    return {
        "added": [after[k] for k in sorted(after.keys() - before.keys())],
        "removed": [before[k] for k in sorted(before.keys() - after.keys())],
        "changed": changed,
    }


def diff_lexicon_versions(old: LexiconSnapshot, new: LexiconSnapshot) -> dict:
    """What changed from ``old`` to ``new``: terms and allow phrases added, removed and
    changed (a change lists its fields, e.g. ``actions``, ``category``, ``suppresses``)."""
    terms = _changes(old.content["terms"], new.content["terms"], "term")
    allow = _changes(old.content["allow"], new.content["allow"], "phrase")
    return {
        "from": old.version,
        "to": new.version,
        "terms": terms,
        "allow": allow,
        "same": not any(terms.values()) and not any(allow.values()),
    }
