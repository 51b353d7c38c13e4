"""Short claims with a heartbeat: a worker keeps the row it is working on however long that
takes, and a slow row does not keep the rest of its batch from other workers.

Worker 甲 applies events in a thread; worker 乙 (this test) keeps trying to claim meanwhile.
The slowness is WeCom's (the simulator's injected latency), the claim lengths are the ones
the worker reads from its settings.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from sqlalchemy import select

from scrm.db import db
from scrm.inbox.models import APPLIED, IGNORED, InboundEvent
from scrm.inbox.services import LOST, claim_due_events, process_event, store_event
from scrm.wecom.events import parse_event

RM = "lin.xiaomei"


def _store(plaintext: str) -> int:
    row, created = store_event(plaintext, parse_event(plaintext))
    assert created
    db.session.commit()
    return row.id


def _customer_adds_rm(sim, name: str) -> int:
    """A customer adds the RM in WeCom; the add event is stored as the callback would."""
    if RM not in sim.corp.users:
        sim.add_department(1, "星河银行（测试）")
        sim.add_user(RM, "林小美", [1])
    return _store(sim.operator.customer_adds_rm(RM, name=name).plaintext)


def _while_running(thread: threading.Thread, claimer: str) -> list[int]:
    """Keep claiming as ``claimer`` until ``thread`` ends; what was claimed, in order."""
    taken: list[int] = []
    while thread.is_alive():
        taken += [row.id for row in claim_due_events(claimer)]
        time.sleep(0.1)
    thread.join()
    return taken


def test_an_event_applied_longer_than_its_claim_stays_with_its_worker(app, app_ctx, sim):
    app.config.update(INBOX_CLAIM_SECONDS=2, WECOM_HTTP_TIMEOUT=15)
    event_id = _customer_adds_rm(sim, "慢吞吞的客户🐢")
    [row] = claim_due_events("worker-甲")
    # WeCom takes 2.5 claim lengths to answer the handler's first call.
    sim.faults.inject("externalcontact/get", latency=5)
    outcome: dict[str, str] = {}

    def apply() -> None:
        with app.app_context():
            outcome["甲"] = process_event(db.session.get(InboundEvent, row.id), "worker-甲")

    thread = threading.Thread(target=apply)
    thread.start()
    assert _while_running(thread, "worker-乙") == []  # nobody took it over meanwhile
    assert outcome == {"甲": APPLIED}
    db.session.expire_all()
    done = db.session.get(InboundEvent, event_id)
    assert (done.status, done.claimed_by, done.attempts) == (APPLIED, None, 0)
    assert len(sim.calls_to("externalcontact/get")) == 1


def test_a_slow_event_gives_the_rest_of_its_batch_to_other_workers(
    app, app_ctx, sim, stored_message
):
    app.config.update(WECOM_HTTP_TIMEOUT=15)
    slow = _customer_adds_rm(sim, "慢吞吞的客户🐢")
    others = {stored_message(f"第{n}条留言：理财到期了吗？") for n in range(3)}
    batch = [row.id for row in claim_due_events("worker-甲")]
    assert batch[0] == slow and set(batch[1:]) == others  # the add first: it has a welcome
    # WeCom keeps 甲 on the first row for most of a claim length (INBOX_CLAIM_SECONDS).
    sim.faults.inject("externalcontact/get", latency=5.5)
    counts: Counter[str] = Counter()

    def work_through_the_batch() -> None:
        with app.app_context():
            for event_id in batch:
                row = db.session.get(InboundEvent, event_id)
                counts[process_event(row, "worker-甲")] += 1

    thread = threading.Thread(target=work_through_the_batch)
    thread.start()
    taken = []
    while thread.is_alive():
        # The three 甲 has not started come free long before its claims would have expired,
        # and 乙 applies them meanwhile.
        for row in claim_due_events("worker-乙"):
            taken.append(row.id)
            assert process_event(row, "worker-乙") == IGNORED
        time.sleep(0.1)
    thread.join()
    assert set(taken) == others
    assert counts == {APPLIED: 1, LOST: 3}  # 甲 applied its slow one and found the rest taken
    statuses = db.session.execute(select(InboundEvent.id, InboundEvent.status)).all()
    assert dict(statuses) == {slow: APPLIED, **{n: IGNORED for n in others}}
