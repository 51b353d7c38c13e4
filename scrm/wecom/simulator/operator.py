"""What WeCom users do off-API — a customer adds an RM, an RM edits a remark, a customer
joins a group, HR renames a member — as Python calls that change the simulator's state and
push the matching callback. Also reachable as ``POST /__sim__/operator/<action>``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from scrm.wecom.simulator.operator_acquisition import AcquisitionActions
from scrm.wecom.simulator.operator_base import OperatorError, Outcome
from scrm.wecom.simulator.operator_custody import CustodyActions
from scrm.wecom.simulator.operator_customers import CustomerActions
from scrm.wecom.simulator.operator_directory import DirectoryActions
from scrm.wecom.simulator.operator_groups import GroupActions
from scrm.wecom.simulator.operator_moment_comments import MomentCommentActions
from scrm.wecom.simulator.operator_msgaudit import MsgAuditActions
from scrm.wecom.simulator.operator_staff_tags import StaffTagActions
from scrm.wecom.simulator.operator_tasks import TaskActions

__all__ = ["Operator", "OperatorError", "Outcome"]


class Operator(
    CustomerActions,
    GroupActions,
    DirectoryActions,
    TaskActions,
    MsgAuditActions,
    MomentCommentActions,
    CustodyActions,
    AcquisitionActions,
    StaffTagActions,
):
    """Every off-API action the simulator can play (see :data:`ACTIONS`)."""

    ACTIONS = (
        CustomerActions.ACTIONS
        + GroupActions.ACTIONS
        + DirectoryActions.ACTIONS
        + TaskActions.ACTIONS
        + MsgAuditActions.ACTIONS
        + MomentCommentActions.ACTIONS
        + CustodyActions.ACTIONS
        + AcquisitionActions.ACTIONS
        + StaffTagActions.ACTIONS
    )

    def run(self, action: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Run one action by name with keyword arguments (the HTTP console's entry point).

        :raise OperatorError: for an unknown action or one WeCom would refuse.
        """
        if action not in self.ACTIONS:
            raise OperatorError(f"unknown action {action!r}; known: {', '.join(self.ACTIONS)}")
        outcome = getattr(self, action)(**kwargs)
        result = outcome.to_json()
        if outcome.delivery is not None:
            result["delivery"] = asdict(outcome.delivery)
        return result
