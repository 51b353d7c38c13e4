"""Operator actions on a published moment: a customer likes or comments on an RM's copy.

WeCom sends no callback for either; scrm reads them with ``get_moment_comments``.
"""

from __future__ import annotations

from scrm.wecom.simulator.api_moment_comments import (
    COMMENT,
    LIKE,
    MomentReaction,
    find_moment,
    reactions,
)
from scrm.wecom.simulator.operator_base import OperatorBase, OperatorError, Outcome


class MomentCommentActions(OperatorBase):
    ACTIONS = ("customer_comments_on_moment", "customer_likes_moment")

    def customer_comments_on_moment(
        self, moment_id: str, userid: str, external_userid: str
    ) -> Outcome:
        """The customer comments on ``userid``'s published copy of the moment."""
        return self._react(COMMENT, moment_id, userid, external_userid)

    def customer_likes_moment(self, moment_id: str, userid: str, external_userid: str) -> Outcome:
        """The customer likes ``userid``'s published copy of the moment."""
        return self._react(LIKE, moment_id, userid, external_userid)

    def _react(self, kind: str, moment_id: str, userid: str, external_userid: str) -> Outcome:
        sim = self.sim
        with sim.lock:
            task = find_moment(sim, moment_id)
            if task is None or task.senders.get(userid) != 1:
                raise OperatorError(
                    f"{userid!r} has not published moment {moment_id!r}; "
                    "play rm_publishes_moment first"
                )
            if (userid, external_userid) not in sim.corp.follows:
                raise OperatorError(
                    f"customer {external_userid!r} is not {userid!r}'s and cannot see the moment"
                )
            reactions(sim).append(
                MomentReaction(
                    moment_id, userid, kind, sim.clock.timestamp(), external_userid=external_userid
                )
            )
        return Outcome(None, None, external_userid=external_userid, moment_id=moment_id)
