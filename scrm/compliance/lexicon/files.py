"""Reading the lexicon files compliance officers edit: one TSV per category of terms, and
TSV allow-lists under ``allowlist/``. The format is described in ``sensitive_words/README.md``.

Parsing collects every problem instead of stopping at the first, so an officer fixes a file
in one round; each problem names the file and line and says what to write instead.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from scrm.compliance.vocabulary import ACTIONS, CHANNELS, AllowPhrase, Term

TERM_COLUMNS = ("term", *CHANNELS, "basis", "note")
REQUIRED_TERM_COLUMNS = ("term", *CHANNELS)
ALLOW_COLUMNS = ("phrase", "suppresses", "note")
REQUIRED_ALLOW_COLUMNS = ("phrase", "suppresses")
ALLOW_DIR = "allowlist"
#: One character matches inside far too many innocent words (我的, 你在干嘛 …).
MIN_TERM_CHARS = 2
#: Beyond this a "term" is a sentence; nobody types it verbatim, so it would never match.
MAX_TERM_CHARS = 100
NOTHING = ("-", "")  # a suppresses cell meaning "suppresses no term: a disclosure context"
_SEPARATORS = str.maketrans({"，": ",", "、": ",", ";": ",", "；": ","})


@dataclass
class Problems:
    """Every bad entry found, as ``file line N: what is wrong; what to write instead``."""

    items: list[str] = field(default_factory=list)

    def add(self, where: str, what: str) -> None:
        self.items.append(f"{where}: {what}")


def term_key(text: str) -> str:
    """How two spellings of a term are recognised as the same entry (width, case, spaces)."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def tidy(cell: str) -> str | None:
    """A free-text cell with runs of whitespace collapsed; None when empty."""
    text = " ".join(cell.split())
    return text or None


def lexicon_files(directory: Path) -> tuple[list[Path], list[Path]]:
    """The term files and allow-list files in ``directory``, in a stable order."""
    terms = sorted(p for p in directory.glob("*.tsv") if p.is_file())
    allow_dir = directory / ALLOW_DIR
    allow = sorted(p for p in allow_dir.glob("*.tsv") if p.is_file()) if allow_dir.is_dir() else []
    return terms, allow


def _lines(path: Path, label: str, problems: Problems) -> list[tuple[int, str]] | None:
    """``(line number, text)`` for every line that is not blank or a comment."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.add(label, "saved as UTF-16; save the file as UTF-8 (Excel: “CSV UTF-8”)")
        return None
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # the BOM Excel writes
    rows, ok = [], True
    for number, chunk in enumerate(raw.split(b"\n"), start=1):
        try:
            text = chunk.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as exc:
            problems.add(
                f"{label} line {number}",
                f"not valid UTF-8 (byte {exc.start + 1} of the line); save the file as UTF-8",
            )
            ok = False
            continue
        if text.strip() and not text.lstrip().startswith("#"):
            rows.append((number, text))
    return rows if ok else None


def _header(
    label: str,
    rows: list[tuple[int, str]],
    known: tuple[str, ...],
    required: tuple[str, ...],
    problems: Problems,
) -> list[str] | None:
    if not rows:
        problems.add(label, f"no header line; start with: {chr(9).join(known)}")
        return None
    number, text = rows.pop(0)
    names = [c.strip().lower() for c in text.split("\t")]
    where = f"{label} line {number}"
    bad = [n for n in names if n not in known]
    for name in bad:
        hint = f"channels are {', '.join(CHANNELS)}; " if "term" in known else ""
        problems.add(where, f"unknown column {name!r}; {hint}columns are {', '.join(known)}")
    missing = [n for n in required if n not in names]
    if missing:
        problems.add(
            where,
            f"the header lacks {', '.join(missing)}; write the header as "
            f"{chr(9).join(known)} separated by tabs",
        )
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        problems.add(where, f"column {', '.join(sorted(duplicated))} appears twice; keep one")
    return None if bad or missing or duplicated else names


def _cells(
    where: str, text: str, header: list[str], required: tuple[str, ...], problems: Problems
) -> dict[str, str] | None:
    cells = text.split("\t")
    least = max(header.index(n) for n in required) + 1
    if not least <= len(cells) <= len(header):
        problems.add(
            where,
            f"{len(cells)} columns, expected {least} to {len(header)} "
            f"({', '.join(header)}); separate columns with one tab, not spaces",
        )
        return None
    return {name: cells[i].strip() if i < len(cells) else "" for i, name in enumerate(header)}


def _term_problem(term: str) -> str | None:
    if not term:
        return "empty term; write the word or phrase to catch, or delete the line"
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in term):
        return "the term contains an invisible control character; retype it"
    if len(term) < MIN_TERM_CHARS:
        return (
            f"single-character term {term!r} would match inside countless innocent words; "
            "write the word or phrase it belongs to"
        )
    if len(term) > MAX_TERM_CHARS:
        return (
            f"the term is {len(term)} characters, at most {MAX_TERM_CHARS}; "
            "write the short phrase that carries the meaning"
        )
    return None


def parse_term_file(path: Path, label: str, problems: Problems) -> tuple[str, list[Term]]:
    """The category and terms of one term file; problems are collected, not raised."""
    rows = _lines(path, label, problems)
    category = path.stem
    if rows is None:
        return category, []
    if rows and rows[0][1].split("\t")[0].strip().lower() == "category":
        number, text = rows.pop(0)
        parts = [c.strip() for c in text.split("\t")]
        if len(parts) < 2 or not parts[1]:
            problems.add(
                f"{label} line {number}",
                "the category line has no name; write: category<TAB>承诺收益/保本",
            )
        else:
            category = parts[1]
    header = _header(label, rows, TERM_COLUMNS, REQUIRED_TERM_COLUMNS, problems)
    if header is None:
        return category, []
    terms = []
    for number, text in rows:
        where = f"{label} line {number}"
        cells = _cells(where, text, header, REQUIRED_TERM_COLUMNS, problems)
        if cells is None:
            continue
        problem = _term_problem(cells["term"])
        if problem:
            problems.add(where, problem)
        actions, good = {}, problem is None
        for channel in CHANNELS:
            action = cells[channel].lower()
            if action not in ACTIONS:
                shown = repr(cells[channel]) if cells[channel] else "nothing"
                problems.add(
                    where,
                    f"{shown} in column {channel} is not an action; write block, warn or flag",
                )
                good = False
            actions[channel] = action
        if good:
            terms.append(
                Term(
                    term=cells["term"],
                    category=category,
                    actions=actions,
                    basis=tidy(cells.get("basis", "")),
                    note=tidy(cells.get("note", "")),
                    source=f"{label}:{number}",
                )
            )
    return category, terms


def parse_allow_file(path: Path, label: str, problems: Problems) -> list[AllowPhrase]:
    """The allow phrases of one allow-list file; problems are collected, not raised."""
    rows = _lines(path, label, problems)
    if rows is None:
        return []
    header = _header(label, rows, ALLOW_COLUMNS, REQUIRED_ALLOW_COLUMNS, problems)
    if header is None:
        return []
    phrases = []
    for number, text in rows:
        where = f"{label} line {number}"
        cells = _cells(where, text, header, REQUIRED_ALLOW_COLUMNS, problems)
        if cells is None:
            continue
        phrase = cells["phrase"]
        if not phrase:
            problems.add(where, "empty phrase; write the compliant phrase, or delete the line")
            continue
        listed = cells["suppresses"].translate(_SEPARATORS)
        suppresses = (
            ()
            if listed.strip() in NOTHING
            else tuple(dict.fromkeys(s.strip() for s in listed.split(",") if s.strip()))
        )
        phrases.append(AllowPhrase(phrase, suppresses, tidy(cells["note"]), f"{label}:{number}"))
    return phrases
