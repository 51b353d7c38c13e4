"""The fake corp's data: departments, staff, customers, follow relations, corp tags and
customer groups, held in memory and emptied by ``Simulator.reset()``.

Seeding here never pushes a callback; :mod:`scrm.wecom.simulator.operator` does both.
"""

from __future__ import annotations

import hashlib
import itertools

from scrm.wecom.simulator.records import (
    Customer,
    Department,
    Follow,
    GroupChat,
    GroupMember,
    Tag,
    TagGroup,
    User,
    new_id,
)
from scrm.wecom.simulator.virtual_clock import VirtualClock

__all__ = [
    "Corp",
    "Customer",
    "Department",
    "Follow",
    "GroupChat",
    "GroupMember",
    "Tag",
    "TagGroup",
    "User",
    "new_id",
]


class Corp:
    """One WeCom corp's directory, customers, tags and groups."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.departments: dict[int, Department] = {}
        self.users: dict[str, User] = {}
        self.customers: dict[str, Customer] = {}
        self.follows: dict[tuple[str, str], Follow] = {}  # (userid, external_userid)
        self.tag_groups: dict[str, TagGroup] = {}
        self.chats: dict[str, GroupChat] = {}
        # 联系我 and 加入群聊 configurations by config_id (scrm.wecom.simulator.api_contact_way).
        self.contact_ways: dict = {}
        self.join_ways: dict = {}
        self._versions = itertools.count(1)
        self._ids = itertools.count(1)

    # ---- seeding --------------------------------------------------------------------

    def add_department(
        self, id: int, name: str, parent_id: int | None = None, order: int = 0
    ) -> Department:
        if parent_id is not None and parent_id not in self.departments:
            raise ValueError(f"department {parent_id} does not exist; add the parent first")
        dept = Department(int(id), name, parent_id, order)
        self.departments[dept.id] = dept
        return dept

    def add_user(
        self,
        userid: str,
        name: str,
        department_ids,
        *,
        follow: bool = True,
        position: str | None = None,
        mobile: str | None = None,
        email: str | None = None,
        status: int = 1,
    ) -> User:
        ids = [int(d) for d in department_ids]
        missing = [d for d in ids if d not in self.departments]
        if missing:
            raise ValueError(f"departments {missing} do not exist; add them before the user")
        user = User(userid, name, ids, follow, position, mobile, email, status)
        self.users[userid] = user
        return user

    def add_customer(
        self,
        external_userid: str | None = None,
        name: str = "",
        *,
        type: int = 1,
        gender: int = 0,
        unionid: str | None = None,
        corp_name: str | None = None,
    ) -> str:
        if not name:
            raise ValueError("a customer needs a name")
        eid = external_userid or self.new_id("wm")
        self.customers[eid] = Customer(eid, name, type, gender, unionid, corp_name)
        return eid

    def add_follow(
        self,
        userid: str,
        external_userid: str,
        *,
        remark: str | None = None,
        description: str | None = None,
        state: str | None = None,
        add_way: int = 1,
        tag_ids=(),
        createtime: int | None = None,
    ) -> Follow:
        if userid not in self.users:
            raise ValueError(f"no member {userid!r}; add_user first")
        if external_userid not in self.customers:
            raise ValueError(f"no customer {external_userid!r}; add_customer first")
        unknown = [t for t in tag_ids if self.find_tag(t) is None]
        if unknown:
            raise ValueError(f"unknown corp tag ids {unknown}; add_tag_group first")
        follow = Follow(
            userid,
            external_userid,
            createtime if createtime is not None else self.clock.timestamp(),
            remark,
            description,
            state,
            add_way,
            list(tag_ids),
        )
        self.follows[(userid, external_userid)] = follow
        return follow

    def add_tag_group(self, name: str, tags: list[str], order: int = 0) -> tuple[str, list[str]]:
        if not tags:
            raise ValueError("WeCom does not allow an empty tag group; give at least one tag")
        now = self.clock.timestamp()
        group = TagGroup(self.new_tag_id(), name, now, order)
        self.tag_groups[group.group_id] = group
        ids = [self.add_tag(group.group_id, tag_name).id for tag_name in tags]
        return group.group_id, ids

    def add_tag(self, group_id: str, name: str, order: int = 0) -> Tag:
        tag = Tag(self.new_tag_id(), name, group_id, self.clock.timestamp(), order)
        self.tag_groups[group_id].tags[tag.id] = tag
        return tag

    def add_group_chat(self, owner: str, name: str, members=()) -> str:
        if owner not in self.users:
            raise ValueError(f"no member {owner!r} to own the group; add_user first")
        now = self.clock.timestamp()
        chat = GroupChat(self.new_id("wr"), name, owner, now)
        chat.members[owner] = GroupMember(owner, 1, now, 1)
        for userid, type_, join_scene in members:
            chat.members[userid] = GroupMember(userid, int(type_), now, int(join_scene), owner)
        self.bump_member_version(chat)
        self.chats[chat.chat_id] = chat
        return chat.chat_id

    def rename_user(self, old: str, new: str) -> None:
        """A member's userid changes: their follows and group memberships move with them."""
        user = self.users.pop(old)
        user.userid = new
        self.users[new] = user
        for (uid, eid), follow in list(self.follows.items()):
            if uid == old:
                del self.follows[(uid, eid)]
                follow.userid = new
                self.follows[(new, eid)] = follow
        for chat in self.chats.values():
            if old in chat.members:
                member = chat.members.pop(old)
                member.userid = new
                chat.members[new] = member
            chat.owner = new if chat.owner == old else chat.owner
            chat.admins = [new if a == old else a for a in chat.admins]

    # ---- tags -----------------------------------------------------------------------

    def new_tag_id(self) -> str:
        return self.new_id("et")

    def new_id(self, prefix: str) -> str:
        """An opaque WeCom-shaped id (``wm…``, ``et…``, ``wr…``), the same for the same order of
        creation after a reset, so a deterministic seed (the demo's) yields the same corp."""
        digest = hashlib.sha256(f"{prefix}:{next(self._ids)}".encode()).hexdigest()
        return prefix + digest[:26]

    def delete_tag(self, tag_id: str) -> None:
        """Delete one tag; a group left empty goes too, as WeCom does."""
        tag = self.find_tag(tag_id)
        if tag is None:
            return
        group = self.tag_groups[tag.group_id]
        del group.tags[tag_id]
        self._untag({tag_id})
        if not group.tags:
            del self.tag_groups[group.group_id]

    def delete_tag_group(self, group_id: str) -> None:
        group = self.tag_groups.pop(group_id, None)
        if group is not None:
            self._untag(set(group.tags))

    def retag(self, follow: Follow, add, remove) -> None:
        for tag_id in add:
            if tag_id not in follow.tag_ids:
                follow.tag_ids.append(tag_id)
        follow.tag_ids = [t for t in follow.tag_ids if t not in set(remove)]

    def _untag(self, tag_ids: set[str]) -> None:
        for follow in self.follows.values():
            follow.tag_ids = [t for t in follow.tag_ids if t not in tag_ids]

    # ---- lookups --------------------------------------------------------------------

    def find_tag(self, tag_id: str) -> Tag | None:
        for group in self.tag_groups.values():
            if tag_id in group.tags:
                return group.tags[tag_id]
        return None

    def tag_count(self) -> int:
        return sum(len(g.tags) for g in self.tag_groups.values())

    def follows_of_customer(self, external_userid: str) -> list[Follow]:
        return [f for (_, eid), f in self.follows.items() if eid == external_userid]

    def follows_of_user(self, userid: str) -> list[Follow]:
        return [f for (uid, _), f in self.follows.items() if uid == userid]

    def subtree(self, department_id: int) -> list[int]:
        """``department_id`` and every department below it, parents first."""
        result, frontier = [department_id], [department_id]
        for _ in range(len(self.departments)):  # bounded: a tree is at most this deep
            frontier = [d.id for d in self.departments.values() if d.parent_id in frontier]
            if not frontier:
                break
            result.extend(frontier)
        return result

    def bump_member_version(self, chat: GroupChat) -> str:
        """A new opaque ``member_version``: it changes on every member change."""
        seed = f"{chat.chat_id}:{next(self._versions)}:{sorted(chat.members)}"
        chat.member_version = hashlib.md5(seed.encode()).hexdigest()
        return chat.member_version

    def counts(self) -> dict[str, int]:
        return {
            "departments": len(self.departments),
            "users": len(self.users),
            "customers": len(self.customers),
            "follows": len(self.follows),
            "tag_groups": len(self.tag_groups),
            "tags": self.tag_count(),
            "group_chats": sum(1 for c in self.chats.values() if not c.dismissed),
        }
