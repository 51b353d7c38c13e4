"""The simulator's records of corp data, shaped after the fields WeCom returns."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field


@dataclass
class Department:
    id: int
    name: str
    parent_id: int | None
    order: int = 0
    name_en: str | None = None


@dataclass
class User:
    userid: str
    name: str
    department_ids: list[int]
    follow: bool = True  # 客户联系 enabled for this member
    position: str | None = None
    mobile: str | None = None
    email: str | None = None
    status: int = 1  # 1 active, 2 disabled, 4 inactive, 5 quit
    gender: int = 0


@dataclass
class Customer:
    external_userid: str
    name: str
    type: int = 1  # 1 WeChat user, 2 WeCom user
    gender: int = 0
    unionid: str | None = None
    corp_name: str | None = None


@dataclass
class Follow:
    userid: str
    external_userid: str
    createtime: int
    remark: str | None = None
    description: str | None = None
    state: str | None = None
    add_way: int = 1
    tag_ids: list[str] = field(default_factory=list)
    remark_corp_name: str | None = None
    remark_mobiles: list[str] = field(default_factory=list)


@dataclass
class Tag:
    id: str
    name: str
    group_id: str
    create_time: int
    order: int = 0


@dataclass
class TagGroup:
    group_id: str
    name: str
    create_time: int
    order: int = 0
    tags: dict[str, Tag] = field(default_factory=dict)


@dataclass
class GroupMember:
    userid: str
    type: int  # 1 staff, 2 customer
    join_time: int
    join_scene: int = 1  # 1 invited directly, 2 by link, 3 by QR code
    invitor: str | None = None
    group_nickname: str | None = None


@dataclass
class GroupChat:
    chat_id: str
    name: str
    owner: str
    create_time: int
    notice: str | None = None
    status: int = 0  # 0 normal, 1 owner resigned, 2 inheriting, 3 inherited
    members: dict[str, GroupMember] = field(default_factory=dict)
    admins: list[str] = field(default_factory=list)
    member_version: str = ""
    dismissed: bool = False


def new_id(prefix: str, length: int = 28) -> str:
    """An opaque id shaped like WeCom's (``wm…`` customers, ``et…`` tags, ``wr…`` chats)."""
    return prefix + secrets.token_hex(length // 2)
