"""客户群: customer-group lists and details."""

from __future__ import annotations

from scrm.wecom.simulator.endpoints import CONTACT, ApiError, endpoint, page
from scrm.wecom.simulator.state import GroupChat, GroupMember


def member_json(sim, chat: GroupChat, m: GroupMember, need_name: bool) -> dict:
    data = {
        "userid": m.userid,
        "type": m.type,
        "join_time": m.join_time,
        "join_scene": m.join_scene,
        "group_nickname": m.group_nickname or "",
    }
    if m.userid != chat.owner and m.invitor:
        data["invitor"] = {"userid": m.invitor}
    if m.type == 2:
        customer = sim.corp.customers.get(m.userid)
        if customer is not None and customer.unionid:
            data["unionid"] = customer.unionid
        if need_name:
            data["name"] = customer.name if customer else m.userid
    elif need_name:
        user = sim.corp.users.get(m.userid)
        data["name"] = user.name if user else m.userid
    return data


def require_chat(sim, chat_id: str) -> GroupChat:
    """:raise ApiError: 40050 when the chat does not exist or was dismissed."""
    chat = sim.corp.chats.get(chat_id)
    if chat is None or chat.dismissed:
        raise ApiError(40050, "invalid chat_id")
    return chat


@endpoint("POST", "externalcontact/groupchat/list", apps=CONTACT)
def list_group_chats(sim, req):
    owners = (req.field("owner_filter") or {}).get("userid_list") or []
    visible = sum(1 for u in sim.corp.users.values() if u.follow)
    if not owners and visible > sim.groupchat_list_member_cap:
        raise ApiError(
            81017,
            f"more than {sim.groupchat_list_member_cap} visible members: set owner_filter",
        )
    status = req.int_field("status_filter", 0)
    if "limit" not in req.body:
        raise ApiError(40058, "limit is required (1 to 1000)")
    chats = [
        c
        for c in sim.corp.chats.values()
        if not c.dismissed
        and (not owners or c.owner in owners)
        and (status == 0 or c.status == status)
    ]
    chunk, cursor = page(chats, req.field("cursor"), req.int_field("limit", 100))
    return {
        "group_chat_list": [{"chat_id": c.chat_id, "status": c.status} for c in chunk],
        "next_cursor": cursor,
    }


@endpoint("POST", "externalcontact/groupchat/get", apps=CONTACT)
def get_group_chat(sim, req):
    chat = require_chat(sim, req.field("chat_id", required=True))
    need_name = req.int_field("need_name", 0) == 1
    return {
        "group_chat": {
            "chat_id": chat.chat_id,
            "name": chat.name,
            "owner": chat.owner,
            "create_time": chat.create_time,
            "notice": chat.notice or "",
            "member_list": [member_json(sim, chat, m, need_name) for m in chat.members.values()],
            "admin_list": [{"userid": a} for a in chat.admins],
            "member_version": chat.member_version,
        }
    }
