"""SOP templates (标准群SOP) in ``sop_templates/*.yaml``: read a folder, check every file,
and report every problem with its file and line (``sop_templates/README.md`` is the format).

Steps are checked in ``templates_schema``, branch variants merged in ``templates_resolve``.
Nothing here touches the database: published versions are passed in (see ``publish``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, has_app_context

from scrm.sop.templates.content import check_text
from scrm.sop.templates.resolve import Draft, Resolver, Template
from scrm.sop.templates.yaml_lines import (
    LineMapping,
    Problem,
    StepContext,
    read_yaml,
    suggest,
    whole_number,
)

PROJECT_ROOT = Path(__file__).resolve().parents[3]
LIBRARY_FILE = "library.yaml"  # named snippets until the content library (话术库) exists
TEMPLATE_KEYS = ("name", "title", "version", "roles", "extends", "branch", "remove", "steps")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_EXTENDS = re.compile(r"^([a-z][a-z0-9_]{0,62})@([1-9][0-9]*)$")


@dataclass
class Catalogue:
    """The outcome of validating a folder: valid templates (parents first) and all problems."""

    templates: list[Template]
    problems: list[Problem]

    @property
    def failed_files(self) -> list[str]:
        return sorted({problem.source for problem in self.problems})


def template_directory() -> Path:
    """The template folder: ``SOP_TEMPLATE_DIR`` (default ``sop_templates``) from the root."""
    value = "sop_templates"
    if has_app_context():
        value = current_app.config.get("SOP_TEMPLATE_DIR", value)
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def display_path(path: Path) -> str:
    """How errors name a file: relative to the project root when inside it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def read_library(directory: Path) -> tuple[dict[str, dict], list[Problem]]:
    """The named snippets in ``<directory>/library.yaml`` (``snippets: {ref: {title, text}}``).

    :return: the valid snippets by ref, and the problems found.
    """
    path = directory / LIBRARY_FILE
    if not path.exists():
        return {}, []
    source = display_path(path)
    doc, problems = read_yaml(path, source)
    if doc is None and not problems:
        return {}, []
    snippets = doc.get("snippets") if isinstance(doc, LineMapping) else None
    if not problems and not isinstance(snippets, LineMapping):
        problems.append(Problem(source, 1, "write snippets: {ref: {title: …, text: …}}"))
    library = {}
    ctx = StepContext(source, "library", [], set(), problems)
    for ref, snippet in (snippets or {}).items():
        line = snippets.line_of(ref)
        text = snippet.get("text") if isinstance(snippet, LineMapping) else None
        if text is None:
            ctx.error(line, f"snippet {ref!r} needs text: …")
        elif check_text(text, snippet.line_of("text"), f"snippet {ref!r} text", ctx):
            library[str(ref)] = {"title": snippet.get("title", str(ref)), "text": text}
    return library, problems


def validate_templates(
    directory: Path, published: Mapping[tuple[str, int], Template] | None = None
) -> Catalogue:
    """Read and check every template file in ``directory``; collect all problems.

    :param directory: the folder of ``*.yaml`` templates and ``library.yaml``.
    :param published: versions already published, by (name, version); a variant may extend
        any of them, and they win over a file claiming the same version.
    """
    published = published or {}
    library, problems = read_library(directory)
    drafts: dict[str, Draft] = {}
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        if path.name == LIBRARY_FILE:
            continue
        draft = _read_draft(path, problems)
        if draft is None:
            continue
        if draft.name in drafts:
            problems.append(
                Problem(
                    draft.source,
                    draft.doc.line_of("name"),
                    f"template {draft.name!r} is already defined in {drafts[draft.name].source}; "
                    "give this one another name",
                )
            )
            continue
        drafts[draft.name] = draft
    resolver = Resolver(drafts, published, set(library), problems)
    for draft in drafts.values():
        resolver.resolve(draft, ())
    return Catalogue(resolver.order, sorted(set(problems)))


def _read_draft(path: Path, problems: list[Problem]) -> Draft | None:
    source = display_path(path)
    doc, found = read_yaml(path, source)
    problems.extend(found)
    if found:
        return None
    report = StepContext(source, "", [], set(), problems)
    if not isinstance(doc, LineMapping):
        report.error(1, "a template is a mapping with name, title, version, roles and steps")
        return None
    before = len(problems)
    for key in doc:
        if key not in TEMPLATE_KEYS:
            report.error(doc.line_of(key), f"unknown key {key!r}; {suggest(key, TEMPLATE_KEYS)}")
    name = doc.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        report.error(
            doc.line_of("name"),
            f"name {name!r} must be a lowercase slug; write e.g. name: wealth_salon",
        )
    if not isinstance(doc.get("title"), str) or not doc["title"].strip():
        report.error(doc.line_of("title"), "add title: the name staff see")
    version = whole_number(doc.get("version"), 1)
    if version is None:
        report.error(doc.line_of("version"), "version must be 1, 2, 3 …; write e.g. version: 1")
    extends = _read_lineage(doc, report)
    if len(problems) > before:
        return None
    return Draft(source, doc, name, version, extends)


def _read_lineage(doc: LineMapping, report: StepContext) -> tuple[str, int] | None:
    raw, branch = doc.get("extends"), doc.get("branch")
    if raw is None:
        if branch is not None:
            report.error(
                doc.line_of("branch"),
                "a branch template must extend an HQ template; add extends: <name>@<version>",
            )
        if "remove" in doc:
            report.error(
                doc.line_of("remove"),
                "remove applies only to a variant (with extends); delete the step instead",
            )
        return None
    match = _EXTENDS.match(raw) if isinstance(raw, str) else None
    if match is None:
        report.error(
            doc.line_of("extends"),
            f"extends {raw!r} must be <template name>@<version>; "
            "write e.g. extends: new_customer_welcome@1",
        )
    if whole_number(branch, 1) is None:
        report.error(
            doc.line_of("branch"),
            "a variant needs the branch's department id; write e.g. branch: 2",
        )
    return (match[1], int(match[2])) if match else None
