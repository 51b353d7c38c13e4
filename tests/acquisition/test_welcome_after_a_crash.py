"""A worker killed (kill -9) during a burst of channel adds loses no welcome message (欢迎语).

Two real worker processes (``flask --app app scrm worker``) drain the same database while the
simulator pushes a burst of customer adds through a channel code, each with a welcome code
WeCom accepts once, within 20 seconds of the add. One worker dies — exit 137, as under
``kill -9`` — at a fixed point: right after it claimed rows (the add events, or the welcome
deliveries) and before it started any of them. The other keeps running with the default
settings and must pick the dead worker's rows up in time: every welcome code is used exactly
once, inside its 20 seconds. The simulator refuses a late or second use with 41051, so its
record is the check; the window is the requirement itself, not a speed target.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from acq_names import HQ, RM1, RM2
from helpers import wait_until, worker_env
from sqlalchemy import select

from scrm.acquisition.channels import create_channel
from scrm.db import db
from scrm.inbox.models import APPLIED, InboundEvent
from scrm.outbox.kinds import WELCOME_MSG
from scrm.outbox.models import SENT, Delivery

ROOT = Path(__file__).resolve().parents[2]
DYING_WORKER = Path(__file__).with_name("dying_worker.py")
BURST = 20
NAMES = "陳美玲 張偉強 李小龍 王芳 趙雪 孫悟 周杰 吳倩 鄭爽 馮唐".split()


@pytest.fixture
def start_worker(app, database_uri, tmp_path):
    """``start_worker(name, dying_on=None, **settings)`` starts a worker process against the
    test database and the simulator; with ``dying_on`` (a queue's table) it is the worker
    that dies once it holds rows of that queue. Waits until it polls; stops what is left."""
    started: list[subprocess.Popen] = []

    def _start(name: str, dying_on: str | None = None, **settings: str) -> subprocess.Popen:
        env = worker_env(app, database_uri, **settings)
        if dying_on:
            command = [sys.executable, str(DYING_WORKER), dying_on]
        else:
            command = [sys.executable, "-m", "flask", "--app", "app", "scrm", "worker"]
        log = tmp_path / f"{name}.log"
        with open(tmp_path / f"{name}.out", "w") as out, open(log, "w") as err:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        process.name, process.out = name, tmp_path / f"{name}.out"
        started.append(process)
        polling = wait_until(lambda: "started; polling" in log.read_text(), timeout=60)
        assert polling, f"worker {name} did not start:\n{log.read_text()}"
        return process

    yield _start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(30)


def _stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(60)


@pytest.mark.parametrize(
    "dying_on",
    [
        pytest.param("inbound_event", id="holding-the-add-events"),
        pytest.param("outbound_delivery", id="holding-the-welcome-deliveries"),
    ],
)
def test_a_worker_killed_during_a_burst_of_adds_loses_no_welcome_message(
    bank, sim, scans, live_server, start_worker, dying_on
):
    channel = create_channel(
        name="春季理财节·陆家嘴",
        kind="campaign",
        created_by=HQ,
        userids=[RM1, RM2],
        welcome_text="{客户称呼}您好！我是{支行}的客户经理{客户经理}，欢迎参加春季理财节🌸。",
        tag_ids=[bank["spring"]],
    )
    db.session.commit()
    # The survivor runs with the shipped settings; the one that dies polls often, so it is
    # surely among the first to claim part of the burst.
    survivor = start_worker("survivor")
    dying = start_worker("dying", dying_on=dying_on, WORKER_POLL_INTERVAL="0.05")

    adds = [
        scans.customer_scans_channel_code(channel.config_id, name=f"{NAMES[i % 10]}{i}号")
        for i in range(BURST)
    ]
    assert all(add.delivery.delivered for add in adds)
    assert dying.wait(60) == 137, dying.name + " did not die holding rows"
    held = json.loads(dying.out.read_text())
    assert held["table"] == dying_on and held["ids"]

    def settled() -> bool:
        db.session.rollback()  # a fresh look at what the workers committed
        events = db.session.scalars(select(InboundEvent.status)).all()
        welcomes = db.session.scalars(
            select(Delivery.status).where(Delivery.kind == WELCOME_MSG)
        ).all()
        return (
            len(events) == BURST
            and APPLIED in events
            and all(status != "received" for status in events)
            and len(welcomes) == BURST
            and all(status in ("sent", "dead") for status in welcomes)
        )

    # Long enough for any welcome code of the burst to be past its 20 seconds.
    wait_until(settled, timeout=90, interval=0.2)
    assert _stop(survivor) == 0

    # WeCom's record: every code used once, inside its 20 seconds, never refused.
    codes = sorted(add.welcome_code for add in adds)
    sent = sim.jobs.sent_welcome_messages
    assert sorted(message["welcome_code"] for message in sent) == codes
    late = [m for m in sent if m["sent_at"] > m["code_expires_at"]]
    assert late == []
    refused = [c.errcode for c in sim.calls_to("externalcontact/send_welcome_msg") if c.errcode]
    assert refused == []
    # Ours: every event applied and every welcome delivery sent, the dead worker's included.
    db.session.rollback()
    assert set(db.session.scalars(select(InboundEvent.status))) == {APPLIED}
    deliveries = db.session.scalars(select(Delivery).where(Delivery.kind == WELCOME_MSG)).all()
    assert {d.status for d in deliveries} == {SENT} and len(deliveries) == BURST
    model = InboundEvent if dying_on == "inbound_event" else Delivery
    for row_id in held["ids"]:
        assert db.session.get(model, row_id).claimed_by is None
