"""``flask --app app scrm sidebar …``: the sidebar's script library (话术库)."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from scrm.db import commits

sidebar_cli = AppGroup("sidebar", help="The RM sidebar: import the script library and materials.")


@sidebar_cli.command("import-scripts")
@click.argument("path", type=click.Path(dir_okay=False), required=False)
@click.option("--by", default="import", show_default=True, help="the HQ operator's userid")
@with_appcontext
@commits
def import_scripts_command(path, by) -> None:
    """Add or change scripts, materials and branch addresses from a YAML FILE (default: the
    seed library shipped with scrm). All or nothing."""
    from scrm.errors import ScrmError
    from scrm.sidebar.library_yaml import SEED_FILE, import_library

    try:
        counts = import_library(path or SEED_FILE, by=by)
    except ScrmError as error:
        raise click.ClickException(error.message) from None
    click.echo(
        f"branches {counts['branches']}; materials {counts['materials_added']} added, "
        f"{counts['materials_changed']} changed; scripts {counts['scripts_added']} added, "
        f"{counts['scripts_changed']} changed"
    )
