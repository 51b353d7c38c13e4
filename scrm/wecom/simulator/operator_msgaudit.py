"""Operator actions that put messages in the conversation archive (会话内容存档): what an
RM or a customer types in the WeCom client, never passing through scrm. Each one appends to
the archive log and pushes ``msgaudit_notify`` (at most every 15 s, as WeCom does)."""

from __future__ import annotations

from typing import Any

from scrm.wecom.simulator.msgaudit import append_message, notify_due
from scrm.wecom.simulator.operator_base import OperatorBase, OperatorError, Outcome


def _is_customer(userid: str) -> bool:
    # WeCom's external ids: wm… (WeChat customers), wo… (WeCom users of other corps).
    return userid.startswith(("wm", "wo"))


class MsgAuditActions(OperatorBase):
    ACTIONS = ("rm_types_message", "customer_types_message", "rm_sends_image")

    def rm_types_message(
        self, userid: str, *, to=None, roomid: str | None = None, text: str
    ) -> Outcome:
        """The RM types ``text`` in the WeCom client to customers (``to``) or in a group.

        :raise OperatorError: unknown member, a customer the RM does not follow, a group
            the RM is not in, or no text.
        """
        return self._typed(userid, to, roomid, "text", {"content": self._text(text)})

    def customer_types_message(
        self, external_userid: str, *, to: str | None = None, roomid: str | None = None, text: str
    ) -> Outcome:
        """A customer writes to their RM (``to``) or in a customer group."""
        return self._typed(
            external_userid, [to] if to else None, roomid, "text", {"content": self._text(text)}
        )

    def rm_sends_image(self, userid: str, *, to=None, roomid: str | None = None) -> Outcome:
        """The RM sends a picture: archived with its media reference, never scanned."""
        content = {"md5sum": "0" * 32, "filesize": 48213, "sdkfileid": "sim-" + userid}
        return self._typed(userid, to, roomid, "image", content)

    # ---- plumbing ---------------------------------------------------------------------

    @staticmethod
    def _text(text: Any) -> str:
        if not isinstance(text, str) or not text.strip():
            raise OperatorError("text must be a non-empty string")
        return text

    def _typed(self, sender: str, to, roomid: str | None, msgtype: str, content: dict) -> Outcome:
        sim = self.sim
        if (to is None) == (roomid is None):
            raise OperatorError("give exactly one of to=[ids] (1v1) or roomid= (a group)")
        with sim.lock:
            if _is_customer(sender):
                if sender not in sim.corp.customers:
                    raise OperatorError(f"no customer {sender!r}; add_customer first")
            else:
                self._user(sender)
            if roomid is not None:
                chat = sim.corp.chats.get(roomid)
                if chat is None or chat.dismissed or sender not in chat.members:
                    raise OperatorError(f"{sender!r} is not in group {roomid!r}")
                tolist = [m for m in chat.members if m != sender]
                external = any(m.type == 2 for m in chat.members.values())
            else:
                tolist = [to] if isinstance(to, str) else list(to)
                if not tolist:
                    raise OperatorError("to= needs at least one recipient")
                for other in tolist:
                    pair = (other, sender) if _is_customer(sender) else (sender, other)
                    if _is_customer(pair[1]) and pair not in sim.corp.follows:
                        raise OperatorError(f"{pair[0]!r} does not follow customer {pair[1]!r}")
                external = _is_customer(sender) or any(_is_customer(t) for t in tolist)
            entry = append_message(
                sim,
                {
                    "action": "send",
                    "from": sender,
                    "tolist": tolist,
                    "roomid": roomid or "",
                    "msgtime": int(sim.clock.now() * 1000),
                    "msgtype": msgtype,
                    msgtype: content,
                },
                external,
            )
            xml = None
            if notify_due(sim):
                xml = self._event("msgaudit_notify", None, [("AgentID", sim.agent_id)])
        if xml is None:
            return Outcome(None, None, msgid=entry.msgid, chat_id=roomid)
        return self._push(xml, msgid=entry.msgid, chat_id=roomid)
