"""``flask --app app scrm sop …``: validate, publish and list SOP templates (标准群SOP); the
group also holds ``assign``, ``pause``, ``resume`` and ``metrics`` from the sub-packages."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from scrm.db import commits
from scrm.sop.assignments.cli import assign_command, pause_command, resume_command
from scrm.sop.metrics.cli import metrics_command

sop_cli = AppGroup("sop", help="SOP templates: validate the YAML, publish versions, list them.")
# The group is whole once this module is imported: the sub-packages' commands join it here.
for _command in (assign_command, pause_command, resume_command, metrics_command):
    sop_cli.add_command(_command)

_DIRECTORY = click.Path(exists=True, file_okay=False, path_type=Path)


def _echo_problems(problems) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


@sop_cli.command("validate")
@click.argument("directory", type=_DIRECTORY, required=False)
@with_appcontext
def validate_command(directory: Path | None) -> None:
    """Check every template in DIRECTORY (default: sop_templates/) and the published versions
    they must agree with. Prints each problem with file and line; exit status 1 if any."""
    from sqlalchemy.exc import SQLAlchemyError

    from scrm.db import db
    from scrm.sop.templates.loader import template_directory, validate_templates
    from scrm.sop.templates.services import Review, review_templates

    try:
        review = review_templates(directory)
    except SQLAlchemyError:
        db.session.rollback()
        click.echo(
            "database not reachable or not at the latest schema: checked the files only, not "
            "against published versions (run `flask --app app scrm init-db`)",
            err=True,
        )
        catalogue = validate_templates(directory or template_directory())
        review = Review(new=catalogue.templates, problems=catalogue.problems)
        published_known = False
    else:
        published_known = True
    _echo_problems(review.problems)
    for template in review.new:
        note = "new; `scrm sop publish` publishes it" if published_known else "valid"
        click.echo(f"ok  {template.label}  ({note})")
    for template in review.unchanged:
        click.echo(f"ok  {template.label}  (published, unchanged)")
    if review.problems:
        click.echo(
            f"{len(review.problems)} problem(s) in {len(review.failed_files)} file(s)", err=True
        )
        raise SystemExit(1)


@sop_cli.command("publish")
@click.argument("directory", type=_DIRECTORY, required=False)
@click.option("--by", "published_by", help="WeCom userid of who publishes (HQ ops).")
@with_appcontext
@commits
def publish_command(directory: Path | None, published_by: str | None) -> None:
    """Publish each valid new template version in DIRECTORY (default: sop_templates/).

    A file with problems is skipped and reported; its published version stays current.
    Exit status 1 if any file was skipped.
    """
    from scrm.db import db
    from scrm.sop.templates.services import publish_templates

    review = publish_templates(directory, published_by)
    db.session.commit()  # commit in steps: the valid files stay published when one is skipped
    _echo_problems(review.problems)
    for template in review.new:
        click.echo(f"published {template.label}")
    for template in review.unchanged:
        click.echo(f"unchanged {template.label}")
    if review.problems:
        click.echo(
            f"skipped {', '.join(review.failed_files)}; fix them and publish again", err=True
        )
        raise SystemExit(1)


@sop_cli.command("list")
@with_appcontext
def list_command() -> None:
    """Every published version: name, version, HQ or branch, what it extends; * = current."""
    from scrm.db import db
    from scrm.directory.models import Department
    from scrm.sop.templates.services import list_published

    rows = list_published()
    current = {row.name: row.version for row in rows}
    for row in rows:
        mark = "*" if current[row.name] == row.version else " "
        scope = "HQ"
        if row.branch_department_id is not None:
            branch = db.session.get(Department, row.branch_department_id)
            scope = f"branch {row.branch_department_id} {branch.name if branch else ''}".strip()
        extends = f"{row.parent.name}@{row.parent.version}" if row.parent else "-"
        click.echo(
            f"{mark} {row.name}@{row.version}  {scope}  extends={extends}  "
            f"steps={len(row.steps)} locked={len(row.locked_steps)}  {row.title}  "
            f"published {row.published_at:%Y-%m-%d %H:%M} by {row.published_by or '-'}"
        )
    if not rows:
        click.echo("no templates published yet; run `flask --app app scrm sop publish`")
