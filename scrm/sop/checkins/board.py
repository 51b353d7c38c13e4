"""Check-in streaks and the leaderboard (打卡榜) of a customer group."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from scrm.customers.models import Customer
from scrm.db import db
from scrm.groups.models import CustomerGroup, GroupMember
from scrm.sop.checkins.models import CHECKIN_OPEN, CheckIn, CheckInRecord


@dataclass(frozen=True)
class MemberStreak:
    """One member's check-ins in a group: the run ending at the latest check-in, the best run
    ever, and the total."""

    member_userid: str
    current: int
    best: int
    total: int


@dataclass(frozen=True)
class LeaderboardEntry:
    """A row of a group's check-in leaderboard (打卡榜)."""

    member_userid: str
    name: str
    total: int
    current_streak: int
    best_streak: int


def member_streaks(group: CustomerGroup) -> dict[str, MemberStreak]:
    """Every member's streaks over the group's check-ins in order, with no gap allowed.

    A check-in still open that a member has not posted in yet does not break their run: they
    may still post.

    :return: member userid → :class:`MemberStreak`, for members who checked in at least once.
    """
    checkins = db.session.execute(
        select(CheckIn.id, CheckIn.status)
        .where(CheckIn.group_id == group.id)
        .order_by(CheckIn.opens_at, CheckIn.id)
    ).all()
    posted: dict[str, set[int]] = {}
    for checkin_id, userid in db.session.execute(
        select(CheckInRecord.checkin_id, CheckInRecord.member_userid)
        .join(CheckIn, CheckIn.id == CheckInRecord.checkin_id)
        .where(CheckIn.group_id == group.id)
    ):
        posted.setdefault(userid, set()).add(checkin_id)
    streaks = {}
    for userid, ids in posted.items():
        run = best = 0
        for checkin_id, status in checkins:
            if checkin_id in ids:
                run += 1
                best = max(best, run)
            elif status != CHECKIN_OPEN:
                run = 0
        streaks[userid] = MemberStreak(userid, run, best, len(ids))
    return streaks


def leaderboard(group: CustomerGroup, *, limit: int = 10) -> list[LeaderboardEntry]:
    """The group's check-in leaderboard: most check-ins first, then the longest current run.

    :param group: the customer group.
    :param limit: rows returned.
    """
    streaks = sorted(
        member_streaks(group).values(), key=lambda s: (-s.total, -s.current, s.member_userid)
    )[:limit]
    names = _display_names(group, [s.member_userid for s in streaks])
    return [
        LeaderboardEntry(s.member_userid, names[s.member_userid], s.total, s.current, s.best)
        for s in streaks
    ]


def _display_names(group: CustomerGroup, userids: list[str]) -> dict[str, str]:
    # The group nickname they chose, else their name in the group, else the customer record.
    names = {u: u for u in userids}
    for userid, name in db.session.execute(
        select(Customer.external_userid, Customer.name).where(Customer.external_userid.in_(userids))
    ):
        names[userid] = name or userid
    for userid, name, nickname in db.session.execute(
        select(GroupMember.member_userid, GroupMember.name, GroupMember.group_nickname).where(
            GroupMember.group_id == group.id, GroupMember.member_userid.in_(userids)
        )
    ):
        names[userid] = nickname or name or names[userid]
    return names
