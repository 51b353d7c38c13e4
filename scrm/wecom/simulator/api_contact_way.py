"""客户联系 渠道活码 (联系我, ``*_contact_way``) and 群活码 (``groupchat/*_join_way``).

WeCom's limits: ``state`` and ``remark`` at most 30 characters, at most 100 users per code,
500,000 codes per corp (联系我 and 加入群聊 together), at most 5 groups per join code; users
must have 客户联系 (84074).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scrm.wecom.simulator.endpoints import CONTACT, ApiError, endpoint, page
from scrm.wecom.simulator.limits import BY_PATH, Limit
from scrm.wecom.simulator.records import new_id

EC = "externalcontact/"
MAX_WAYS = 500_000  # per corp, 联系我 and 加入群聊 together
MAX_JOIN_CHATS = 5

LIMITS = (
    *(Limit(EC + p, "state", max_chars=30) for p in ("add_contact_way", "update_contact_way")),
    *(Limit(EC + p, "remark", max_chars=30) for p in ("add_contact_way", "update_contact_way")),
    *(Limit(EC + p, "user", max_items=100) for p in ("add_contact_way", "update_contact_way")),
    Limit(EC + "list_contact_way", "limit", min_value=1, max_value=1000),
    Limit(EC + "groupchat/add_join_way", "state", max_chars=30),
    Limit(EC + "groupchat/add_join_way", "remark", max_chars=30),
    Limit(EC + "groupchat/add_join_way", "chat_id_list", max_items=MAX_JOIN_CHATS),
)
for _limit in LIMITS:  # the same table limits.py checks before every handler
    BY_PATH[_limit.path] = BY_PATH.get(_limit.path, ()) + (_limit,)


@dataclass
class ContactWay:
    config_id: str
    type: int  # 1 single, 2 multi
    scene: int  # 1 mini program, 2 QR code
    users: list[str]
    state: str | None
    remark: str | None
    skip_verify: bool
    qr_code: str
    create_time: int
    picks: int = 0  # how many customers scanned: a multi code rotates through its users


@dataclass
class JoinWay:
    config_id: str
    chat_ids: list[str]
    state: str | None
    remark: str | None
    qr_code: str
    scans: list[str] = field(default_factory=list)


def _users(sim, req) -> list[str]:
    users = req.field("user") or []
    if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
        raise ApiError(40058, "user must be a list of userids")
    for userid in users:
        user = sim.corp.users.get(userid)
        if user is None:
            raise ApiError(60111, f"userid {userid!r} not found")
        if not user.follow:
            raise ApiError(84074, f"{userid!r} has no 客户联系 permission")
    return users


def _quota(sim) -> None:
    if len(sim.corp.contact_ways) + len(sim.corp.join_ways) >= MAX_WAYS:
        raise ApiError(41054, f"at most {MAX_WAYS} 联系我 and 加入群聊 codes per corp")


def _way(sim, req) -> ContactWay:
    way = sim.corp.contact_ways.get(req.field("config_id", required=True))
    if way is None:
        raise ApiError(41044, "invalid config_id")
    return way


def way_json(way: ContactWay) -> dict:
    data = {
        "config_id": way.config_id,
        "type": way.type,
        "scene": way.scene,
        "skip_verify": way.skip_verify,
        "user": list(way.users),
        "party": [],
        "qr_code": way.qr_code,
    }
    if way.state:
        data["state"] = way.state
    if way.remark:
        data["remark"] = way.remark
    return data


@endpoint("POST", "externalcontact/add_contact_way", apps=CONTACT)
def add_contact_way(sim, req):
    type_, scene = req.int_field("type", 0), req.int_field("scene", 0)
    if type_ not in (1, 2) or scene not in (1, 2):
        raise ApiError(40058, "type must be 1 (single) or 2 (multi), scene 1 or 2")
    users = _users(sim, req)
    if not users:
        raise ApiError(40058, "user is required: the RMs the code adds")
    if type_ == 1 and len(users) != 1:
        raise ApiError(40058, "a single (type 1) code takes exactly one user")
    _quota(sim)
    config_id = new_id("", 32)
    way = ContactWay(
        config_id=config_id,
        type=type_,
        scene=scene,
        users=users,
        state=req.field("state") or None,
        remark=req.field("remark") or None,
        skip_verify=bool(req.field("skip_verify", True)),
        qr_code=f"https://wework.qpic.cn/wwpic/contact_way/{config_id}/0",
        create_time=sim.clock.timestamp(),
    )
    sim.corp.contact_ways[config_id] = way
    result = {"config_id": config_id}
    if scene == 2:
        result["qr_code"] = way.qr_code
    return result


@endpoint("POST", "externalcontact/get_contact_way", apps=CONTACT)
def get_contact_way(sim, req):
    return {"contact_way": way_json(_way(sim, req))}


@endpoint("POST", "externalcontact/update_contact_way", apps=CONTACT)
def update_contact_way(sim, req):
    way = _way(sim, req)
    if req.field("user") is not None:
        users = _users(sim, req)
        if not users or (way.type == 1 and len(users) != 1):
            raise ApiError(40058, "a single code takes exactly one user, a multi code one or more")
        way.users = users
    if req.field("state") is not None:
        way.state = req.field("state") or None
    if req.field("remark") is not None:
        way.remark = req.field("remark") or None
    if req.field("skip_verify") is not None:
        way.skip_verify = bool(req.field("skip_verify"))
    return {}


@endpoint("POST", "externalcontact/del_contact_way", apps=CONTACT)
def del_contact_way(sim, req):
    way = _way(sim, req)
    del sim.corp.contact_ways[way.config_id]
    return {}


@endpoint("POST", "externalcontact/list_contact_way", apps=CONTACT)
def list_contact_way(sim, req):
    start = req.int_field("start_time", 0)
    end = req.int_field("end_time", 2**40)
    ways = [w for w in sim.corp.contact_ways.values() if start <= w.create_time <= end]
    chunk, cursor = page(ways, req.field("cursor"), req.int_field("limit", 100))
    return {"contact_way": [{"config_id": w.config_id} for w in chunk], "next_cursor": cursor}


@endpoint("POST", "externalcontact/groupchat/add_join_way", apps=CONTACT)
def add_join_way(sim, req):
    chat_ids = req.field("chat_id_list") or []
    if not chat_ids or not isinstance(chat_ids, list):
        raise ApiError(40058, "chat_id_list is required (1 to 5 groups)")
    for chat_id in chat_ids:
        chat = sim.corp.chats.get(chat_id)
        if chat is None or chat.dismissed:
            raise ApiError(40050, f"invalid chat_id {chat_id!r}")
    _quota(sim)
    config_id = new_id("", 32)
    sim.corp.join_ways[config_id] = JoinWay(
        config_id=config_id,
        chat_ids=list(chat_ids),
        state=req.field("state") or None,
        remark=req.field("remark") or None,
        qr_code=f"https://wework.qpic.cn/wwpic/join_way/{config_id}/0",
    )
    return {"config_id": config_id}


def _join_way(sim, req) -> JoinWay:
    way = sim.corp.join_ways.get(req.field("config_id", required=True))
    if way is None:
        raise ApiError(41044, "invalid config_id")
    return way


@endpoint("POST", "externalcontact/groupchat/get_join_way", apps=CONTACT)
def get_join_way(sim, req):
    way = _join_way(sim, req)
    data = {
        "config_id": way.config_id,
        "scene": 2,
        "auto_create_room": 0,
        "chat_id_list": list(way.chat_ids),
        "qr_code": way.qr_code,
    }
    if way.state:
        data["state"] = way.state
    if way.remark:
        data["remark"] = way.remark
    return {"join_way": data}


@endpoint("POST", "externalcontact/groupchat/del_join_way", apps=CONTACT)
def del_join_way(sim, req):
    way = _join_way(sim, req)
    del sim.corp.join_ways[way.config_id]
    return {}
