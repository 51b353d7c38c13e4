"""Killing the worker between send and mark sends nothing twice.

A real worker process (``flask --app app scrm worker --once``, started by crashing_worker.py
with a crash installed at the outbox's fault-injection point) delivers against the same
database and the simulator, and dies (exit 137) right after WeCom accepted the send and
before the row is marked sent. Then, once its claim has expired, another worker settles the
row: it must find the first send instead of sending again.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import worker_env

from scrm import fault_injection
from scrm.outbox.delivery import drain_outbox
from scrm.outbox.models import DEAD, SENDING, SENT

ROOT = Path(__file__).resolve().parents[2]
CRASHING_WORKER = Path(__file__).with_name("crashing_worker.py")


@pytest.fixture
def crashing_worker(app, database_uri):
    """``crashing_worker()`` runs one worker process that dies between send and mark."""

    def _run() -> subprocess.CompletedProcess:
        env = worker_env(app, database_uri)
        return subprocess.run(
            [sys.executable, str(CRASHING_WORKER)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return _run


def _crash_mid_send(crashing_worker, delivery, delivery_id):
    worker = crashing_worker()
    assert worker.returncode == 137, worker.stderr
    row = delivery(delivery_id)
    # The worker died holding the row: marked sending, its claim still running.
    assert row.status == SENDING and row.claimed_by and row.wecom_ref is None
    assert row.sending_started_at is not None and row.attempts == 1
    return row


def _recover(app) -> dict:
    with app.app_context():
        return drain_outbox("worker-after-the-crash")


def test_killed_worker_mass_message_is_found_in_wecom_and_not_sent_again(
    app, bank, enqueue, payloads, delivery, accepted, sim, crashing_worker, time_passes
):
    delivery_id = enqueue(
        "mass_message", payloads.mass_message("清明假期理財提示：請留意產品到期日📅")
    )
    _crash_mid_send(crashing_worker, delivery, delivery_id)
    assert accepted("externalcontact/add_msg_template") == 1
    assert _recover(app) == {}  # the dead worker's claim has not expired yet
    time_passes()
    assert _recover(app) == {"confirmed": 1}
    [message] = sim.jobs.mass_messages.values()
    row = delivery(delivery_id)
    assert (row.status, row.wecom_ref) == (SENT, message.msgid)
    assert row.result == {"msgid": message.msgid, "confirmed_by": "get_groupmsg_list_v2"}
    assert accepted("externalcontact/add_msg_template") == 1
    time_passes()
    assert _recover(app) == {}


def test_killed_worker_moment_is_found_in_wecom_and_not_posted_again(
    app, bank, enqueue, payloads, delivery, accepted, sim, crashing_worker, time_passes
):
    delivery_id = enqueue("moment", payloads.moment())
    _crash_mid_send(crashing_worker, delivery, delivery_id)
    time_passes()
    assert _recover(app) == {"confirmed": 1}
    [task] = sim.jobs.moments.values()
    row = delivery(delivery_id)
    assert (row.status, row.wecom_ref) == (SENT, task.moment_id)
    assert row.result["confirmed_by"] == "get_moment_list"
    assert accepted("externalcontact/add_moment_task") == 1


def test_killed_worker_welcome_message_is_confirmed_by_the_used_code(
    app, bank, enqueue, delivery, accepted, sim, crashing_worker, time_passes
):
    added = sim.operator.customer_adds_rm(bank["rm"], name="新客戶·周小姐")
    payload = {
        "welcome_code": added.welcome_code,
        "text": {"content": "周小姐您好，很高興為您服務🌼"},
    }
    delivery_id = enqueue("welcome_msg", payload)
    _crash_mid_send(crashing_worker, delivery, delivery_id)
    time_passes()
    assert _recover(app) == {"confirmed": 1}
    row = delivery(delivery_id)
    assert (row.status, row.wecom_ref) == (SENT, f"welcome:{added.welcome_code}")
    assert row.result["confirmed_by"] == "41051"
    # The resend was refused by WeCom; only the first one was delivered.
    assert accepted("externalcontact/send_welcome_msg") == 1
    assert [c.errcode for c in sim.calls_to("externalcontact/send_welcome_msg")] == [0, 41051]


def test_killed_worker_app_message_is_not_resent_but_dead_as_uncertain(
    app, bank, enqueue, payloads, delivery, accepted, sim, crashing_worker, time_passes
):
    delivery_id = enqueue("app_message", payloads.app_message())
    _crash_mid_send(crashing_worker, delivery, delivery_id)
    time_passes()
    assert _recover(app) == {"dead": 1}
    row = delivery(delivery_id)
    assert row.status == DEAD and row.last_error.startswith("uncertain: may have been sent")
    assert accepted("message/send") == 1 and len(sim.jobs.sent_app_messages) == 1


def test_the_product_carries_no_crash_and_no_switch_for_one():
    # The crash lives in crashing_worker.py; delivery only passes a fault-injection point.
    product = sorted((ROOT / "scrm").rglob("*.py"))
    carrying = [
        str(path.relative_to(ROOT))
        for path in product
        if re.search(r"os\._exit|CRASH", path.read_text(encoding="utf-8"))
    ]
    assert not carrying


def test_a_fault_at_an_unknown_point_is_refused_rather_than_never_run():
    with pytest.raises(ValueError, match="no fault-injection point 'outbox.after_sned'"):
        fault_injection.install("outbox.after_sned", lambda **_context: None)
