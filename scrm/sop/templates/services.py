"""Publish SOP templates: each valid, changed file becomes a new ``SopTemplate`` version.

An invalid template never replaces a valid one: a file with problems is skipped and
reported, and the version published before stays current (the highest version is current).
Publishing an unchanged file is a no-op. Changed content needs a new ``version`` written by
its author, so a version number always means one content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from scrm.db import db
from scrm.directory.models import Department
from scrm.sop.models import SopTemplate
from scrm.sop.templates.loader import Catalogue, Template, template_directory, validate_templates
from scrm.sop.templates.yaml_lines import Problem


@dataclass
class Review:
    """A folder checked against what is published: what would be new, what is unchanged."""

    new: list[Template] = field(default_factory=list)
    unchanged: list[Template] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def failed_files(self) -> list[str]:
        return sorted({problem.source for problem in self.problems})


def published_templates() -> dict[tuple[str, int], Template]:
    """Every published version by (name, version), as a :class:`Template`."""
    rows = db.session.scalars(select(SopTemplate).order_by(SopTemplate.id)).all()
    by_id = {row.id: row for row in rows}
    result = {}
    for row in rows:
        parent = by_id.get(row.parent_id) if row.parent_id else None
        result[(row.name, row.version)] = Template(
            name=row.name,
            version=row.version,
            title=row.title,
            roles=list(row.roles),
            steps=list(row.steps),
            extends=f"{parent.name}@{parent.version}" if parent else None,
            branch=row.branch_department_id,
            source_file=row.source_file,
        )
    return result


def review_templates(directory: Path | None = None) -> Review:
    """Validate the template folder and compare each template with its published versions.

    :param directory: defaults to :func:`scrm.sop.templates.loader.template_directory`.
    """
    published = published_templates()
    catalogue: Catalogue = validate_templates(directory or template_directory(), published)
    review = Review(problems=list(catalogue.problems))
    latest: dict[str, int] = {}
    for name, version in published:
        latest[name] = max(version, latest.get(name, 0))
    rejected: set[str] = set()
    for template in catalogue.templates:
        where, problem = _review_one(template, published, latest, rejected)
        if problem is not None:
            review.problems.append(Problem(template.source_file, template.lines[where], problem))
            if (template.name, template.version) not in published:
                rejected.add(template.label)  # its variants have no parent row to point at
        elif (template.name, template.version) in published:
            review.unchanged.append(template)
        else:
            review.new.append(template)
    review.problems.sort()
    return review


def _review_one(
    template: Template, published: dict, latest: dict[str, int], rejected: set[str]
) -> tuple[str, str | None]:
    """The key to point at and what is wrong, or ``(…, None)`` when it may be published."""
    current = latest.get(template.name)
    same = published.get((template.name, template.version))
    if current is not None and template.version < current:
        return "version", (
            f"version {template.version} is older than the published version {current}; "
            f"write version: {current + 1}"
        )
    if same is not None and same.content_hash != template.content_hash:
        return "version", (
            f"content changed but version is still {template.version}; "
            f"write version: {template.version + 1}"
        )
    if template.extends in rejected:
        return "extends", f"extends {template.extends}, which cannot be published (see above)"
    if template.branch is not None and db.session.get(Department, template.branch) is None:
        return "branch", (
            f"branch {template.branch} is not a known department; run "
            "`flask --app app scrm sync` or write the branch's department id"
        )
    return "version", None


def publish_templates(directory: Path | None = None, published_by: str | None = None) -> Review:
    """Publish every valid new template version; skip and report files with problems.

    Flushes the new ``SopTemplate`` rows; the caller commits.

    :param directory: defaults to :func:`scrm.sop.templates.loader.template_directory`.
    :param published_by: the WeCom userid of who published (HQ ops), for the record.
    :return: the review: what was published (``new``), left as it was, and every problem.
    """
    review = review_templates(directory)
    for template in review.new:  # parents come before their variants
        parent_id = None
        if template.extends:
            name, version = template.extends.split("@")
            parent_id = db.session.scalars(
                select(SopTemplate.id).filter_by(name=name, version=int(version))
            ).one()
        db.session.add(
            SopTemplate(
                name=template.name,
                version=template.version,
                title=template.title,
                roles=template.roles,
                steps=template.steps,
                locked_steps=template.locked_steps,
                parent_id=parent_id,
                branch_department_id=template.branch,
                source_file=template.source_file,
                content_hash=template.content_hash,
                published_by=published_by,
            )
        )
        db.session.flush()
    return review


def list_published() -> list[SopTemplate]:
    """Every published version, by name then version."""
    query = select(SopTemplate).order_by(SopTemplate.name, SopTemplate.version)
    return list(db.session.scalars(query))
