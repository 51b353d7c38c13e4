"""Mass messages (客户群发) and moments (客户朋友圈): both create tasks that RMs confirm or
publish in WeCom (see :mod:`operator_tasks`); scrm polls for results.
"""

from __future__ import annotations

from scrm.wecom.simulator.endpoints import CONTACT, ApiError, endpoint, page
from scrm.wecom.simulator.jobs import MassMessage, MassRecipient, MomentTask
from scrm.wecom.simulator.state import new_id

#: The corp may create at most this many moment tasks per minute.
MOMENT_TASKS_PER_MINUTE = 10
#: get_groupmsg_list_v2 and get_moment_list refuse a time window longer than one month.
MAX_LIST_WINDOW = 31 * 86400


def _recipients_single(sim, req, sender: str | None) -> tuple[list[MassRecipient], list[str]]:
    corp = sim.corp
    targets = req.field("external_userid") or []
    if not targets and sender:  # sender alone: every customer of that member
        targets = [f.external_userid for f in corp.follows_of_user(sender)]
    recipients, failed = [], []
    for eid in targets:
        follows = [f for f in corp.follows_of_customer(eid) if sender in (None, f.userid)]
        if not follows:
            failed.append(eid)
        recipients.extend(MassRecipient(eid, f.userid) for f in follows)
    return recipients, failed


@endpoint("POST", "externalcontact/add_msg_template", apps=CONTACT)
def add_msg_template(sim, req):
    chat_type = req.field("chat_type", "single")
    if chat_type not in ("single", "group"):
        raise ApiError(40058, "chat_type must be single or group")
    sender = req.field("sender")
    if sender is not None and sender not in sim.corp.users:
        raise ApiError(60111, f"sender {sender!r} not found")
    text = (req.field("text") or {}).get("content", "")
    if not text and not req.field("attachments"):
        raise ApiError(40058, "a mass message needs text or attachments")
    if chat_type == "group":
        if not sender:
            raise ApiError(40058, "sender is required for chat_type group")
        chat_ids = req.field("chat_id_list") or [
            c.chat_id for c in sim.corp.chats.values() if c.owner == sender and not c.dismissed
        ]
        recipients = [MassRecipient(c, sender) for c in chat_ids if c in sim.corp.chats]
        failed = [c for c in chat_ids if c not in sim.corp.chats]
    else:
        recipients, failed = _recipients_single(sim, req, sender)
    if not recipients:
        raise ApiError(41048, "no valid recipient: nobody to send this mass message to")
    message = MassMessage(
        new_id("msg", 20),
        chat_type,
        sender,
        sim.clock.timestamp(),
        text,
        list(req.field("attachments") or []),
        recipients=recipients,
    )
    message.senders = {r.userid: 0 for r in recipients}
    sim.jobs.mass_messages[message.msgid] = message
    return {"fail_list": failed, "msgid": message.msgid}


def _message(sim, req) -> MassMessage:
    message = sim.jobs.mass_messages.get(req.field("msgid", required=True))
    if message is None:
        raise ApiError(40058, "invalid msgid")
    return message


@endpoint("POST", "externalcontact/get_groupmsg_task", apps=CONTACT)
def get_groupmsg_task(sim, req):
    message = _message(sim, req)
    rows = [
        {"userid": u, "status": s, **({"send_time": message.send_times[u]} if s == 2 else {})}
        for u, s in message.senders.items()
    ]
    chunk, cursor = page(rows, req.field("cursor"), req.int_field("limit", 500))
    return {"task_list": chunk, "next_cursor": cursor}


@endpoint("POST", "externalcontact/get_groupmsg_send_result", apps=CONTACT)
def get_groupmsg_send_result(sim, req):
    message = _message(sim, req)
    userid = req.field("userid", required=True)
    key = "chat_id" if message.chat_type == "group" else "external_userid"
    rows = [
        {key: r.target, "userid": r.userid, "status": r.status, "send_time": r.send_time}
        for r in message.recipients
        if r.userid == userid and (message.chat_type == "single" or r.status == 1)
    ]
    chunk, cursor = page(rows, req.field("cursor"), req.int_field("limit", 500))
    return {"send_list": chunk, "next_cursor": cursor}


@endpoint("POST", "externalcontact/add_moment_task", apps=CONTACT)
def add_moment_task(sim, req):
    now = sim.clock.now()
    recent = [t for t in sim.jobs.moment_creations if t > now - 60]
    if len(recent) >= MOMENT_TASKS_PER_MINUTE:
        raise ApiError(45009, f"at most {MOMENT_TASKS_PER_MINUTE} moment tasks per minute")
    text = (req.field("text") or {}).get("content", "")
    if not text and not req.field("attachments"):
        raise ApiError(40058, "a moment needs text or attachments")
    senders = (req.field("visible_range") or {}).get("sender_list") or {}
    users = set(senders.get("user_list") or [])
    for dept in senders.get("department_list") or []:
        subtree = set(sim.corp.subtree(int(dept)))
        users |= {u.userid for u in sim.corp.users.values() if subtree & set(u.department_ids)}
    if not senders:  # no sender list: everyone with 客户联系 in the app's visible range
        users = {u.userid for u in sim.corp.users.values() if u.follow}
    valid = [u for u in sorted(users) if u in sim.corp.users and sim.corp.users[u].follow]
    attachments = list(req.field("attachments") or [])
    task = MomentTask(new_id("job", 20), new_id("mom", 20), int(now), text, attachments=attachments)
    task.senders = {u: 0 for u in valid}
    task.invalid_senders = sorted(users - set(valid))
    sim.jobs.moments[task.jobid] = task
    sim.jobs.moment_creations = [*recent, now]
    return {"jobid": task.jobid}


@endpoint("GET", "externalcontact/get_moment_task_result", apps=CONTACT)
def get_moment_task_result(sim, req):
    task = sim.jobs.moments.get(req.arg("jobid"))
    if task is None:
        raise ApiError(40058, "invalid jobid")
    return {
        "status": 3,
        "type": "add_moment_task",
        "result": {
            "errcode": 0,
            "errmsg": "ok",
            "moment_id": task.moment_id,
            "invalid_sender_list": {"user_list": task.invalid_senders, "department_list": []},
            "invalid_external_contact_list": {"tag_list": []},
        },
    }


@endpoint("POST", "externalcontact/get_moment_task", apps=CONTACT)
def get_moment_task(sim, req):
    moment_id = req.field("moment_id", required=True)
    task = next((t for t in sim.jobs.moments.values() if t.moment_id == moment_id), None)
    if task is None:
        raise ApiError(40058, "invalid moment_id")
    rows = [{"userid": u, "publish_status": s} for u, s in task.senders.items()]
    chunk, cursor = page(rows, req.field("cursor"), req.int_field("limit", 500))
    return {"task_list": chunk, "next_cursor": cursor}


def _window(req) -> tuple[int, int]:
    start = req.int_field("start_time", 0)
    end = req.int_field("end_time", 0)
    if not start or not end:
        raise ApiError(40058, "start_time and end_time are required")
    if end < start or end - start > MAX_LIST_WINDOW:
        raise ApiError(40058, "end_time must follow start_time by at most one month")
    return start, end


def _created_by_corp(req) -> bool:
    # Messages and moments created through the API are the corp's (create_type 0); the
    # simulator has no member-created ones, so filter_type 1 lists nothing.
    filter_type = req.int_field("filter_type", 2)
    if filter_type not in (0, 1, 2):
        raise ApiError(40058, "filter_type must be 0, 1 or 2")
    return filter_type != 1


@endpoint("POST", "externalcontact/get_groupmsg_list_v2", apps=CONTACT)
def get_groupmsg_list_v2(sim, req):
    start, end = _window(req)
    chat_type = req.field("chat_type", "single")
    creator = req.field("creator")
    limit = req.int_field("limit", 50)
    if not 1 <= limit <= 100:
        raise ApiError(40058, "limit must be 1 to 100")
    rows = [
        {
            "msgid": m.msgid,
            "creator": m.creator or "",
            "create_time": m.create_time,
            "create_type": 0,
            "text": {"content": m.text},
            "attachments": m.attachments,
        }
        for m in sim.jobs.mass_messages.values()
        if m.chat_type == chat_type
        and start <= m.create_time <= end
        and creator in (None, "", m.creator)
        and _created_by_corp(req)
    ]
    chunk, cursor = page(rows, req.field("cursor"), limit)
    return {"group_msg_list": chunk, "next_cursor": cursor}


def _moment_sections(attachments: list) -> dict:
    sections: dict = {}
    for item in attachments:
        kind = item.get("msgtype")
        if kind == "image":
            sections.setdefault("image", []).append({"media_id": item["image"].get("media_id")})
        elif kind in ("video", "link"):
            sections[kind] = dict(item[kind])
    return sections


@endpoint("POST", "externalcontact/get_moment_list", apps=CONTACT)
def get_moment_list(sim, req):
    start, end = _window(req)
    limit = req.int_field("limit", 20)
    if not 1 <= limit <= 20:
        raise ApiError(40058, "limit must be 1 to 20")
    creator = req.field("creator")
    rows = [
        {
            "moment_id": t.moment_id,
            "creator": "",  # a corp moment has no member creator
            "create_time": t.create_time,
            "create_type": 0,
            "visible_type": 0,
            "text": {"content": t.text},
            **_moment_sections(t.attachments),
        }
        for t in sim.jobs.moments.values()
        if start <= t.create_time <= end and not creator and _created_by_corp(req)
    ]
    chunk, cursor = page(rows, req.field("cursor"), limit)
    return {"moment_list": chunk, "next_cursor": cursor}
