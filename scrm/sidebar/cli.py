"""``flask --app app scrm sidebar …``: the sidebar's script library (话术库)."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

sidebar_cli = AppGroup("sidebar", help="The RM sidebar: import the script library and materials.")


@sidebar_cli.command("import-scripts")
@click.argument("path", type=click.Path(dir_okay=False), required=False)
@click.option("--by", default="import", show_default=True, help="the HQ operator's userid")
@with_appcontext
def import_scripts_command(path, by) -> None:
    """Add or change scripts, materials and branch addresses from a YAML FILE (default: the
    seed library shipped with scrm). All or nothing."""
    from scrm.db import db
    from scrm.errors import ScrmError
    from scrm.sidebar.library_yaml import SEED_FILE, import_library

    try:
        counts = import_library(path or SEED_FILE, by=by)
    except ScrmError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(
        f"branches {counts['branches']}; materials {counts['materials_added']} added, "
        f"{counts['materials_changed']} changed; scripts {counts['scripts_added']} added, "
        f"{counts['scripts_changed']} changed"
    )
