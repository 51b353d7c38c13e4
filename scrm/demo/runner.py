"""The demo's two halves: prepare (schema, seed, sync, roles) and serve (web + worker + live
events in one process until Ctrl-C)."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable

from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from scrm.db import MIGRATIONS_DIR, commits
from scrm.demo.history import record_compliance_history
from scrm.demo.live import LiveActions, run_live_events
from scrm.demo.seed import HQ_OPS_USERID, DemoBank, seed_demo_bank
from scrm.demo.sop import run_demo_sops
from scrm.demo.web import announce_web
from scrm.errors import ScrmError
from scrm.sync.services import run_full_sync
from scrm.wecom.simulator import Simulator

Echo = Callable[[str], None]


def prepare_demo(sim: Simulator, *, seed: int, echo: Echo) -> DemoBank:
    """Bring the schema up to date, seed the bank in the simulator, sync it in, grant roles.

    Rerunning is safe: the seed is deterministic and the sync reconciles what is stored.
    """
    upgrade(directory=MIGRATIONS_DIR)
    bank = seed_demo_bank(sim, seed=seed)
    echo(
        f"seeded 星河银行（演示） in the simulator: {len(bank.rms)} RMs, "
        f"{bank.customer_count} customers, {len(bank.groups)} groups"
    )
    # A fresh simulator each run: a run left unfinished by an earlier demo cannot resume.
    run = run_full_sync(restart=True, progress=lambda line: echo(f"sync: {line}"))
    _grant_demo_roles(bank)
    echo(f"sync run {run.id} done: {run.counts}")
    record_compliance_history(sim, bank, echo=echo)
    run_demo_sops(published_by=HQ_OPS_USERID, echo=echo)
    _fill_dashboards(echo)
    return bank


@commits
def _grant_demo_roles(bank: DemoBank) -> None:
    """Give the demo's members of staff their roles (committed before the history is made)."""
    from scrm.directory.services import get_staff, grant_role

    for userid, roles in bank.roles.items():
        staff = get_staff(userid)
        for role in roles:
            grant_role(staff, role)


@commits
def _fill_dashboards(echo: Echo) -> None:
    """Today's group metrics and the RMs' daily rollup now, so the console's dashboards show the
    bank at once rather than after the worker's first 15-minute run."""
    from scrm.dashboards.jobs import roll_up_rm_daily_metrics
    from scrm.sop.jobs import recompute_todays_group_metrics

    recompute_todays_group_metrics()
    roll_up_rm_daily_metrics()
    echo("dashboards: today's group metrics and the RMs' daily numbers computed")


def serve_demo(
    app: Flask,
    sim: Simulator,
    bank: DemoBank,
    *,
    host: str,
    port: int,
    interval: float,
    echo: Echo,
) -> None:
    """Serve the web app, run the worker and the live events until Ctrl-C, then stop all."""
    from scrm.worker.runner import run_worker

    try:
        web = make_server(host, port, app, threaded=True)
    except OSError as exc:
        raise ScrmError(
            f"cannot listen on {host}:{port} ({exc.strerror}); pass --port with a free port"
        ) from exc
    # One line per request from two servers would drown what the demo prints.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    address = f"http://{local}:{web.server_port}"
    sim.pusher.configure(
        url=f"{address}/wecom/callback",
        token=app.config["WECOM_CALLBACK_TOKEN"],
        aes_key=app.config["WECOM_CALLBACK_AES_KEY"],
    )
    announce_web(app, bank, address, echo)
    stop = threading.Event()
    actions = LiveActions(sim, bank, random.Random())
    threads = [
        threading.Thread(target=web.serve_forever, name="demo-web", daemon=True),
        threading.Thread(
            target=run_worker, args=(app,), kwargs={"stop_event": stop}, name="demo-worker"
        ),
        threading.Thread(
            target=run_live_events,
            args=(actions, stop),
            kwargs={"interval": interval, "echo": echo},
            name="demo-live",
        ),
    ]
    for thread in threads:
        thread.start()
    echo(f"open {address}/ — the status page (counts refresh on reload)")
    echo(
        f"every {interval:g}s a customer adds an RM, joins or leaves a group, or an RM retags "
        "a customer; WeCom callbacks go to /wecom/callback and the worker applies them"
    )
    echo("press Ctrl-C to stop")
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        echo("stopping…")
    finally:
        stop.set()
        web.shutdown()
        for thread in threads:
            thread.join(10)
        echo("demo stopped")
