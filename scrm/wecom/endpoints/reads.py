"""Typed calls for the WeCom endpoints scrm uses.

wechatpy's wrappers are used where they exist and are correct; raw ``client.get/post`` for
what wechatpy 1.8 lacks (``batch/get_by_user``, ``groupchat/get`` with ``need_name``, …).
Every function returns plain dataclasses, never WeCom's raw dicts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from scrm.db import from_timestamp
from scrm.wecom.client import WeComClient


@dataclass(frozen=True)
class DepartmentInfo:
    id: int
    name: str
    parent_id: int | None
    order: int = 0
    name_en: str | None = None


@dataclass(frozen=True)
class MemberInfo:
    userid: str
    name: str
    department_ids: tuple[int, ...] = ()
    main_department: int | None = None
    position: str | None = None
    mobile: str | None = None
    email: str | None = None
    avatar: str | None = None
    status: int = 1


@dataclass(frozen=True)
class TagRef:
    tag_id: str | None
    tag_name: str
    group_name: str | None
    type: int  # 1 corp, 2 personal, 3 rule


@dataclass(frozen=True)
class FollowInfo:
    userid: str
    remark: str | None = None
    description: str | None = None
    remark_corp_name: str | None = None
    created_at: datetime | None = None
    add_way: int = 0
    state: str | None = None
    oper_userid: str | None = None
    tags: tuple[TagRef, ...] = ()
    remark_mobiles: tuple[str, ...] = ()  # the phone numbers the RM noted for the customer


@dataclass(frozen=True)
class ExternalContactInfo:
    external_userid: str
    name: str
    type: int = 1
    gender: int = 0
    avatar: str | None = None
    unionid: str | None = None
    corp_name: str | None = None


@dataclass(frozen=True)
class ContactWithFollows:
    contact: ExternalContactInfo
    follows: tuple[FollowInfo, ...]


@dataclass(frozen=True)
class GroupMemberInfo:
    userid: str
    type: int  # 1 staff, 2 customer
    join_time: datetime | None = None
    join_scene: int | None = None
    invitor_userid: str | None = None
    group_nickname: str | None = None
    name: str | None = None
    unionid: str | None = None


@dataclass(frozen=True)
class GroupChatInfo:
    chat_id: str
    name: str
    owner: str
    created_at: datetime | None
    notice: str | None
    member_version: str | None
    members: tuple[GroupMemberInfo, ...] = ()
    admins: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorpTagInfo:
    id: str
    name: str
    order: int = 0
    created_at: datetime | None = None
    deleted: bool = False


@dataclass(frozen=True)
class CorpTagGroupInfo:
    group_id: str
    group_name: str
    order: int = 0
    created_at: datetime | None = None
    deleted: bool = False
    tags: tuple[CorpTagInfo, ...] = field(default_factory=tuple)


# ---- directory (通讯录) ------------------------------------------------------------------


def list_departments(client: WeComClient, department_id: int | None = None) -> list[DepartmentInfo]:
    """Every department visible to the app (``department/list``), parents first."""
    params = {"id": department_id} if department_id else {}
    data = client.get("department/list", params=params)
    depts = [
        DepartmentInfo(
            id=int(d["id"]),
            name=d.get("name", ""),
            parent_id=int(d["parentid"]) if d.get("parentid") else None,
            order=int(d.get("order", 0)),
            name_en=d.get("name_en") or None,
        )
        for d in data.get("department", [])
    ]
    return depts


def _member(d: dict) -> MemberInfo:
    depts = tuple(int(x) for x in d.get("department", []))
    main = d.get("main_department")
    return MemberInfo(
        userid=d["userid"],
        name=d.get("name", ""),
        department_ids=depts,
        main_department=int(main) if main else (depts[0] if depts else None),
        position=d.get("position") or None,
        mobile=d.get("mobile") or None,
        email=d.get("email") or None,
        avatar=d.get("avatar") or None,
        status=int(d.get("status", 1)),
    )


def list_members(
    client: WeComClient, department_id: int, fetch_child: bool = True
) -> list[MemberInfo]:
    """Members of a department (``user/list``), with children when ``fetch_child``."""
    data = client.get(
        "user/list",
        params={"department_id": department_id, "fetch_child": 1 if fetch_child else 0},
    )
    return [_member(d) for d in data.get("userlist", [])]


def get_member(client: WeComClient, userid: str) -> MemberInfo:
    """One member (``user/get``)."""
    return _member(client.get("user/get", params={"userid": userid}))


# ---- customers (客户联系) -----------------------------------------------------------------


def list_follow_users(client: WeComClient) -> list[str]:
    """Userids of the members with 客户联系 enabled (``get_follow_user_list``)."""
    return list(client.get("externalcontact/get_follow_user_list").get("follow_user", []))


def _tags(items: list[dict]) -> tuple[TagRef, ...]:
    return tuple(
        TagRef(
            tag_id=t.get("tag_id") or None,
            tag_name=t.get("tag_name", ""),
            group_name=t.get("group_name") or None,
            type=int(t.get("type", 1)),
        )
        for t in items
    )


def _follow(d: dict, tags: tuple[TagRef, ...]) -> FollowInfo:
    return FollowInfo(
        userid=d["userid"],
        remark=d.get("remark") or None,
        description=d.get("description") or None,
        remark_corp_name=d.get("remark_corp_name") or None,
        created_at=from_timestamp(d.get("createtime")),
        add_way=int(d.get("add_way", 0)),
        state=d.get("state") or None,
        oper_userid=d.get("oper_userid") or None,
        tags=tags,
        remark_mobiles=tuple(str(m) for m in d.get("remark_mobiles") or ()),
    )


def _contact(d: dict) -> ExternalContactInfo:
    return ExternalContactInfo(
        external_userid=d["external_userid"],
        name=d.get("name", ""),
        type=int(d.get("type", 1)),
        gender=int(d.get("gender", 0)),
        avatar=d.get("avatar") or None,
        unionid=d.get("unionid") or None,
        corp_name=d.get("corp_name") or None,
    )


def get_external_contact(client: WeComClient, external_userid: str) -> ContactWithFollows:
    """One customer and every RM following them (``externalcontact/get``, all cursor pages)."""
    follows: list[FollowInfo] = []
    cursor = ""
    while True:
        params = {"external_userid": external_userid}
        if cursor:
            params["cursor"] = cursor
        data = client.get("externalcontact/get", params=params)
        follows.extend(_follow(f, _tags(f.get("tags", []))) for f in data.get("follow_user", []))
        cursor = data.get("next_cursor") or ""
        if not cursor:
            return ContactWithFollows(_contact(data["external_contact"]), tuple(follows))


def batch_get_by_user(
    client: WeComClient, userids: list[str], cursor: str = "", limit: int = 100
) -> tuple[list[tuple[ExternalContactInfo, FollowInfo]], str]:
    """One page of the customers of up to 100 RMs (``batch/get_by_user``).

    Tags come back as ids only here; names are resolved from the stored corp tags.
    :return: ``(items, next_cursor)``; an empty cursor means the last page.
    """
    data = client.post(
        "externalcontact/batch/get_by_user",
        data={"userid_list": userids, "cursor": cursor, "limit": limit},
    )
    items = []
    for entry in data.get("external_contact_list", []):
        info = entry["follow_info"]
        tags = tuple(TagRef(t, "", None, 1) for t in info.get("tag_id", []))
        items.append((_contact(entry["external_contact"]), _follow(info, tags)))
    return items, data.get("next_cursor") or ""


def list_corp_tags(
    client: WeComClient, tag_ids: list[str] | None = None, group_ids: list[str] | None = None
) -> list[CorpTagGroupInfo]:
    """Corp tag groups with their tags (``get_corp_tag_list``); filter by tag or group ids."""
    body: dict = {}
    if tag_ids:
        body["tag_id"] = tag_ids
    if group_ids:
        body["group_id"] = group_ids
    data = client.post("externalcontact/get_corp_tag_list", data=body)
    groups = []
    for g in data.get("tag_group", []):
        tags = tuple(
            CorpTagInfo(
                id=t["id"],
                name=t.get("name", ""),
                order=int(t.get("order", 0)),
                created_at=from_timestamp(t.get("create_time")),
                deleted=bool(t.get("deleted", False)),
            )
            for t in g.get("tag", [])
        )
        groups.append(
            CorpTagGroupInfo(
                group_id=g["group_id"],
                group_name=g.get("group_name", ""),
                order=int(g.get("order", 0)),
                created_at=from_timestamp(g.get("create_time")),
                deleted=bool(g.get("deleted", False)),
                tags=tags,
            )
        )
    return groups


# ---- customer groups (客户群) ------------------------------------------------------------


def list_group_chats(
    client: WeComClient, owner_userids: list[str] | None = None, cursor: str = "", limit: int = 1000
) -> tuple[list[str], str]:
    """One page of customer-group chat ids (``groupchat/list``).

    :return: ``(chat_ids, next_cursor)``; an empty cursor means the last page.
    """
    body: dict = {"status_filter": 0, "limit": limit}
    if cursor:
        body["cursor"] = cursor
    if owner_userids:
        body["owner_filter"] = {"userid_list": owner_userids}
    data = client.post("externalcontact/groupchat/list", data=body)
    return [g["chat_id"] for g in data.get("group_chat_list", [])], data.get("next_cursor") or ""


def iter_group_chats(client: WeComClient, owner_userids: list[str] | None = None) -> Iterator[str]:
    """Every customer-group chat id, all pages."""
    cursor = ""
    while True:
        ids, cursor = list_group_chats(client, owner_userids, cursor)
        yield from ids
        if not cursor:
            return


def get_group_chat(client: WeComClient, chat_id: str) -> GroupChatInfo:
    """One customer group with its members (``groupchat/get`` with ``need_name``)."""
    g = client.post("externalcontact/groupchat/get", data={"chat_id": chat_id, "need_name": 1})[
        "group_chat"
    ]
    members = tuple(
        GroupMemberInfo(
            userid=m["userid"],
            type=int(m.get("type", 2)),
            join_time=from_timestamp(m.get("join_time")),
            join_scene=int(m["join_scene"]) if m.get("join_scene") is not None else None,
            invitor_userid=(m.get("invitor") or {}).get("userid") or None,
            group_nickname=m.get("group_nickname") or None,
            name=m.get("name") or None,
            unionid=m.get("unionid") or None,
        )
        for m in g.get("member_list", [])
    )
    return GroupChatInfo(
        chat_id=g["chat_id"],
        name=g.get("name", ""),
        owner=g.get("owner", ""),
        created_at=from_timestamp(g.get("create_time")),
        notice=g.get("notice") or None,
        member_version=g.get("member_version") or None,
        members=members,
        admins=tuple(a["userid"] for a in g.get("admin_list", [])),
    )
