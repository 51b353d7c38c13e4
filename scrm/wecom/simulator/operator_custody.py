"""Operator actions around handovers (在职继承 / 离职继承): a member leaves the bank, a customer
means to refuse a handover, a takeover member's contact list is full, and time passes so
WeCom settles the handovers and pushes what came of them."""

from __future__ import annotations

from scrm.wecom.simulator.custody import custody_of, settle
from scrm.wecom.simulator.operator_base import OperatorBase, OperatorError, Outcome

#: WeCom member status 已退出企业.
STATUS_QUIT = 5


class CustodyActions(OperatorBase):
    ACTIONS = ("staff_resigns", "customer_will_refuse", "takeover_list_full", "settle_transfers")

    def staff_resigns(self, userid: str) -> Outcome:
        """HR removes a member who left (``change_contact``/``delete_user``). Their customers
        stay theirs in WeCom, listed by ``get_unassigned_list``; their groups get status 1."""
        sim = self.sim
        with sim.lock:
            user = self._user(userid)
            user.status = STATUS_QUIT
            custody_of(sim.corp).resigned[userid] = sim.clock.timestamp()
            for chat in sim.corp.chats.values():
                if chat.owner == userid and not chat.dismissed:
                    chat.status = 1
            del sim.corp.users[userid]
            xml = self._event("change_contact", "delete_user", [("UserID", userid)])
        return self._push(xml)

    def customer_will_refuse(self, external_userid: str) -> Outcome:
        """The customer will refuse (拒绝) any handover offered to them."""
        with self.sim.lock:
            if external_userid not in self.sim.corp.customers:
                raise OperatorError(f"no customer {external_userid!r}")
            custody_of(self.sim.corp).refusing.add(external_userid)
        return Outcome(None, None, external_userid=external_userid)

    def takeover_list_full(self, userid: str) -> Outcome:
        """The member has reached WeCom's limit of customers: handovers to them fail (4)."""
        with self.sim.lock:
            self._user(userid)
            custody_of(self.sim.corp).at_limit.add(userid)
        return Outcome(None, None)

    def settle_transfers(self) -> Outcome:
        """Settle the handovers whose 24 hours have passed on the simulator clock, and push
        every callback they (and group transfers) produced, oldest first.

        """
        sim = self.sim
        with sim.lock:
            settle(sim, self._event)
            state = custody_of(sim.corp)
            queued, state.unpushed = state.unpushed, []
        delivery = None
        for xml in queued:
            delivery = sim.pusher.push(xml)
        return Outcome(None, delivery)
