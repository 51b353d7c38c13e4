"""``flask --app app scrm lexicon check|reload|sync-intercept``: for compliance staff who edit
``sensitive_words/`` and for operators who push its block terms to WeCom."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from scrm.compliance.lexicon.active import (
    LexiconError,
    current_lexicon,
    lexicon_directory,
    load_lexicon,
    reload_lexicon,
)
from scrm.compliance.lexicon.intercept import (
    InterceptSyncError,
    blocks_anywhere,
    sync_intercept_rules,
)
from scrm.compliance.vocabulary import Lexicon
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import intercept as intercept_api
from scrm.wecom.errors import WeComError

lexicon_cli = AppGroup("lexicon", help="Check, reload and sync the sensitive-word lexicon.")


def _fail(exc: LexiconError, tail: str) -> None:
    for problem in exc.problems:
        click.echo(problem, err=True)
    click.echo(f"{len(exc.problems)} problem(s); {tail}", err=True)
    raise SystemExit(1)


def _summary(lexicon: Lexicon) -> str:
    return (
        f"{len(lexicon.terms)} terms in {len(lexicon.categories)} categories, "
        f"{len(lexicon.allow)} allow phrases, version {lexicon.version}"
    )


@lexicon_cli.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@with_appcontext
def check_command(directory: Path | None) -> None:
    """Validate the lexicon files (default: LEXICON_DIR) and print every problem with its
    file and line. Exits 1 when any entry is bad. Changes nothing."""
    directory = directory or lexicon_directory()
    try:
        lexicon = load_lexicon(directory)
    except LexiconError as exc:
        _fail(exc, "fix them and run the check again")
    click.echo(f"ok: {_summary(lexicon)}")
    long_terms = [
        t
        for t in lexicon.terms
        if blocks_anywhere(t) and len(t.term) > intercept_api.MAX_WORD_CHARS
    ]
    for term in long_terms:
        click.echo(
            f"note: {term.source}: {term.term!r} is longer than {intercept_api.MAX_WORD_CHARS} "
            "characters, so WeCom's intercept rules cannot hold it; the scanner still checks it"
        )


@lexicon_cli.command("reload")
@with_appcontext
def reload_command() -> None:
    """Load the lexicon files now and print the active version."""
    try:
        lexicon = reload_lexicon()
    except LexiconError as exc:
        _fail(exc, "the previous lexicon stays active; fix the files and reload again")
    seconds = current_app.config["LEXICON_RELOAD_SECONDS"]
    click.echo(
        f"lexicon version {lexicon.version} active in this process: {len(lexicon.terms)} terms, "
        f"{len(lexicon.allow)} allow phrases"
    )
    click.echo(
        f"running web and worker processes pick up changed files by themselves within "
        f"LEXICON_RELOAD_SECONDS ({seconds} s); no restart needed"
    )


@lexicon_cli.command("sync-intercept")
@click.option("--dry-run", is_flag=True, help="Show what would change in WeCom; change nothing.")
@with_appcontext
def sync_intercept_command(dry_run: bool) -> None:
    """Push every block term to WeCom's intercept rules (敏感词拦截), so messages typed in the
    WeCom client are stopped too. Only rules named scrm-… are created, updated or deleted."""
    try:
        lexicon = current_lexicon()
        report = sync_intercept_rules(get_client("contact"), lexicon, dry_run=dry_run)
    except LexiconError as exc:
        _fail(exc, "fix the lexicon files first")
    except InterceptSyncError as exc:
        click.echo(f"ERROR: {exc}", err=True)
        raise SystemExit(1) from exc
    except WeComError as exc:
        click.echo(f"ERROR: {exc}; rerun the command to finish the sync", err=True)
        raise SystemExit(1) from exc
    verb = "would be" if dry_run else "were"
    click.echo(
        f"lexicon {lexicon.version[:12]}: {report.words} block terms in "
        f"{len(report.created) + len(report.updated) + len(report.unchanged)} rules"
    )
    for label, names in (
        ("created", report.created),
        ("updated", report.updated),
        ("deleted", report.deleted),
    ):
        if names:
            click.echo(f"{len(names)} {verb} {label}: {', '.join(names)}")
    if not report.changed:
        click.echo("WeCom's intercept rules already match the lexicon; nothing to change")
    if report.foreign_rules:
        click.echo(f"{report.foreign_rules} rule(s) not made by scrm were left alone")
    for term in report.too_long:
        click.echo(
            f"skipped {term.term!r} ({term.source}): longer than "
            f"{intercept_api.MAX_WORD_CHARS} characters, WeCom cannot hold it"
        )
