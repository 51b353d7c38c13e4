"""Likes and comments on a published moment (``get_moment_comments``).

WeCom reports who interacted and when, never the comment text. Customers appear with their
``external_userid``, colleagues with their ``userid``. The interactions are played by the
operator (:mod:`operator_moment_comments`).
"""

from __future__ import annotations

from dataclasses import dataclass

from scrm.wecom.simulator.endpoints import CONTACT, ApiError, endpoint
from scrm.wecom.simulator.jobs import MomentTask

LIKE = "like"
COMMENT = "comment"


@dataclass(frozen=True)
class MomentReaction:
    """One like or comment on one member's published copy of a moment."""

    moment_id: str
    userid: str  # whose published copy
    kind: str  # like | comment
    create_time: int
    external_userid: str | None = None  # a customer …
    by_userid: str | None = None  # … or a colleague


def reactions(sim) -> list[MomentReaction]:
    """The corp's moment reactions, kept with the other jobs so ``reset`` empties them."""
    return sim.jobs.moment_reactions


def find_moment(sim, moment_id: str) -> MomentTask | None:
    return next((t for t in sim.jobs.moments.values() if t.moment_id == moment_id), None)


@endpoint("POST", "externalcontact/get_moment_comments", apps=CONTACT)
def get_moment_comments(sim, req):
    moment_id = req.field("moment_id", required=True)
    userid = req.field("userid", required=True)
    if find_moment(sim, moment_id) is None:
        raise ApiError(40058, "invalid moment_id")
    if userid not in sim.corp.users:
        raise ApiError(60111, f"userid {userid!r} not found")
    lists: dict[str, list] = {"comment_list": [], "like_list": []}
    for r in reactions(sim):
        if r.moment_id != moment_id or r.userid != userid:
            continue
        who = {"external_userid": r.external_userid} if r.external_userid else {}
        who = who or {"userid": r.by_userid}
        lists[f"{r.kind}_list"].append({**who, "create_time": r.create_time})
    return lists
