"""What the worker's clock runs for the lexicon, and when (``CLOCK_JOBS``)."""

from __future__ import annotations

from scrm.compliance.lexicon.services import snapshot_active_lexicon
from scrm.worker.schedule import ClockJob, every

CLOCK_JOBS = (
    ClockJob(
        id="compliance.snapshot_lexicon",
        description="keep the active lexicon version's content for diffs",
        func=snapshot_active_lexicon,
        trigger=every(minutes=5),
    ),
)
