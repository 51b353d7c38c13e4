"""``scrm archive …``: one group for the commands of the archive's sub-packages, whole as soon
as it is imported, so no registration order matters."""

from __future__ import annotations

from flask.cli import AppGroup

from scrm.archive.chain.cli import verify_command
from scrm.archive.search.cli import reindex_command

archive_cli = AppGroup("archive", help="The compliance archive (合规存档).")
archive_cli.add_command(verify_command)
archive_cli.add_command(reindex_command)
