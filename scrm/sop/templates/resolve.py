"""Resolve read templates: check roles and steps, and merge a branch variant into its parent.

A branch variant (分行特色) inherits every step of the template it extends, may add steps,
change or ``remove`` unlocked ones, and must keep HQ-locked steps exactly as HQ wrote them
(总行统领). An inherited step keeps the key of the template that wrote it, so the lineage of
every step stays visible in the tasks it creates.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from scrm.sop.templates.schema import normalise_step
from scrm.sop.templates.yaml_lines import LineList, LineMapping, Problem, StepContext


@dataclass
class Template:
    """One validated template version, steps normalised and a variant's parent merged in."""

    name: str
    version: int
    title: str
    roles: list[str]
    steps: list[dict]
    extends: str | None = None  # "<parent name>@<version>" for a branch variant
    branch: int | None = None  # the branch's department id, for a variant
    source_file: str = ""
    lines: dict[str, int] = field(default_factory=dict)  # where name/version/branch are

    @property
    def locked_steps(self) -> list[str]:
        """Keys of the steps a variant must keep as they are."""
        return [step["key"] for step in self.steps if step["locked"]]

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def content_hash(self) -> str:
        """sha256 of everything that defines this version (publishing it again is a no-op)."""
        payload = {
            "name": self.name,
            "version": self.version,
            "title": self.title,
            "roles": self.roles,
            "steps": self.steps,
            "extends": self.extends,
            "branch": self.branch,
        }
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class Draft:
    """One template file as read, before its parent is known."""

    source: str
    doc: LineMapping
    name: str
    version: int
    extends: tuple[str, int] | None


class Resolver:
    """Resolves drafts to templates, each once, parents first; finds missing parents and loops."""

    def __init__(self, drafts, published, library, problems) -> None:
        self.drafts: dict[str, Draft] = drafts
        self.published: Mapping[tuple[str, int], Template] = published
        self.library: set[str] = library
        self.problems: list[Problem] = problems
        self.done: dict[str, Template | None] = {}
        self.order: list[Template] = []

    def resolve(self, draft: Draft, chain: tuple[str, ...]) -> Template | None:
        if draft.name in self.done:
            return self.done[draft.name]
        parent = None
        if draft.extends is not None:
            parent = self._parent(draft, chain)
            if parent is None:
                self.done[draft.name] = None
                return None
        template = build(draft, parent, self.library, self.problems)
        self.done[draft.name] = template
        if template is not None:
            self.order.append(template)
        return template

    def _parent(self, draft: Draft, chain: tuple[str, ...]) -> Template | None:
        name, version = draft.extends
        line = draft.doc.line_of("extends")
        label = f"{name}@{version}"
        if name == draft.name:
            self._error(draft, line, f"extends itself ({label}); extend an HQ template instead")
            return None
        if (name, version) in self.published:
            return self.published[(name, version)]
        other = self.drafts.get(name)
        if other is not None and name in chain + (draft.name,):
            loop = " → ".join((*chain, draft.name, name))
            self._error(
                draft, line, f"extends chain loops ({loop}); a variant must end at an HQ template"
            )
            return None
        if other is None or other.version != version:
            versions = sorted(v for n, v in self.published if n == name)
            if other is not None:
                versions.append(other.version)
            hint = f"write extends: {name}@{max(versions)}" if versions else "publish it first"
            self._error(
                draft,
                line,
                f"extends {label}, which is neither in the folder nor published; {hint}",
            )
            return None
        parent = self.resolve(other, (*chain, draft.name))
        if parent is None:
            self._error(draft, line, f"extends {label}, which has errors; fix {other.source} first")
        return parent

    def _error(self, draft: Draft, line: int, message: str) -> None:
        self.problems.append(Problem(draft.source, line, message))


def build(draft: Draft, parent: Template | None, library: set[str], problems: list[Problem]):
    doc, source = draft.doc, draft.source
    before = len(problems)
    roles = _roles(doc, source, problems, required=parent is None)
    if parent is not None:
        roles = parent.roles + [role for role in roles if role not in parent.roles]
    ctx = StepContext(source, draft.name, roles, library, problems)
    raw_steps = doc.get("steps", LineList(doc.line) if parent else None)
    if not isinstance(raw_steps, LineList) or (parent is None and not raw_steps):
        ctx.error(
            doc.line_of("steps"), "steps must be a list of steps; see sop_templates/README.md"
        )
        return None
    own, seen = [], {}
    for raw, line in zip(raw_steps, raw_steps.item_lines, strict=True):
        step = normalise_step(raw, line, ctx)
        step_id = raw.get("id") if isinstance(raw, LineMapping) else None
        if isinstance(step_id, str) and step_id in seen:
            ctx.error(
                line,
                f'step id "{step_id}" is used twice (first at line {seen[step_id]}); '
                "give each step its own id",
            )
        elif isinstance(step_id, str):
            seen[step_id] = line
        if step is not None:
            own.append((step, line))
    steps = _merge(draft, parent, own, ctx) if parent is not None else [s for s, _ in own]
    if len(problems) > before:
        return None
    return Template(
        name=draft.name,
        version=draft.version,
        title=doc["title"],
        roles=roles,
        steps=steps,
        extends=f"{parent.name}@{parent.version}" if parent else None,
        branch=doc.get("branch"),
        source_file=source,
        lines={key: doc.line_of(key) for key in ("name", "version", "branch", "extends")},
    )


def _roles(doc: LineMapping, source: str, problems: list[Problem], required: bool) -> list[str]:
    roles = doc.get("roles", None if required else [])
    if not isinstance(roles, list) or (required and not roles):
        problems.append(
            Problem(
                source,
                doc.line_of("roles"),
                "roles must list the group roles the steps use; write e.g. roles: [群主, 理财经理]",
            )
        )
        return []
    for role in roles:
        if not isinstance(role, str) or not role.strip():
            problems.append(Problem(source, doc.line_of("roles"), f"role {role!r} is not a name"))
    return [role for role in dict.fromkeys(roles) if isinstance(role, str)]


def _merge(draft: Draft, parent: Template, own: list, ctx: StepContext) -> list[dict]:
    """The parent's steps with this variant's changes and removals, then its new steps."""
    doc = draft.doc
    remove = doc.get("remove", [])
    if not isinstance(remove, list):
        ctx.error(doc.line_of("remove"), "remove must list step ids, e.g. remove: [day5_survey]")
        remove = []
    parent_steps = {step["id"]: step for step in parent.steps}
    for step_id in remove:
        if step_id not in parent_steps:
            ctx.error(
                doc.line_of("remove"),
                f'remove names step "{step_id}", which {parent.label} does not have; take it out',
            )
        elif parent_steps[step_id]["locked"]:
            ctx.error(
                doc.line_of("remove"),
                f'step "{step_id}" is locked by HQ in {parent.label} and cannot be removed; '
                "take it out of remove",
            )
    overrides = {step["id"]: (step, line) for step, line in own}
    merged = []
    for inherited in parent.steps:
        step, line = overrides.pop(inherited["id"], (None, 0))
        if (
            step is not None
            and inherited["locked"]
            and _without_key(step) != _without_key(inherited)
        ):
            ctx.error(
                line,
                f'step "{step["id"]}" is locked by HQ in {parent.label} and cannot be changed; '
                "delete it from this file to keep HQ's version",
            )
        if inherited["id"] in remove:
            if step is not None:
                ctx.error(line, f'step "{step["id"]}" is both removed and redefined; keep one')
            continue
        if step is None or inherited["locked"]:
            merged.append(inherited)
        else:
            merged.append(step)
    return merged + [step for step, _ in overrides.values()]


def _without_key(step: dict) -> dict:
    return {name: value for name, value in step.items() if name != "key"}
