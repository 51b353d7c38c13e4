"""The active lexicon: load and validate ``sensitive_words/``, version it, and hot-reload it.

Every process (web, worker, CLI) holds one validated :class:`~scrm.compliance.vocabulary.Lexicon`
per directory. :func:`current_lexicon` looks at the files' mtimes and sizes at most every
``LEXICON_RELOAD_SECONDS`` and reloads when they changed, so an officer's edit reaches running
processes without a restart. A broken edit is logged with file and line and the previous
lexicon stays active: a process is never left without one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, has_app_context

from scrm import config as defaults
from scrm.compliance.lexicon.files import (
    Problems,
    lexicon_files,
    parse_allow_file,
    parse_term_file,
    term_key,
)
from scrm.compliance.vocabulary import CHANNELS, AllowPhrase, Lexicon, Term

log = logging.getLogger(__name__)

#: Relative LEXICON_DIR values are taken from here: the checkout holding the scrm package
#: (installed in editable mode), so ``sensitive_words`` means the repo's own folder.
PROJECT_ROOT = Path(__file__).resolve().parents[3]


class LexiconError(ValueError):
    """The lexicon files are invalid. ``problems`` lists every bad entry with file and line."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the lexicon:\n" + "\n".join(problems)
        )


def load_lexicon(directory: str | Path) -> Lexicon:
    """Read, validate and version every lexicon file in ``directory``.

    :param directory: holds ``<category>.tsv`` term files and ``allowlist/*.tsv``.
    :raise LexiconError: listing every bad entry as ``<dir>/<file> line N: what; fix``.
    """
    directory = Path(directory)
    problems = Problems()
    if not directory.is_dir():
        raise LexiconError([f"{directory}: no such folder; set LEXICON_DIR to the lexicon folder"])
    term_paths, allow_paths = lexicon_files(directory)
    if not term_paths:
        raise LexiconError(
            [
                f"{directory}: no term files; add <category>.tsv files "
                "(sensitive_words/README.md explains the format)"
            ]
        )
    categories: list[str] = []
    terms: list[Term] = []
    for path in term_paths:
        category, found = parse_term_file(path, _label(directory, path), problems)
        categories.append(category)
        terms.extend(found)
    allow: list[AllowPhrase] = []
    for path in allow_paths:
        allow.extend(parse_allow_file(path, _label(directory, path), problems))
    terms = _unique_terms(terms, problems)
    allow = _checked_allow(allow, {term_key(t.term) for t in terms}, problems)
    if problems.items:
        raise LexiconError(problems.items)
    return Lexicon(
        version=lexicon_version(terms, allow),
        terms=tuple(terms),
        allow=tuple(allow),
        categories=tuple(dict.fromkeys(categories)),
    )


def lexicon_version(terms: list[Term] | tuple[Term, ...], allow) -> str:
    """sha256 of the lexicon's content, sorted and normalised: file names, line order,
    comments and whitespace do not count; any change to a term, action, category, basis, note
    or allow phrase does."""
    canonical = {
        "terms": sorted(
            [t.term, t.category, [t.actions[c] for c in CHANNELS], t.basis or "", t.note or ""]
            for t in terms
        ),
        "allow": sorted([a.phrase, sorted(a.suppresses), a.note or ""] for a in allow),
    }
    blob = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _label(directory: Path, path: Path) -> str:
    return f"{directory.name}/{path.relative_to(directory).as_posix()}"


def _where(source: str) -> str:
    label, _, line = source.rpartition(":")
    return f"{label} line {line}"


def _unique_terms(terms: list[Term], problems: Problems) -> list[Term]:
    """Drop exact repeats; a term given two different actions or categories is an error."""
    seen: dict[str, Term] = {}
    unique = []
    for term in terms:
        key = term_key(term.term)
        first = seen.get(key)
        if first is None:
            seen[key] = term
            unique.append(term)
        elif (first.actions, first.category) != (term.actions, term.category):
            problems.add(
                _where(term.source),
                f"{term.term!r} is already defined at {_where(first.source)} as "
                f"{'/'.join(first.actions[c] for c in CHANNELS)} in {first.category}; "
                "keep one line with the actions you mean",
            )
    return unique


def _checked_allow(
    allow: list[AllowPhrase], term_keys: set[str], problems: Problems
) -> list[AllowPhrase]:
    seen: dict[str, AllowPhrase] = {}
    kept = []
    for phrase in allow:
        where = _where(phrase.source)
        good = True
        for word in phrase.suppresses:
            if term_key(word) not in term_keys:
                problems.add(
                    where,
                    f"suppresses {word!r}, which is not a term of the lexicon; name a term "
                    "from the term files, or write - for a disclosure that suppresses nothing",
                )
                good = False
            elif term_key(word) not in term_key(phrase.phrase):
                problems.add(
                    where,
                    f"{phrase.phrase!r} does not contain {word!r}, so it can never suppress "
                    f"it; write a phrase that contains {word!r}, or remove {word!r} from "
                    "suppresses",
                )
                good = False
        first = seen.get(term_key(phrase.phrase))
        if first is not None:
            if set(first.suppresses) != set(phrase.suppresses):
                problems.add(
                    where,
                    f"{phrase.phrase!r} is already listed at {_where(first.source)} with other "
                    "suppressed terms; keep one line",
                )
            continue
        if good:
            seen[term_key(phrase.phrase)] = phrase
            kept.append(phrase)
    return kept


# ---- the active lexicon of this process ---------------------------------------------


@dataclass
class _Active:
    lexicon: Lexicon
    fingerprint: tuple
    checked_at: float
    rejected: tuple | None = None  # files that failed to load: not re-read until they change


_lock = threading.Lock()
_active: dict[Path, _Active] = {}


def lexicon_directory() -> Path:
    """The lexicon folder this process uses: ``LEXICON_DIR``, relative to the project root."""
    value = current_app.config["LEXICON_DIR"] if has_app_context() else defaults.LEXICON_DIR
    path = Path(value).expanduser()
    return (path if path.is_absolute() else PROJECT_ROOT / path).resolve()


def _reload_seconds() -> float:
    if has_app_context():
        return float(current_app.config["LEXICON_RELOAD_SECONDS"])
    return float(defaults.LEXICON_RELOAD_SECONDS)


def _fingerprint(directory: Path) -> tuple:
    """Cheap change detection: every lexicon file's name, inode, mtime and size (the inode
    catches editors that save by renaming a new file over the old one)."""
    term_paths, allow_paths = lexicon_files(directory) if directory.is_dir() else ([], [])
    entries = []
    for path in term_paths + allow_paths:
        try:
            stat = path.stat()
        except FileNotFoundError:  # deleted between listing and stat
            continue
        name = path.relative_to(directory).as_posix()
        entries.append((name, stat.st_ino, stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


def current_lexicon(directory: str | Path | None = None) -> Lexicon:
    """The active lexicon, reloaded when its files changed (checked at most every
    ``LEXICON_RELOAD_SECONDS``). Thread-safe.

    :param directory: defaults to :func:`lexicon_directory`.
    :raise LexiconError: only on the first load in this process, when there is nothing to keep.
    """
    directory = Path(directory).resolve() if directory else lexicon_directory()
    now = time.monotonic()
    with _lock:
        state = _active.get(directory)
        if state is None:
            return _install(directory, now).lexicon
        if now - state.checked_at < _reload_seconds():
            return state.lexicon
        state.checked_at = now
        fingerprint = _fingerprint(directory)
        if fingerprint in (state.fingerprint, state.rejected):
            return state.lexicon
        try:
            return _install(directory, now, fingerprint).lexicon
        except LexiconError as exc:
            state.rejected = fingerprint
            log.error(
                "lexicon %s changed but is invalid; version %s stays active. %s",
                directory,
                state.lexicon.version[:12],
                exc,
            )
            return state.lexicon


def reload_lexicon(directory: str | Path | None = None) -> Lexicon:
    """Load the files now, whatever the fingerprint says, and make them active.

    :raise LexiconError: when the files are invalid; the previous lexicon stays active.
    """
    directory = Path(directory).resolve() if directory else lexicon_directory()
    with _lock:
        return _install(directory, time.monotonic()).lexicon


def _install(directory: Path, now: float, fingerprint: tuple | None = None) -> _Active:
    # Fingerprint before reading: an edit landing mid-read then shows up as a change next time.
    fingerprint = _fingerprint(directory) if fingerprint is None else fingerprint
    lexicon = load_lexicon(directory)
    previous = _active.get(directory)
    state = _active[directory] = _Active(lexicon, fingerprint, now)
    if previous is None or previous.lexicon.version != lexicon.version:
        log.info(
            "lexicon %s: version %s active (%d terms, %d allow phrases)",
            directory,
            lexicon.version[:12],
            len(lexicon.terms),
            len(lexicon.allow),
        )
    return state
