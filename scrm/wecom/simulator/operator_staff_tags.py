"""HR changes who carries a directory tag (通讯录标签) in the admin console: the simulator
changes the tag and pushes ``change_contact`` / ``update_tag`` with the added and removed
members (``AddUserItems`` / ``DelUserItems``, comma-separated userids)."""

from __future__ import annotations

from scrm.wecom.simulator.api_staff_tags import staff_tags
from scrm.wecom.simulator.operator_base import OperatorBase, OperatorError, Outcome


class StaffTagActions(OperatorBase):
    ACTIONS = ("hr_tags_staff",)

    def hr_tags_staff(self, tagid: int, *, add=(), remove=()) -> Outcome:
        """Add and remove members of the tag ``tagid`` and push the ``update_tag`` callback."""
        sim = self.sim
        with sim.lock:
            tag = staff_tags(sim).get(int(tagid))
            if tag is None:
                raise OperatorError(f"no directory tag {tagid!r}; seed it with add_staff_tag")
            for userid in (*add, *remove):
                self._user(userid)
            added = [u for u in add if u not in tag.userids]
            tag.userids = [u for u in tag.userids if u not in set(remove)] + added
            xml = self._event(
                "change_contact",
                "update_tag",
                [
                    ("TagId", str(tag.tagid)),
                    ("AddUserItems", ",".join(added) or None),
                    ("DelUserItems", ",".join(remove) or None),
                ],
            )
        return self._push(xml)


def hr_tags_staff(sim, tagid: int, *, add=(), remove=()) -> Outcome:
    """The same action for code that holds the simulator rather than its operator."""
    return StaffTagActions(sim).hr_tags_staff(tagid, add=add, remove=remove)
