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

from scrm.compliance.gateway import GateResult, OutboundMessage, submit
from scrm.compliance.model import InvalidMessage
from scrm.db import db
from scrm.directory.models import Staff
from scrm.groups.models import CustomerGroup
from scrm.outbox.kinds import APP_MESSAGE
from scrm.sop.models import SopTask

log = logging.getLogger(__name__)

#: Who the archive records as the sender of app messages (the self-built app, not a person).
APP_SENDER = "scrm-app"


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
    explained = [h for h in hits if h.get("action") in ("block", "warn")]
    basis = sorted({b for h in explained for b in str(h.get("basis") or "").split(";") if b})
    text = (
        f"【SOP提醒】{group.name if group else '客户群'}的步骤“{task.step_key}”"
        f"（{task.occurrence}）没有发出：内容未通过合规检查，命中{len(explained)}处"
        f"{'，依据' + '、'.join(basis) if basis else ''}。"
        "请在侧边栏查看任务备注，或联系总行运营修改模板后发布新版本。"
    )
    payload = {"touser": holder.userid, "msgtype": "text", "text": {"content": text}}
    try:
        return submit(
            OutboundMessage(
                channel="single",
                origin="sop_notice",
                sender_userid=APP_SENDER,
                text=text,
                delivery_kind=APP_MESSAGE,
                delivery_payload=payload,
                idempotency_key=f"sop-notice:{task.id}",
                attempted_by=f"sop:{task.step_key}",
            )
        )
    except InvalidMessage as exc:
        log.warning("sop task %s: notice to the holder refused: %s", task.id, exc)
        return None
