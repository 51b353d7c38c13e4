"""在职继承 / 离职继承: handing customers and groups from one member to another.

Shapes follow WeCom's docs 92125/94081/94082 (transfer_customer, transfer_result, their
``resigned/`` twins), get_unassigned_list and groupchat/transfer, onjob_transfer. Limits:
≤100 customers or groups per call, ≤200 characters of ``transfer_success_msg``, ≤2 handovers
per customer in 90 days, ≤300 groups of one resigned owner given away per day.
"""

from __future__ import annotations

from scrm.wecom.simulator import limits
from scrm.wecom.simulator.callbacks import event_xml
from scrm.wecom.simulator.custody import (
    CHINA_UTC_OFFSET,
    ERR_IN_TRANSFER,
    ERR_NOT_CONTACT,
    ERR_SAME_MEMBER,
    ERR_TOO_OFTEN,
    GROUPS_PER_DAY,
    MAX_TRANSFERS_IN_WINDOW,
    NO_RECORD,
    Handover,
    custody_of,
    open_handover,
    recent_transfers,
    settle,
)
from scrm.wecom.simulator.endpoints import CONTACT, ApiError, endpoint, page
from scrm.wecom.simulator.state import GroupMember

EC = "externalcontact/"
_LIMITS = (
    limits.Limit(EC + "transfer_customer", "external_userid", max_items=100),
    limits.Limit(EC + "transfer_customer", "transfer_success_msg", max_chars=200),
    limits.Limit(EC + "resigned/transfer_customer", "external_userid", max_items=100),
    limits.Limit(EC + "get_unassigned_list", "page_size", min_value=1, max_value=1000),
    limits.Limit(EC + "groupchat/transfer", "chat_id_list", max_items=100),
    limits.Limit(EC + "groupchat/onjob_transfer", "chat_id_list", max_items=100),
)
# Registered beside the shared table's rows, checked by the same dispatcher step.
for _limit in _LIMITS:
    limits.BY_PATH[_limit.path] = limits.BY_PATH.get(_limit.path, ()) + (_limit,)

TRANSFER_RESULT_PAGE = 1000


def _event_xml(sim):
    def build(event, change, fields):
        return event_xml(sim.corp_id, sim.clock.timestamp(), event, change, fields)

    return build


def _takeover(sim, userid: str):
    user = sim.corp.users.get(userid)
    if user is None:
        raise ApiError(60111, f"takeover_userid {userid!r} not found")
    if not user.follow or user.status != 1:
        raise ApiError(84074, f"takeover {userid!r} has no 客户联系 permission or is not active")
    return user


def _transfer(sim, req, kind: str) -> dict:
    handover = req.field("handover_userid", required=True)
    takeover = req.field("takeover_userid", required=True)
    ids = req.field("external_userid", required=True)
    state = custody_of(sim.corp)
    if kind == "resigned":
        if handover not in state.resigned:
            raise ApiError(40058, f"handover_userid {handover!r} has not resigned")
    elif handover not in sim.corp.users:
        raise ApiError(60111, f"handover_userid {handover!r} not found")
    _takeover(sim, takeover)
    now, results = sim.clock.now(), []
    for eid in ids:
        if handover == takeover:
            code = ERR_SAME_MEMBER
        elif (handover, eid) not in sim.corp.follows:
            code = ERR_NOT_CONTACT
        elif open_handover(state, eid) is not None:
            code = ERR_IN_TRANSFER
        elif recent_transfers(state, eid, now) >= MAX_TRANSFERS_IN_WINDOW:
            code = ERR_TOO_OFTEN
        else:
            code = 0
            state.handovers.append(Handover(kind, handover, takeover, eid, now))
            state.transfer_times.setdefault(eid, []).append(now)
        results.append({"external_userid": eid, "errcode": code})
    return {"customer": results}


def _result(sim, req, kind: str) -> dict:
    handover = req.field("handover_userid", required=True)
    takeover = req.field("takeover_userid", required=True)
    state = custody_of(sim.corp)
    settle(sim, _event_xml(sim))
    rows = [
        h
        for h in state.handovers
        if h.kind == kind and h.handover == handover and h.takeover == takeover
    ]
    chunk, cursor = page(rows, req.field("cursor"), TRANSFER_RESULT_PAGE)
    return {
        "customer": [
            {
                "external_userid": h.external_userid,
                "status": h.status or NO_RECORD,
                "takeover_time": h.takeover_time,
            }
            for h in chunk
        ],
        "next_cursor": cursor,
    }


@endpoint("POST", EC + "transfer_customer", apps=CONTACT)
def transfer_customer(sim, req):
    return _transfer(sim, req, "onjob")


@endpoint("POST", EC + "transfer_result", apps=CONTACT)
def transfer_result(sim, req):
    return _result(sim, req, "onjob")


@endpoint("POST", EC + "resigned/transfer_customer", apps=CONTACT)
def resigned_transfer_customer(sim, req):
    return _transfer(sim, req, "resigned")


@endpoint("POST", EC + "resigned/transfer_result", apps=CONTACT)
def resigned_transfer_result(sim, req):
    return _result(sim, req, "resigned")


@endpoint("POST", EC + "get_unassigned_list", apps=CONTACT)
def get_unassigned_list(sim, req):
    state = custody_of(sim.corp)
    rows = [
        {"handover_userid": f.userid, "external_userid": f.external_userid, "dimission_time": t}
        for (userid, _), f in sim.corp.follows.items()
        if (t := state.resigned.get(userid)) is not None
        and open_handover(state, f.external_userid) is None
    ]
    size = req.int_field("page_size", 1000)
    if req.field("cursor"):
        chunk, cursor = page(rows, req.field("cursor"), size)
    else:
        start = req.int_field("page_id", 0) * size
        chunk, cursor = page(rows, str(start), size)
    return {"info": chunk, "is_last": not cursor, "next_cursor": cursor}


def _transfer_groups(sim, req, *, resigned: bool) -> dict:
    chat_ids = req.field("chat_id_list", required=True)
    new_owner = req.field("new_owner", required=True)
    _takeover(sim, new_owner)
    state, failed = custody_of(sim.corp), []
    day = int(sim.clock.now() + CHINA_UTC_OFFSET) // 86400
    for chat_id in chat_ids:
        chat = sim.corp.chats.get(chat_id)
        if chat is None or chat.dismissed:
            failed.append({"chat_id": chat_id, "errcode": 40050, "errmsg": "invalid chat_id"})
            continue
        owner_left = chat.owner in state.resigned
        if resigned != owner_left:
            code, why = (
                (90500, "the owner has not resigned: use groupchat/onjob_transfer")
                if resigned
                else (90501, "the owner has resigned: use groupchat/transfer")
            )
            failed.append({"chat_id": chat_id, "errcode": code, "errmsg": why})
            continue
        if state.groups_given.get((chat.owner, day), 0) >= GROUPS_PER_DAY:
            failed.append(
                {"chat_id": chat_id, "errcode": 90502, "errmsg": "300 groups a day per owner"}
            )
            continue
        state.groups_given[(chat.owner, day)] = state.groups_given.get((chat.owner, day), 0) + 1
        if resigned:  # the member who left is no longer in the group
            chat.members.pop(chat.owner, None)
            chat.status = 3
        chat.owner = new_owner
        if new_owner not in chat.members:
            chat.members[new_owner] = GroupMember(new_owner, 1, sim.clock.timestamp(), 1)
        sim.corp.bump_member_version(chat)
        fields = [("ChatId", chat_id), ("UpdateDetail", "change_owner")]
        state.unpushed.append(_event_xml(sim)("change_external_chat", "update", fields))
    return {"failed_chat_list": failed}


@endpoint("POST", EC + "groupchat/transfer", apps=CONTACT)
def transfer_resigned_groups(sim, req):
    return _transfer_groups(sim, req, resigned=True)


@endpoint("POST", EC + "groupchat/onjob_transfer", apps=CONTACT)
def transfer_onjob_groups(sim, req):
    return _transfer_groups(sim, req, resigned=False)
