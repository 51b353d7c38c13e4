"""Telling a role holder that their SOP step could not go out, in WeCom, through the gate.

The notice is a WeCom app message (message/send) from the self-built app, so like every
outbound message it is scanned, archived and delivered by the outbox. It names the step, the
group and the legal basis of the hits, never the blocked words themselves: quoting them would
get the notice itself blocked. The words stay in the task's note, for the console and sidebar.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from scrm.compliance.gateway import GateResult
from scrm.compliance.staff_notice import blocked_summary, notify_staff
from scrm.db import db
from scrm.directory.models import Staff
from scrm.groups.models import CustomerGroup
from scrm.sop.models import SopTask

log = logging.getLogger(__name__)


def tell_holder_step_blocked(task: SopTask, hits: Iterable[Mapping[str, Any]]) -> GateResult | None:
    """Send the task's holder (or the group owner) a WeCom notice that the step was blocked.

    Flushes; the caller commits. Idempotent per task: the outbox key is ``sop-notice:<task>``.

    :param task: the blocked task.
    :param hits: the gate's hits, for the count and the legal basis.
    :return: the gate's result, or ``None`` when nobody can be told (no holder, no owner).
    """
    group = db.session.get(CustomerGroup, task.group_id)
    holder_id = task.assignee_id or (group.owner_id if group else None)
    holder = db.session.get(Staff, holder_id) if holder_id else None
    if holder is None or holder.removed_at is not None:
        log.warning("sop task %s blocked, and nobody holds it to be told", task.id)
        return None
    text = (
        f"【SOP提醒】{group.name if group else '客户群'}的步骤“{task.step_key}”"
        f"（{task.occurrence}）没有发出：内容未通过合规检查，{blocked_summary(hits)}。"
        "请在侧边栏查看任务备注，或联系总行运营修改模板后发布新版本。"
    )
    return notify_staff(
        holder.userid,
        text,
        origin="sop_notice",
        idempotency_key=f"sop-notice:{task.id}",
        attempted_by=f"sop:{task.step_key}",
    )
