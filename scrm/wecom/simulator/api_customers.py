"""客户联系: customers, their follow relations, remarks and welcome messages."""

from __future__ import annotations

from scrm.wecom.simulator.endpoints import CONTACT, ApiError, endpoint, page
from scrm.wecom.simulator.state import Customer, Follow

#: externalcontact/get returns at most this many follow_user entries per page.
FOLLOW_PAGE = 500


def customer_json(c: Customer) -> dict:
    data = {
        "external_userid": c.external_userid,
        "name": c.name,
        "avatar": "",
        "type": c.type,
        "gender": c.gender,
    }
    if c.unionid:
        data["unionid"] = c.unionid
    if c.type == 2:
        data["corp_name"] = c.corp_name or ""
        data["corp_full_name"] = c.corp_name or ""
        data["position"] = ""
    return data


def follow_json(sim, f: Follow, *, tag_names: bool) -> dict:
    data = {
        "userid": f.userid,
        "remark": f.remark or "",
        "description": f.description or "",
        "createtime": f.createtime,
        "remark_corp_name": f.remark_corp_name or "",
        "remark_mobiles": list(f.remark_mobiles),
        "oper_userid": f.external_userid if f.add_way in (0, 1) else f.userid,
        "add_way": f.add_way,
    }
    if f.state:
        data["state"] = f.state
    if tag_names:
        tags = []
        for tag_id in f.tag_ids:
            tag = sim.corp.find_tag(tag_id)
            if tag is not None:
                group = sim.corp.tag_groups[tag.group_id]
                tags.append(
                    {"group_name": group.name, "tag_name": tag.name, "type": 1, "tag_id": tag.id}
                )
        data["tags"] = tags
    else:
        data["tag_id"] = [t for t in f.tag_ids if sim.corp.find_tag(t) is not None]
    return data


def require_follow(sim, userid: str, external_userid: str) -> Follow:
    """:raise ApiError: 60111 unknown member, 40096 unknown customer, 84061 no relation."""
    if userid not in sim.corp.users:
        raise ApiError(60111, f"userid {userid!r} not found")
    if external_userid not in sim.corp.customers:
        raise ApiError(40096, "invalid external_userid")
    follow = sim.corp.follows.get((userid, external_userid))
    if follow is None:
        raise ApiError(84061, "not external contact: no follow relation between them")
    return follow


def _follow_user(sim, userid: str):
    user = sim.corp.users.get(userid)
    if user is None:
        raise ApiError(60111, f"userid {userid!r} not found")
    if not user.follow:
        raise ApiError(84074, f"{userid!r} has no 客户联系 permission")
    return user


@endpoint("GET", "externalcontact/get_follow_user_list", apps=CONTACT)
def get_follow_user_list(sim, req):
    return {"follow_user": [u.userid for u in sim.corp.users.values() if u.follow]}


@endpoint("GET", "externalcontact/list", apps=CONTACT)
def list_customers(sim, req):
    userid = req.arg("userid")
    _follow_user(sim, userid)
    ids = [f.external_userid for f in sim.corp.follows_of_user(userid)]
    if not ids:
        # WeCom answers an error, not an empty list, for a member without customers.
        raise ApiError(84061, "not external contact")
    return {"external_userid": ids}


@endpoint("GET", "externalcontact/get", apps=CONTACT)
def get_customer(sim, req):
    customer = sim.corp.customers.get(req.arg("external_userid"))
    if customer is None:
        raise ApiError(40096, "invalid external_userid")
    follows = sim.corp.follows_of_customer(customer.external_userid)
    if not follows:
        raise ApiError(84061, "not external contact")
    chunk, cursor = page(follows, req.args.get("cursor"), FOLLOW_PAGE)
    return {
        "external_contact": customer_json(customer),
        "follow_user": [follow_json(sim, f, tag_names=True) for f in chunk],
        "next_cursor": cursor,
    }


@endpoint("POST", "externalcontact/batch/get_by_user", apps=CONTACT)
def batch_get_by_user(sim, req):
    userids = req.field("userid_list") or ([req.field("userid")] if req.field("userid") else [])
    if not userids:
        raise ApiError(40058, "userid_list is required (1 to 100 userids)")
    rows = []
    for userid in userids:
        _follow_user(sim, userid)
        rows.extend(sim.corp.follows_of_user(userid))
    chunk, cursor = page(rows, req.field("cursor"), req.int_field("limit", 50))
    return {
        "external_contact_list": [
            {
                "external_contact": customer_json(sim.corp.customers[f.external_userid]),
                "follow_info": follow_json(sim, f, tag_names=False),
            }
            for f in chunk
        ],
        "next_cursor": cursor,
        "fail_info": {"unlicensed_userid_list": []},
    }


@endpoint("POST", "externalcontact/remark", apps=CONTACT)
def remark_customer(sim, req):
    follow = require_follow(
        sim, req.field("userid", required=True), req.field("external_userid", required=True)
    )
    fields = ("remark", "description", "remark_company", "remark_mobiles", "remark_pic_mediaid")
    if all(req.body.get(name) is None for name in fields):
        raise ApiError(40058, "remark needs at least one of " + ", ".join(fields))
    if req.body.get("remark") is not None:
        follow.remark = req.body["remark"]
    if req.body.get("description") is not None:
        follow.description = req.body["description"]
    if req.body.get("remark_company") is not None:
        follow.remark_corp_name = req.body["remark_company"]
    if req.body.get("remark_mobiles") is not None:
        follow.remark_mobiles = list(req.body["remark_mobiles"])  # overwrites, as documented
    return {}


@endpoint("POST", "externalcontact/send_welcome_msg", apps=CONTACT)
def send_welcome_message(sim, req):
    code = sim.jobs.welcome_codes.get(req.field("welcome_code", required=True))
    if code is None or code.used or code.expires_at < sim.clock.now():
        raise ApiError(41051, "welcome code used, expired (20 s) or unknown")
    if not req.field("text") and not req.field("attachments"):
        raise ApiError(40058, "send_welcome_msg needs text or attachments")
    code.used = True
    # What the customer saw, and when: tests check the 20-second window and the text.
    sim.jobs.sent_welcome_messages.append(
        {
            "welcome_code": req.field("welcome_code"),
            "userid": code.userid,
            "external_userid": code.external_userid,
            "text": (req.field("text") or {}).get("content"),
            "attachments": list(req.field("attachments") or []),
            "sent_at": sim.clock.now(),
            "code_expires_at": code.expires_at,
        }
    )
    return {}
