"""``scrm archive verify``: prove the archive untouched, or name the first broken row."""

from __future__ import annotations

import re

import click
from flask.cli import with_appcontext

_WITNESS = re.compile(r"^(\d+):([0-9a-f]{64})$")


def _witness(ctx, param, values: tuple[str, ...]) -> dict[int, str]:
    witnesses = {}
    for value in values:
        match = _WITNESS.match(value.strip().lower())
        if match is None:
            raise click.BadParameter(
                f"{value!r} is not ID:HASH; give it as printed by verify, e.g. 1024:9f86d0…"
            )
        witnesses[int(match.group(1))] = match.group(2)
    return witnesses


@click.command("verify")
@with_appcontext
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100000))
@click.option(
    "--witness",
    "witnesses",
    multiple=True,
    callback=_witness,
    metavar="ID:HASH",
    help="A head printed by an earlier verify and kept outside the database (repeatable).",
)
def verify_command(batch_size: int, witnesses: dict[int, str]) -> None:
    """Walk the hash chain; exit 0 when intact, 1 naming the first broken row."""
    from scrm.archive.chain.verify import verify_archive
    from scrm.db import db

    try:
        report = verify_archive(batch_size=batch_size, witnesses=witnesses)
    finally:
        db.session.rollback()  # it only read; hold no snapshot or lock after the walk
    if report.intact:
        click.echo(
            f"intact: {report.count} messages, head {report.head_hash} "
            f"(witness {report.head_id}:{report.head_hash})"
        )
        return
    broken = report.broken
    click.echo(
        f"BROKEN at archived message {broken.message_id}: {broken.what}: {broken.detail} "
        f"({report.count} messages verified before it)",
        err=True,
    )
    raise SystemExit(1)
