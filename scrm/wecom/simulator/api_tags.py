"""客户联系 corp tags (企业客户标签): list, add, edit, delete, and mark on a customer."""

from __future__ import annotations

from scrm.wecom.simulator.endpoints import CONTACT, ApiError, endpoint
from scrm.wecom.simulator.limits import MAX_CORP_TAGS
from scrm.wecom.simulator.state import Tag, TagGroup


def _tag_json(t: Tag) -> dict:
    return {"id": t.id, "name": t.name, "create_time": t.create_time, "order": t.order}


def group_json(g: TagGroup, tags=None) -> dict:
    tags = list(g.tags.values()) if tags is None else tags
    return {
        "group_id": g.group_id,
        "group_name": g.name,
        "create_time": g.create_time,
        "order": g.order,
        "tag": [_tag_json(t) for t in sorted(tags, key=lambda t: -t.order)],
    }


def _id_list(req, name: str) -> list[str]:
    value = req.field(name) or []
    if not isinstance(value, list):
        raise ApiError(40058, f"{name} must be a list")
    return [str(v) for v in value]


@endpoint("POST", "externalcontact/get_corp_tag_list", apps=CONTACT)
def get_corp_tag_list(sim, req):
    groups = sorted(sim.corp.tag_groups.values(), key=lambda g: -g.order)
    group_ids, tag_ids = _id_list(req, "group_id"), _id_list(req, "tag_id")
    if group_ids:  # group_id wins: tag_id is then ignored, as documented
        return {"tag_group": [group_json(g) for g in groups if g.group_id in group_ids]}
    if tag_ids:
        result = []
        for g in groups:
            hits = [t for t in g.tags.values() if t.id in tag_ids]
            if hits:
                result.append(group_json(g, hits))
        return {"tag_group": result}
    return {"tag_group": [group_json(g) for g in groups]}


@endpoint("POST", "externalcontact/add_corp_tag", apps=CONTACT)
def add_corp_tag(sim, req):
    corp = sim.corp
    tags = req.field("tag") or []
    if not tags or not all(isinstance(t, dict) and t.get("name") for t in tags):
        raise ApiError(40058, "tag must list at least one {name}; empty groups are not allowed")
    if corp.tag_count() + len(tags) > MAX_CORP_TAGS:
        raise ApiError(40058, f"a corp may have at most {MAX_CORP_TAGS} tags")
    group, group_name = None, req.field("group_name")
    if req.field("group_id"):
        group = corp.tag_groups.get(req.field("group_id"))
        if group is None:
            raise ApiError(40068, "invalid group_id")
    elif group_name:
        group = next((g for g in corp.tag_groups.values() if g.name == group_name), None)
    else:
        raise ApiError(40058, "add_corp_tag needs group_id or group_name")
    if group is None:
        now = sim.clock.timestamp()
        group = TagGroup(corp.new_tag_id(), group_name, now, req.int_field("order", 0))
        corp.tag_groups[group.group_id] = group
    names = {t.name for t in group.tags.values()}
    for t in tags:
        if t["name"] in names:
            raise ApiError(40071, f"tag name {t['name']!r} already exists in this group")
        names.add(t["name"])
    added = [corp.add_tag(group.group_id, t["name"], int(t.get("order", 0))) for t in tags]
    return {"tag_group": group_json(group, added)}


@endpoint("POST", "externalcontact/edit_corp_tag", apps=CONTACT)
def edit_corp_tag(sim, req):
    target_id = req.field("id", required=True)
    target = sim.corp.tag_groups.get(target_id) or sim.corp.find_tag(target_id)
    if target is None:
        raise ApiError(40068, "invalid tagid")
    if req.field("name") is not None:
        if not req.field("name"):
            raise ApiError(40058, "name may not be empty")
        target.name = req.field("name")
    if req.field("order") is not None:
        target.order = req.int_field("order", 0)
    return {}


@endpoint("POST", "externalcontact/del_corp_tag", apps=CONTACT)
def del_corp_tag(sim, req):
    corp = sim.corp
    tag_ids, group_ids = _id_list(req, "tag_id"), _id_list(req, "group_id")
    if not tag_ids and not group_ids:
        raise ApiError(40058, "del_corp_tag needs tag_id or group_id")
    unknown = [g for g in group_ids if g not in corp.tag_groups]
    unknown += [t for t in tag_ids if corp.find_tag(t) is None]
    if unknown:
        raise ApiError(40068, f"invalid tagid: {unknown}")
    for tag_id in tag_ids:
        corp.delete_tag(tag_id)
    for group_id in group_ids:
        corp.delete_tag_group(group_id)
    return {}


@endpoint("POST", "externalcontact/mark_tag", apps=CONTACT)
def mark_tag(sim, req):
    from scrm.wecom.simulator.api_customers import require_follow

    follow = require_follow(
        sim, req.field("userid", required=True), req.field("external_userid", required=True)
    )
    add, remove = _id_list(req, "add_tag"), _id_list(req, "remove_tag")
    if not add and not remove:
        raise ApiError(40058, "mark_tag needs add_tag or remove_tag")
    unknown = [t for t in add + remove if sim.corp.find_tag(t) is None]
    if unknown:
        raise ApiError(40068, f"invalid tagid: {unknown}")
    sim.corp.retag(follow, add, remove)
    return {}
