"""How long RMs take to answer customers in 1v1 chats (响应时长), from the conversation archive.

A customer's wait starts with their first message the RM has not answered yet and ends with
the RM's next message to that customer in the same 1v1 chat; more customer messages in between
do not restart it. Each answered wait is one sample, counted on the day of the reply (a day's
samples are then final once the day is over). Waits longer than :data:`WAIT_LIMIT` are not
counted: the message that began them may lie before what is read.

Samples are kept as a histogram (bucket → count) so medians and p90s can be taken over any
RMs and days: to the minute under two hours, to 10 minutes under a day, to the hour beyond.
A quantile is the bucket's lower edge, by nearest rank.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select

from scrm.archive.chain.models import INBOUND, INGESTED, OUTBOUND, ArchivedMessage
from scrm.archive.ingest.services import is_customer
from scrm.db import db

#: A wait longer than this is not counted (three days).
WAIT_LIMIT = timedelta(hours=72)
#: WeCom's send time and our archive time may differ by this much.
ARCHIVE_CLOCK_SKEW = timedelta(hours=1)
_BATCH = 2000


def bucket(wait: timedelta) -> int:
    """The histogram bucket (whole minutes, lower edge) a wait falls in."""
    minutes = max(0, int(wait.total_seconds() // 60))
    if minutes < 120:
        return minutes
    if minutes < 1440:
        return minutes // 10 * 10
    return minutes // 60 * 60


def quantile(histogram: Mapping[int | str, int], q: float) -> int | None:
    """The ``q`` quantile (0 < q ≤ 1) by nearest rank, in minutes; ``None`` when empty."""
    counts = sorted((int(minute), n) for minute, n in histogram.items() if n)
    total = sum(n for _, n in counts)
    if not total:
        return None
    rank, seen = max(1, math.ceil(q * total)), 0
    for minute, n in counts:
        seen += n
        if seen >= rank:
            return minute
    return counts[-1][0]  # pragma: no cover - rank never exceeds total


def merge(histograms: Iterable[Mapping[int | str, int]]) -> Counter:
    """Several histograms as one (JSON gives the buckets back as strings)."""
    merged: Counter = Counter()
    for histogram in histograms:
        for minute, n in (histogram or {}).items():
            merged[int(minute)] += int(n)
    return merged


def response_histograms(start: datetime, end: datetime) -> dict[str, Counter]:
    """Replies sent between ``start`` and ``end`` per staff userid, as histograms.

    :param start: the first instant (aware UTC) of the day.
    :param end: the first instant after it.
    """
    sent = func.coalesce(ArchivedMessage.sent_at, ArchivedMessage.created_at)
    query = (
        select(
            ArchivedMessage.direction,
            ArchivedMessage.sender,
            ArchivedMessage.recipients,
            sent.label("at"),
        )
        .where(
            ArchivedMessage.channel == "single",
            ArchivedMessage.outcome == INGESTED,
            ArchivedMessage.created_at >= start - WAIT_LIMIT - ARCHIVE_CLOCK_SKEW,
            or_(
                and_(ArchivedMessage.sent_at >= start - WAIT_LIMIT, ArchivedMessage.sent_at < end),
                and_(
                    ArchivedMessage.sent_at.is_(None),
                    ArchivedMessage.created_at >= start - WAIT_LIMIT,
                    ArchivedMessage.created_at < end,
                ),
            ),
        )
        .order_by(sent, ArchivedMessage.id)
        .execution_options(yield_per=_BATCH)
    )
    waiting: dict[tuple[str, str], datetime] = {}
    found: dict[str, Counter] = defaultdict(Counter)
    for direction, sender, recipients, at in db.session.execute(query):
        if direction == INBOUND:
            for staff in recipients or ():
                if not is_customer(staff):
                    waiting.setdefault((staff, sender), at)
        elif direction == OUTBOUND and not is_customer(sender):
            for customer in recipients or ():
                since = waiting.pop((sender, customer), None)
                if since is not None and at >= start and at - since <= WAIT_LIMIT:
                    found[sender][bucket(at - since)] += 1
    return dict(found)
