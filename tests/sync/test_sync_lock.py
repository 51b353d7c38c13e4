"""Two full syncs never run at once: the nightly job and a manual `scrm sync` take turns."""

import pytest
from sqlalchemy import func, select

from scrm.db import db
from scrm.sync.models import SyncRun
from scrm.sync.run_state import SYNC_LEASE, SYNC_LEASE_SECONDS
from scrm.sync.services import SyncFailed, run_full_sync
from scrm.worker.lease import acquire_lease, lease_holder


def test_a_second_sync_is_refused_while_one_holds_the_lease(app_ctx, small_bank):
    acquire_lease(SYNC_LEASE, "worker-a:nightly", SYNC_LEASE_SECONDS)
    db.session.commit()
    with pytest.raises(SyncFailed, match="another full sync is running"):
        run_full_sync()
    assert db.session.scalar(select(func.count(SyncRun.id))) == 0


def test_the_lease_is_given_back_when_the_sync_ends(app_ctx, small_bank):
    run_full_sync()
    assert lease_holder(SYNC_LEASE) is None
    second = run_full_sync()
    assert second.status == "done"


def test_the_cli_says_what_to_do_while_another_sync_runs(app, runner, small_bank):
    with app.app_context():
        acquire_lease(SYNC_LEASE, "worker-a:nightly", SYNC_LEASE_SECONDS)
        db.session.commit()
    result = runner.invoke(args=["scrm", "sync"])
    assert result.exit_code != 0
    assert "another full sync is running" in result.output
    assert "lease" in result.output
