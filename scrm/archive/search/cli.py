"""``scrm archive reindex``: bring the search index up to date (or rebuild it)."""

from __future__ import annotations

import click

from scrm.db import commits

#: Messages indexed per transaction.
CHUNK = 50_000


@click.command("reindex")
@click.option("--rebuild", is_flag=True, help="Empty the search index and index everything.")
@click.option("--batch-size", default=2000, show_default=True, type=click.IntRange(1, 50000))
@commits
def reindex_command(rebuild: bool, batch_size: int) -> None:
    """Index archived messages not yet in the search index (safe to rerun). Commits every
    50,000 messages, so an interrupted run resumes where it stopped."""
    from scrm.archive.search.indexer import clear_index, index_new_messages, indexed_up_to
    from scrm.db import db

    if rebuild:
        clear_index()
        db.session.commit()  # commit in steps: emptied first, each chunk below on its own
        click.echo("search index emptied; searches find nothing until the rebuild is done")
    total = 0
    while count := index_new_messages(batch_size=batch_size, limit=CHUNK):
        db.session.commit()  # commit in steps: an interrupted run resumes after the last chunk
        total += count
    click.echo(f"indexed {total} messages; the index reaches message {indexed_up_to()}")
