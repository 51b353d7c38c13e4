"""``flask --app app scrm demo``: a fictional bank in the WeCom simulator, synced and live."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

# Only settings at import: `scrm` commands load this module in every process, and production
# processes must not load the simulator (the command imports it when it runs).
from scrm.demo.secret_key import ensure_demo_secret_key
from scrm.demo.settings import DEFAULT_SEED, demo_settings
from scrm.errors import ScrmError


@click.command("demo")
@click.option("--seed-only", is_flag=True, help="Seed the bank, sync it in, and exit.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the web listens on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--seed", default=DEFAULT_SEED, show_default=True, help="Seed of the fake bank.")
@click.option(
    "--interval",
    default=3.0,
    show_default=True,
    type=click.FloatRange(min=0.2),
    help="Seconds between live events.",
)
@with_appcontext
def demo_command(seed_only: bool, host: str, port: int, seed: int, interval: float) -> None:
    """Run scrm against the WeCom simulator with a seeded fictional bank (星河银行（演示）).

    Uses the configured database (SQLite in instance/ by default) and demo-only WeCom
    settings; without a configured SECRET_KEY, a random one made in instance/secret_key.
    Starts web, worker and live events in one process until Ctrl-C.
    """
    from scrm.demo.runner import prepare_demo, serve_demo
    from scrm.wecom.simulator import Simulator, SimulatorServer

    app = current_app._get_current_object()
    settings = demo_settings()
    configured = app.config.get("WECOM_CORP_ID")
    if configured and configured != settings["WECOM_CORP_ID"]:
        raise click.ClickException(
            f"WECOM_CORP_ID is set to {configured!r}: the demo's sync would mark that corp's "
            "customers removed in this database. Run the demo with its own database and no "
            "corp id, e.g. SCRM_WECOM_CORP_ID= SCRM_SQLALCHEMY_DATABASE_URI=sqlite:////tmp/"
            "scrm-demo.sqlite3 flask --app app scrm demo"
        )
    app.config.update(settings)
    key_file = ensure_demo_secret_key(app)
    if key_file is not None:
        click.echo(f"session key: {key_file} (made on the first run, kept for the next)")
    sim = Simulator(
        settings["WECOM_CORP_ID"],
        contact_secret=settings["WECOM_CONTACT_SECRET"],
        agent_secret=settings["WECOM_AGENT_SECRET"],
        agent_id=int(settings["WECOM_AGENT_ID"]),
    )
    sim_server = SimulatorServer(sim, host="127.0.0.1", port=0).start()
    app.config["WECOM_API_BASE"] = sim_server.api_base
    click.echo(f"WeCom simulator on {sim_server.url}; database {_shown_database(app)}")
    try:
        bank = prepare_demo(sim, seed=seed, echo=click.echo)
        if seed_only:
            click.echo("seeded and synced; run without --seed-only to serve it live")
            return
        serve_demo(app, sim, bank, host=host, port=port, interval=interval, echo=click.echo)
    except ScrmError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        sim_server.stop()


def _shown_database(app) -> str:
    from sqlalchemy.engine import make_url

    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
