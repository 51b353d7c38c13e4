"""Managing a mass message (客户群发) after it was created: reminding the senders who have not
confirmed it (``remind_groupmsg_send``) and cancelling it (``cancel_groupmsg_send``).

WeCom documents at most :data:`REMINDERS_PER_DAY` reminders per message in any 24 hours but
no errcode for the refusal; the simulator answers :data:`REMIND_LIMIT_ERRCODE` (45009, WeCom's
"api freq out of limit"), which is how a reminder quota shows to a caller. A cancelled message
stops: senders who had not confirmed it can no longer send it (their confirmation has no
effect), and what was sent stays sent.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from scrm.wecom.simulator.endpoints import CONTACT, ApiError, endpoint

REMINDERS_PER_DAY = 3
REMIND_WINDOW = 24 * 3600
REMIND_LIMIT_ERRCODE = 45009


@dataclass
class GroupMsgAdmin:
    """Reminders and cancellations of the simulator's current corp."""

    corp: object = None
    reminders: dict[str, list[float]] = field(default_factory=dict)  # msgid → call times
    cancelled: set[str] = field(default_factory=set)


_ADMIN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def admin_of(sim) -> GroupMsgAdmin:
    """The reminder and cancellation state; it starts over when the simulator is reset."""
    with sim.lock:
        admin = _ADMIN.get(sim)
        if admin is None or admin.corp is not sim.corp:
            admin = _ADMIN[sim] = GroupMsgAdmin(corp=sim.corp)
        return admin


def is_cancelled(sim, msgid: str) -> bool:
    """True when the corp cancelled mass message ``msgid``."""
    return msgid in admin_of(sim).cancelled


def _message(sim, req):
    msgid = req.field("msgid", required=True)
    message = sim.jobs.mass_messages.get(msgid)
    if message is None:
        raise ApiError(40058, "invalid msgid")
    return message


@endpoint("POST", "externalcontact/remind_groupmsg_send", apps=CONTACT)
def remind_groupmsg_send(sim, req):
    message = _message(sim, req)
    admin = admin_of(sim)
    if message.msgid in admin.cancelled:
        raise ApiError(40058, "the mass message was cancelled; there is nothing to remind of")
    now = sim.clock.now()
    recent = [t for t in admin.reminders.get(message.msgid, []) if t > now - REMIND_WINDOW]
    if len(recent) >= REMINDERS_PER_DAY:
        raise ApiError(
            REMIND_LIMIT_ERRCODE,
            f"at most {REMINDERS_PER_DAY} reminders per mass message in 24 hours",
        )
    admin.reminders[message.msgid] = [*recent, now]
    return {}


@endpoint("POST", "externalcontact/cancel_groupmsg_send", apps=CONTACT)
def cancel_groupmsg_send(sim, req):
    message = _message(sim, req)
    admin_of(sim).cancelled.add(message.msgid)
    return {}
