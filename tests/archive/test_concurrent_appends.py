"""Many RMs sending at once: appends from parallel connections form one unforked chain."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from scrm.archive.chain.models import ArchivedMessage
from scrm.archive.chain.verify import verify_archive
from scrm.db import db

THREADS = 4
APPENDS = 8


def test_parallel_senders_never_chain_to_the_same_message(app, append_chats):
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def sender(number: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for _ in range(APPENDS):
                    append_chats(1, sender=f"rm.{number:02d}")  # one transaction per message
                    db.session.commit()
        except BaseException as exc:  # reported below, with the thread's own traceback
            failures.append(exc)

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    with app.app_context():
        report = verify_archive()
        assert report.intact, report.broken
        assert report.count == THREADS * APPENDS
        prevs = db.session.scalar(select(func.count(func.distinct(ArchivedMessage.prev_hash))))
        assert prevs == THREADS * APPENDS  # no two messages share a predecessor
        senders = db.session.scalars(select(ArchivedMessage.sender).distinct()).all()
        assert len(senders) == THREADS
