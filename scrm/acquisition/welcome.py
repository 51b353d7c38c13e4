"""Welcome messages (欢迎语) for customers who came through a channel code.

WeCom accepts ``send_welcome_msg`` only within 20 seconds of the add and only once per code,
so the message is put through the gate inside the inbox's apply of the add event, and the
outbox sends it at once. Idempotency key ``welcome:<welcome code>``: one code, one send.

Variables in the text: ``{客户称呼}`` (the customer's WeChat name, or 您), ``{客户经理}`` (the
RM's name), ``{支行}`` (the RM's department). A channel without its own text falls back to
``ACQUISITION_DEFAULT_WELCOME`` ("" = none); an add through an unknown state (another
tool's code, which may greet with the same code) gets nothing from scrm. A text the gate
blocks (or warns on with no reason saved) is not sent; the channel's owner gets an app
message saying why.

What became of the send is read back from the outbox by :func:`settle_welcome_statuses`:

- ``sent`` → ``welcome_sent``;
- ``sent`` with ``confirmed_by: 41051`` (a resend after a worker crash that WeCom refused as
  used) → ``welcome_unverified``: the first attempt most likely arrived, but 41051 also means
  "expired", so nobody can be sure;
- ``dead`` with errcode 41051, or dead unsent because the code was surely past its 20 s
  (the outbox does not ask WeCom then) → ``welcome_expired`` (the code was past its 20 s or
  used by another app): the RM should greet the customer by hand;
- ``dead`` otherwise → ``welcome_failed`` with the outbox's error as the note.
"""

from __future__ import annotations

import logging
import re

from flask import current_app
from sqlalchemy import select

from scrm.acquisition.models import (
    NO_WELCOME,
    NO_WELCOME_CODE,
    WELCOME_BLOCKED,
    WELCOME_EXPIRED,
    WELCOME_FAILED,
    WELCOME_QUEUED,
    WELCOME_SENT,
    WELCOME_UNVERIFIED,
    AcquisitionChannel,
    ChannelAttribution,
)
from scrm.compliance.gateway import OutboundMessage, submit
from scrm.compliance.staff_notice import blocked_summary, notify_staff
from scrm.compliance.vocabulary import InvalidMessage
from scrm.customers.models import Follow
from scrm.db import db
from scrm.directory.models import Staff
from scrm.outbox.kinds import WELCOME_MSG
from scrm.outbox.models import DEAD, SENT, Delivery
from scrm.outbox.services import WELCOME_CODE_EXPIRED

log = logging.getLogger(__name__)

_REFUSED_AS_USED = re.compile(r"errcode 41051\b")


def _code_expired(error: str) -> bool:
    # WeCom refused the code (41051), or the outbox did not ask: surely past its 20 seconds.
    return error.startswith(WELCOME_CODE_EXPIRED) or bool(_REFUSED_AS_USED.search(error))


def render(text: str, follow: Follow) -> str:
    """The welcome text with ``{客户称呼}``, ``{客户经理}`` and ``{支行}`` filled in."""
    staff = follow.staff
    values = {
        "{客户称呼}": (follow.customer.name or "").strip() or "您",
        "{客户经理}": staff.name or staff.userid,
        "{支行}": staff.department.name if staff.department else "",
    }
    for token, value in values.items():
        text = text.replace(token, value)
    return text


def _invite(channel: AcquisitionChannel) -> list[dict]:
    if not channel.join_qr_code:
        return []
    return [
        {
            "msgtype": "link",
            "link": {
                "title": "扫码加入客户群",
                "picurl": channel.join_qr_code,
                "desc": "长按识别二维码，加入我们的客户群",
                "url": channel.join_qr_code,
            },
        }
    ]


def greet(row: ChannelAttribution, follow: Follow, welcome_code: str | None) -> None:
    """Put the channel's welcome message through the gate for this add (flushes).

    :param row: the attribution, whose welcome status and archive row are set here.
    :param welcome_code: from the event; ``None`` when WeCom issued none.
    """
    channel = row.channel
    if not welcome_code:
        row.welcome_status = NO_WELCOME_CODE
        db.session.flush()
        return
    if channel is None:
        # Someone else's code (another tool may greet with this code): stay out of its way.
        row.welcome_status = NO_WELCOME
        db.session.flush()
        return
    text = channel.welcome_text or current_app.config.get("ACQUISITION_DEFAULT_WELCOME") or None
    attachments = [*channel.welcome_attachments, *_invite(channel)]
    if not text and not attachments:
        row.welcome_status = NO_WELCOME
        db.session.flush()
        return
    text = render(text, follow) if text else None
    payload: dict = {"welcome_code": welcome_code}
    if text:
        payload["text"] = {"content": text}
    if attachments:
        payload["attachments"] = attachments
    try:
        result = submit(
            OutboundMessage(
                channel="single",
                origin="welcome",
                sender_userid=follow.staff.userid,
                text=text,
                delivery_kind=WELCOME_MSG,
                delivery_payload=payload,
                recipients=[follow.customer.external_userid],
                attachments=attachments,
                confirm_reason=channel.welcome_confirm_reason,
                idempotency_key=f"welcome:{welcome_code}",
                attempted_by=f"acquisition:{row.state}",
            )
        )
    except InvalidMessage as exc:
        row.welcome_status, row.note = WELCOME_FAILED, f"welcome not sent: {exc}"
        db.session.flush()
        return
    row.archived_message_id = result.archived_message_id
    if result.released:
        row.welcome_status, row.welcome_delivery_id = WELCOME_QUEUED, result.delivery_id
    else:
        row.welcome_status = WELCOME_BLOCKED
        row.note = "welcome not sent: the compliance gate stopped it (see the archive row)"
        tell_owner_welcome_blocked(row, follow, result.hits)
    db.session.flush()


def tell_owner_welcome_blocked(row: ChannelAttribution, follow: Follow, hits) -> None:
    """Tell the channel's owner (else the RM) that a welcome did not go, and why.

    Names the channel, the RM and the legal basis, never the words or the customer's name
    (either may be what was blocked). Key ``acq-welcome-notice:<attribution id>``.
    """
    channel = row.channel
    owner = db.session.scalar(select(Staff).where(Staff.userid == channel.created_by))
    if owner is None or owner.removed_at is not None:
        owner = follow.staff
    text = (
        f"【欢迎语未发出】渠道“{channel.name}”（{channel.state}）给客户经理"
        f"{follow.staff.name or follow.staff.userid}的新客户的欢迎语没有发出：内容未通过合规检查，"
        f"{blocked_summary(hits)}。请修改该渠道的欢迎语；这位客户请由客户经理手动问候。"
    )
    notify_staff(
        owner.userid,
        text,
        origin="acquisition_notice",
        idempotency_key=f"acq-welcome-notice:{row.id}",
        attempted_by=f"acquisition:{row.state}",
    )


def settle_welcome_statuses(limit: int = 500) -> dict[str, int]:
    """Copy what the outbox did with queued welcome messages onto their attributions.

    Also re-reads ``welcome_failed`` rows, whose delivery an operator may have requeued.

    :return: counts by new status.
    """
    rows = db.session.execute(
        select(ChannelAttribution, Delivery)
        .join(Delivery, Delivery.id == ChannelAttribution.welcome_delivery_id)
        .where(
            ChannelAttribution.welcome_status.in_((WELCOME_QUEUED, WELCOME_FAILED)),
            Delivery.status.in_((SENT, DEAD)),
        )
        .order_by(ChannelAttribution.id)
        .limit(limit)
    ).all()
    counts: dict[str, int] = {}
    for row, delivery in rows:
        if delivery.status == SENT:
            confirmed_by = (delivery.result or {}).get("confirmed_by")
            status = WELCOME_UNVERIFIED if confirmed_by == "41051" else WELCOME_SENT
            note = (
                "resent after a worker crash and refused as used (41051): most likely "
                "delivered the first time, but WeCom cannot say"
                if status == WELCOME_UNVERIFIED
                else None
            )
        elif _code_expired(delivery.last_error or ""):
            status = WELCOME_EXPIRED
            note = (
                "欢迎语码已使用或已超过20秒，欢迎语未发出，请客户经理手动问候客户。 (the welcome "
                "code was used or past its 20 seconds; greet the customer by hand)"
            )
        else:
            status, note = WELCOME_FAILED, (delivery.last_error or "")[:500]
        if status == row.welcome_status:
            continue
        row.welcome_status, row.note = status, note or row.note
        counts[status] = counts.get(status, 0) + 1
    db.session.flush()
    return counts
