"""Operator actions on customer groups (change_external_chat)."""

from __future__ import annotations

from scrm.wecom.simulator.operator_base import OperatorBase, OperatorError, Outcome
from scrm.wecom.simulator.state import GroupChat, GroupMember

EVENT = "change_external_chat"


class GroupActions(OperatorBase):
    ACTIONS = (
        "create_group_chat",
        "customer_joins_group",
        "member_leaves_group",
        "change_group_owner",
        "rename_group",
        "change_group_notice",
        "dismiss_group",
    )

    def _chat(self, chat_id: str) -> GroupChat:
        chat = self.sim.corp.chats.get(chat_id)
        if chat is None or chat.dismissed:
            raise OperatorError(f"no customer group {chat_id!r}")
        return chat

    def _member_type(self, userid: str) -> int:
        if userid in self.sim.corp.users:
            return 1
        if userid in self.sim.corp.customers:
            return 2
        raise OperatorError(f"{userid!r} is neither a member nor a customer; seed it first")

    def create_group_chat(self, owner: str, name: str, member_userids=()) -> Outcome:
        """An RM creates a customer group with staff and customers in it."""
        with self.sim.lock:
            self._user(owner)
            members = [(u, self._member_type(u), 1) for u in member_userids if u != owner]
            chat_id = self.sim.corp.add_group_chat(owner, name, members)
            xml = self._event(EVENT, "create", [("ChatId", chat_id)])
        return self._push(xml, chat_id=chat_id)

    def customer_joins_group(
        self, chat_id: str, external_userid: str, *, join_scene: int = 3
    ) -> Outcome:
        """A customer (or a member) joins: 0 invited directly or by link, 3 by QR code."""
        sim = self.sim
        with sim.lock:
            chat = self._chat(chat_id)
            kind = self._member_type(external_userid)
            if external_userid in chat.members:
                raise OperatorError(f"{external_userid!r} is already in {chat_id!r}")
            # WeCom's event says 0 for an invitation; groupchat/get says 1 (invited) or 2 (link).
            scene = {0: 1, 3: 3}.get(join_scene, join_scene)
            chat.members[external_userid] = GroupMember(
                external_userid, kind, sim.clock.timestamp(), scene, chat.owner
            )
            xml = self._member_event(
                chat, "add_member", [external_userid], ("JoinScene", join_scene)
            )
        return self._push(xml, chat_id=chat_id)

    def member_leaves_group(self, chat_id: str, userid: str, *, quit_scene: int = 0) -> Outcome:
        """Someone leaves (0) or is removed by the owner or an admin (1)."""
        with self.sim.lock:
            chat = self._chat(chat_id)
            if userid not in chat.members:
                raise OperatorError(f"{userid!r} is not in {chat_id!r}")
            if userid == chat.owner:
                raise OperatorError("the owner cannot leave; change_group_owner first")
            del chat.members[userid]
            if userid in chat.admins:
                chat.admins.remove(userid)
            xml = self._member_event(chat, "del_member", [userid], ("QuitScene", quit_scene))
        return self._push(xml, chat_id=chat_id)

    def _member_event(self, chat: GroupChat, detail: str, changed: list[str], scene) -> str:
        last = chat.member_version
        current = self.sim.corp.bump_member_version(chat)
        return self._event(
            EVENT,
            "update",
            [
                ("ChatId", chat.chat_id),
                ("UpdateDetail", detail),
                scene,
                ("MemChangeCnt", len(changed)),
                ("MemChangeList", changed),
                ("LastMemVer", last),
                ("CurMemVer", current),
            ],
        )

    def change_group_owner(self, chat_id: str, new_owner: str) -> Outcome:
        """The group is handed to another member (who joins it if not in it yet)."""
        sim = self.sim
        with sim.lock:
            chat = self._chat(chat_id)
            self._user(new_owner)
            if new_owner not in chat.members:
                chat.members[new_owner] = GroupMember(
                    new_owner, 1, sim.clock.timestamp(), 1, chat.owner
                )
                sim.corp.bump_member_version(chat)
            chat.owner = new_owner
            xml = self._update_event(chat, "change_owner")
        return self._push(xml, chat_id=chat_id)

    def rename_group(self, chat_id: str, name: str) -> Outcome:
        with self.sim.lock:
            chat = self._chat(chat_id)
            chat.name = name
            xml = self._update_event(chat, "change_name")
        return self._push(xml, chat_id=chat_id)

    def change_group_notice(self, chat_id: str, notice: str) -> Outcome:
        with self.sim.lock:
            chat = self._chat(chat_id)
            chat.notice = notice
            xml = self._update_event(chat, "change_notice")
        return self._push(xml, chat_id=chat_id)

    def dismiss_group(self, chat_id: str) -> Outcome:
        """The owner dismisses the group; groupchat/get then answers 40050."""
        with self.sim.lock:
            chat = self._chat(chat_id)
            chat.dismissed = True
            xml = self._event(EVENT, "dismiss", [("ChatId", chat_id)])
        return self._push(xml, chat_id=chat_id)

    def _update_event(self, chat: GroupChat, detail: str) -> str:
        return self._event(EVENT, "update", [("ChatId", chat.chat_id), ("UpdateDetail", detail)])
