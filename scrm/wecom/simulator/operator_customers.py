"""Operator actions on customers (change_external_contact) and corp tags
(change_external_tag)."""

from __future__ import annotations

from scrm.wecom.simulator.jobs import WelcomeCode
from scrm.wecom.simulator.operator_base import OperatorBase, OperatorError, Outcome
from scrm.wecom.simulator.state import Follow, new_id

#: A welcome code may be used within this many seconds of the add event.
WELCOME_CODE_TTL = 20
FAIL_REASONS = ("customer_refused", "customer_limit_exceed")


class CustomerActions(OperatorBase):
    ACTIONS = (
        "customer_adds_rm",
        "rm_edits_customer",
        "rm_deletes_customer",
        "customer_deletes_rm",
        "transfer_fails",
        "create_tag",
        "update_tag",
        "delete_tag",
        "delete_tag_group",
    )

    def _follow(self, userid: str, external_userid: str) -> Follow:
        follow = self.sim.corp.follows.get((userid, external_userid))
        if follow is None:
            raise OperatorError(f"{userid!r} does not follow customer {external_userid!r}")
        return follow

    def customer_adds_rm(
        self,
        userid: str,
        *,
        external_userid: str | None = None,
        name: str,
        state: str | None = None,
        half: bool = False,
    ) -> Outcome:
        """A customer adds the RM (scanning a 联系我 code when ``state`` is set); ``half`` when
        the RM has not confirmed yet (skip-verify off). Issues a 20-second welcome code."""
        sim = self.sim
        with sim.lock:
            user = self._user(userid)
            if not user.follow:
                raise OperatorError(f"{userid!r} has no 客户联系 permission")
            if external_userid is None or external_userid not in sim.corp.customers:
                external_userid = sim.corp.add_customer(external_userid, name)
            if (userid, external_userid) in sim.corp.follows:
                raise OperatorError(f"{userid!r} already follows {external_userid!r}")
            sim.corp.add_follow(userid, external_userid, state=state, add_way=1)
            code = new_id("wc", 40)
            sim.jobs.welcome_codes[code] = WelcomeCode(
                userid, external_userid, sim.clock.now() + WELCOME_CODE_TTL
            )
            change = "add_half_external_contact" if half else "add_external_contact"
            xml = self._event(
                "change_external_contact",
                change,
                [
                    ("UserID", userid),
                    ("ExternalUserID", external_userid),
                    ("State", state),
                    ("WelcomeCode", code),
                ],
            )
        return self._push(xml, external_userid=external_userid, welcome_code=code)

    def rm_edits_customer(
        self,
        userid: str,
        external_userid: str,
        *,
        remark: str | None = None,
        description: str | None = None,
        add_tags=(),
        remove_tags=(),
    ) -> Outcome:
        """The RM edits a remark, description or the customer's tags in the WeCom app."""
        sim = self.sim
        with sim.lock:
            follow = self._follow(userid, external_userid)
            unknown = [t for t in (*add_tags, *remove_tags) if sim.corp.find_tag(t) is None]
            if unknown:
                raise OperatorError(f"unknown corp tag ids {unknown}")
            if remark is not None:
                follow.remark = remark
            if description is not None:
                follow.description = description
            sim.corp.retag(follow, add_tags, remove_tags)
            xml = self._contact_event("edit_external_contact", userid, external_userid)
        return self._push(xml, external_userid=external_userid)

    def rm_deletes_customer(
        self, userid: str, external_userid: str, *, source: str | None = None
    ) -> Outcome:
        """The RM deletes the customer (``source=DELETE_BY_TRANSFER`` on handover)."""
        with self.sim.lock:
            self._follow(userid, external_userid)
            del self.sim.corp.follows[(userid, external_userid)]
            xml = self._contact_event(
                "del_external_contact", userid, external_userid, [("Source", source)]
            )
        return self._push(xml, external_userid=external_userid)

    def customer_deletes_rm(self, userid: str, external_userid: str) -> Outcome:
        """The customer deletes the RM from their WeChat."""
        with self.sim.lock:
            self._follow(userid, external_userid)
            del self.sim.corp.follows[(userid, external_userid)]
            xml = self._contact_event("del_follow_user", userid, external_userid)
        return self._push(xml, external_userid=external_userid)

    def transfer_fails(self, userid: str, external_userid: str, reason: str) -> Outcome:
        """A handover (客户继承) to ``userid`` failed: the customer refused or is at the limit."""
        if reason not in FAIL_REASONS:
            raise OperatorError(f"reason must be one of {FAIL_REASONS}")
        with self.sim.lock:
            self._user(userid)
            xml = self._contact_event(
                "transfer_fail", userid, external_userid, [("FailReason", reason)]
            )
        return self._push(xml, external_userid=external_userid)

    def _contact_event(self, change: str, userid: str, external_userid: str, extra=()) -> str:
        fields = [("UserID", userid), ("ExternalUserID", external_userid), *extra]
        return self._event("change_external_contact", change, fields)

    # ---- corp tags ------------------------------------------------------------------

    def create_tag(self, group_name: str, name: str) -> Outcome:
        """An admin adds a tag (and its group, when new) in the WeCom admin console."""
        corp = self.sim.corp
        with self.sim.lock:
            group = next((g for g in corp.tag_groups.values() if g.name == group_name), None)
            if group is None:
                group_id, (tag_id,) = corp.add_tag_group(group_name, [name])
                xml = self._tag_event(group_id, "tag_group", "create")
            else:
                if any(t.name == name for t in group.tags.values()):
                    raise OperatorError(f"tag {name!r} already exists in {group_name!r}")
                group_id, tag_id = group.group_id, corp.add_tag(group.group_id, name).id
                xml = self._tag_event(tag_id, "tag", "create")
        return self._push(xml, tag_id=tag_id, group_id=group_id)

    def update_tag(self, tag_id: str, name: str) -> Outcome:
        """An admin renames a tag or a tag group."""
        corp = self.sim.corp
        with self.sim.lock:
            target = corp.tag_groups.get(tag_id) or corp.find_tag(tag_id)
            if target is None:
                raise OperatorError(f"no tag or tag group {tag_id!r}")
            target.name = name
            kind = "tag_group" if tag_id in corp.tag_groups else "tag"
            xml = self._tag_event(tag_id, kind, "update")
        return self._push(xml, tag_id=tag_id)

    def delete_tag(self, tag_id: str) -> Outcome:
        """An admin deletes a tag (its group goes too when left empty, without a callback)."""
        with self.sim.lock:
            if self.sim.corp.find_tag(tag_id) is None:
                raise OperatorError(f"no tag {tag_id!r}")
            self.sim.corp.delete_tag(tag_id)
            xml = self._tag_event(tag_id, "tag", "delete")
        return self._push(xml, tag_id=tag_id)

    def delete_tag_group(self, group_id: str) -> Outcome:
        """An admin deletes a tag group; its tags go without further callbacks."""
        with self.sim.lock:
            if group_id not in self.sim.corp.tag_groups:
                raise OperatorError(f"no tag group {group_id!r}")
            self.sim.corp.delete_tag_group(group_id)
            xml = self._tag_event(group_id, "tag_group", "delete")
        return self._push(xml, group_id=group_id)

    def _tag_event(self, id_: str, tag_type: str, change: str) -> str:
        return self._event("change_external_tag", change, [("Id", id_), ("TagType", tag_type)])
