"""Directory tags (通讯录标签): ``tag/list`` and ``tag/get``, with the corp's tags kept beside
its other directory data (so ``Simulator.reset`` empties them).

WeCom: ``tag/list`` answers ``taglist[{tagid, tagname}]``; ``tag/get?tagid=`` answers
``tagname, userlist[{userid, name}], partylist[dept ids]``; an unknown tag is 40068.
Seed with :func:`add_staff_tag`; HR re-tagging with its callback is
:func:`scrm.wecom.simulator.operator_staff_tags.hr_tags_staff`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scrm.wecom.simulator.endpoints import BOTH, ApiError, endpoint

MAX_TAG_NAME_CHARS = 32  # WeCom: a tag name is at most 32 characters


@dataclass
class StaffTag:
    tagid: int
    name: str
    userids: list[str] = field(default_factory=list)
    department_ids: list[int] = field(default_factory=list)


def staff_tags(sim) -> dict[int, StaffTag]:
    """The corp's directory tags by id; held on the corp, so a reset starts with none."""
    corp = sim.corp
    if not hasattr(corp, "staff_tags"):
        corp.staff_tags = {}
    return corp.staff_tags


def add_staff_tag(sim, name: str, userids=(), department_ids=()) -> int:
    """Seed a directory tag (no callback); returns its tagid.

    :raise ValueError: unknown members or departments, or a name WeCom refuses.
    """
    with sim.lock:
        if not name or len(name) > MAX_TAG_NAME_CHARS:
            raise ValueError(f"a tag name is 1 to {MAX_TAG_NAME_CHARS} characters")
        unknown = [u for u in userids if u not in sim.corp.users]
        unknown += [d for d in department_ids if int(d) not in sim.corp.departments]
        if unknown:
            raise ValueError(f"unknown members or departments {unknown}; seed them first")
        tags = staff_tags(sim)
        tagid = max(tags, default=0) + 1
        tags[tagid] = StaffTag(tagid, name, list(userids), [int(d) for d in department_ids])
        return tagid


@endpoint("GET", "tag/list", apps=BOTH)
def list_tags(sim, req):
    return {"taglist": [{"tagid": t.tagid, "tagname": t.name} for t in staff_tags(sim).values()]}


@endpoint("GET", "tag/get", apps=BOTH)
def get_tag(sim, req):
    try:
        tag = staff_tags(sim).get(int(req.arg("tagid")))
    except ValueError:
        raise ApiError(40068, "invalid tagid") from None
    if tag is None:
        raise ApiError(40068, "invalid tagid")
    users = [sim.corp.users[u] for u in tag.userids if u in sim.corp.users]
    return {
        "tagname": tag.name,
        "userlist": [{"userid": u.userid, "name": u.name} for u in users],
        "partylist": list(tag.department_ids),
    }
