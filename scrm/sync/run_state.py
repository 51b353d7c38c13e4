"""The state one sync run carries from page to page."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from flask import current_app

from scrm.db import db
from scrm.sync.changes import add_changes, empty_counts
from scrm.sync.models import SyncRun
from scrm.wecom.client import WeComClient, get_client
from scrm.worker.lease import acquire_lease

#: The lease that keeps two full syncs (the nightly job and a manual one) from running at once.
SYNC_LEASE = "full_sync"
#: Seconds the lease lasts without a saved page; a sync whose process died frees it then.
SYNC_LEASE_SECONDS = 600


def hold_sync_lease(holder: str) -> bool:
    """Take or renew the full-sync lease for ``holder`` (flushes; the caller commits)."""
    return acquire_lease(SYNC_LEASE, holder, SYNC_LEASE_SECONDS)


class SyncContext:
    """What a stage needs: the run, its checkpoint, its counts and the WeCom clients."""

    def __init__(self, run: SyncRun, progress: Callable[[str], None], holder: str):
        self.run = run
        self.holder = holder
        self.started_at = run.started_at
        self.counts: dict[str, dict[str, int]] = copy.deepcopy(run.counts or {})
        self.progress = progress
        self.pages = 0

    @property
    def checkpoint(self) -> dict[str, Any]:
        return dict(self.run.checkpoint or {})

    @property
    def contact(self) -> WeComClient:
        """The 客户联系 app: customers, tags, customer groups."""
        return get_client("contact")

    @property
    def agent(self) -> WeComClient:
        """The self-built app: directory reads."""
        return get_client("agent")

    def setting(self, key: str, default: int) -> int:
        return int(current_app.config.get(key, default))

    def count(self, entity: str, before: dict, after: dict) -> None:
        """Add the changes between two snapshots to ``entity``'s counts."""
        add_changes(self.counts.setdefault(entity, empty_counts()), before, after)

    def count_removed(self, entity: str, number: int) -> None:
        self.counts.setdefault(entity, empty_counts())["removed"] += number

    def save(self, checkpoint: dict[str, Any]) -> None:
        """Commit the page just applied together with where to resume after it."""
        # JSON columns only notice a new object, never an in-place edit.
        self.run.checkpoint = dict(checkpoint)
        self.run.counts = copy.deepcopy(self.counts)
        hold_sync_lease(self.holder)
        db.session.commit()  # commit in steps: one page and its resume point together

    def page_through(
        self,
        load_userids: Callable[[], list[str]],
        chunk_size: int,
        fetch: Callable[[list[str], str], tuple[list, str]],
        apply: Callable[[list], None],
    ) -> None:
        """Fetch and apply every cursor page for each chunk of RMs, committing after each page.

        The RM list, the chunk and the cursor are part of the checkpoint, so a resumed run
        continues with the same RMs at the page after the last one saved.

        :param load_userids: the RMs to page through (called only when not resuming).
        :param chunk_size: how many userids one WeCom call takes (≤100 for these endpoints).
        :param fetch: ``(userids, cursor) -> (items, next_cursor)``; one WeCom page.
        :param apply: stores one page of items.
        """
        checkpoint = self.checkpoint
        userids = checkpoint.get("userids")
        if userids is None:
            userids = load_userids()
        chunks = [userids[i : i + chunk_size] for i in range(0, len(userids), chunk_size)]
        chunk, cursor = int(checkpoint.get("chunk", 0)), checkpoint.get("cursor", "")
        while chunk < len(chunks):
            items, next_cursor = fetch(chunks[chunk], cursor)
            apply(items)
            if next_cursor and next_cursor != cursor:
                cursor = next_cursor
            else:
                chunk, cursor = chunk + 1, ""
            self.save({"userids": userids, "chunk": chunk, "cursor": cursor})
            self.page_saved(len(items))

    def page_saved(self, items: int) -> None:
        """Report a committed page: long stages show progress, and a resume point exists."""
        self.pages += 1
        self.progress(f"{self.run.stage}: page {self.pages} saved ({items} items)")

    def advance(self, stage: str) -> None:
        """Commit the finished stage and record that the next one starts from scratch."""
        self.run.stage = stage
        self.pages = 0
        self.save({})
