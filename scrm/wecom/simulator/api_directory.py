"""Directory (通讯录) reads and the agent app's own calls: departments, members, app
messages, JS-SDK tickets and OAuth identity.
"""

from __future__ import annotations

import hashlib

from scrm.wecom.simulator.endpoints import AGENT, BOTH, ApiError, endpoint, page
from scrm.wecom.simulator.jobs import OUTSIDER
from scrm.wecom.simulator.state import Department, User


def department_json(d: Department) -> dict:
    return {
        "id": d.id,
        "name": d.name,
        "name_en": d.name_en or "",
        "department_leader": [],
        "parentid": d.parent_id or 0,
        "order": d.order,
    }


def user_json(u: User) -> dict:
    return {
        "userid": u.userid,
        "name": u.name,
        "department": list(u.department_ids),
        "order": [0 for _ in u.department_ids],
        "position": u.position or "",
        "mobile": u.mobile or "",
        "gender": str(u.gender),
        "email": u.email or "",
        "is_leader_in_dept": [0 for _ in u.department_ids],
        "direct_leader": [],
        "avatar": "",
        "telephone": "",
        "alias": "",
        "status": u.status,
        "main_department": u.department_ids[0] if u.department_ids else 0,
    }


def _department_id(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ApiError(60003, f"department {value!r} not found") from None


@endpoint("GET", "department/list", apps=BOTH)
def list_departments(sim, req):
    corp = sim.corp
    if req.args.get("id"):
        root = _department_id(req.args["id"])
        if root not in corp.departments:
            raise ApiError(60003, f"department {root} not found")
        ids = corp.subtree(root)
    else:
        roots = [d.id for d in corp.departments.values() if d.parent_id is None]
        ids = [i for r in roots for i in corp.subtree(r)]
    return {"department": [department_json(corp.departments[i]) for i in ids]}


@endpoint("GET", "user/get", apps=BOTH)
def get_user(sim, req):
    user = sim.corp.users.get(req.arg("userid"))
    if user is None:
        raise ApiError(60111, "userid not found")
    return user_json(user)


@endpoint("GET", "user/list", apps=BOTH)
def list_users(sim, req):
    corp = sim.corp
    dept = _department_id(req.arg("department_id"))
    if dept not in corp.departments:
        raise ApiError(60003, f"department {dept} not found")
    fetch_child = req.args.get("fetch_child") in ("1", "true")
    depts = set(corp.subtree(dept) if fetch_child else [dept])
    users = [u for u in corp.users.values() if depts.intersection(u.department_ids)]
    return {"userlist": [user_json(u) for u in users]}


@endpoint("POST", "user/list_id", apps=BOTH)
def list_user_ids(sim, req):
    rows = [
        {"userid": u.userid, "department": d}
        for u in sim.corp.users.values()
        for d in u.department_ids
    ]
    chunk, cursor = page(rows, req.field("cursor"), req.int_field("limit", 10000))
    return {"next_cursor": cursor, "dept_user": chunk}


@endpoint("POST", "message/send", apps=AGENT)
def send_app_message(sim, req):
    if str(req.field("agentid", "")) != str(sim.agent_id):
        raise ApiError(40056, "invalid agentid")
    msgtype = req.field("msgtype", required=True)
    if msgtype not in req.body:
        raise ApiError(40008, f"invalid message type: body has no {msgtype!r} section")
    touser = [t for t in str(req.field("touser", "")).split("|") if t]
    if not touser:
        raise ApiError(40058, "touser is required")
    invalid = [t for t in touser if t != "@all" and t not in sim.corp.users]
    sim.jobs.sent_app_messages.append(dict(req.body))
    msgid = hashlib.md5(f"{len(sim.jobs.sent_app_messages)}".encode()).hexdigest()
    return {"invaliduser": "|".join(invalid), "msgid": msgid}


def _ticket(sim, kind: str) -> dict:
    # Deterministic per corp and kind, so tests can compute the JS-SDK signature.
    seed = f"{sim.corp_id}:{kind}:{sim.clock.timestamp() // 7200}"
    return {"ticket": hashlib.sha1(seed.encode()).hexdigest(), "expires_in": 7200}


@endpoint("GET", "get_jsapi_ticket", apps=AGENT)
def get_corp_ticket(sim, req):
    return _ticket(sim, "corp")


@endpoint("GET", "ticket/get", apps=AGENT)
def get_agent_ticket(sim, req):
    if req.args.get("type") != "agent_config":
        raise ApiError(40058, "type must be agent_config")
    return _ticket(sim, "agent_config")


@endpoint("GET", "auth/getuserinfo", apps=AGENT)
def get_user_identity(sim, req):
    code = req.arg("code")
    entry = sim.jobs.oauth_codes.pop(code, None)
    if entry is None or entry[1] < sim.clock.now():
        raise ApiError(40029, "invalid code: unknown, used or older than 5 minutes")
    if entry[0].startswith(OUTSIDER):  # a customer, not a member of the corp
        external_userid = entry[0].removeprefix(OUTSIDER)
        return {"openid": "o" + external_userid[2:], "external_userid": external_userid}
    return {"userid": entry[0], "user_ticket": ""}
