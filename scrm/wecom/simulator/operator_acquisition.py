"""Operator actions for customer acquisition: a customer scans a channel QR code (渠道活码), and
an RM adds a customer by phone number (the bulk-add tasks, 批量加好友).

Usable on its own (``AcquisitionActions(sim).customer_scans_channel_code(…)``) or mixed into
:class:`~scrm.wecom.simulator.operator.Operator`.
"""

from __future__ import annotations

from scrm.wecom.simulator.jobs import WelcomeCode
from scrm.wecom.simulator.operator_base import OperatorBase, OperatorError, Outcome
from scrm.wecom.simulator.operator_customers import WELCOME_CODE_TTL
from scrm.wecom.simulator.state import new_id

ADD_WAY_QR = 1  # 扫描二维码
ADD_WAY_PHONE = 2  # 搜索手机号


class AcquisitionActions(OperatorBase):
    ACTIONS = ("customer_scans_channel_code", "rm_adds_customer_by_phone")

    def customer_scans_channel_code(
        self,
        config_id: str,
        *,
        name: str,
        external_userid: str | None = None,
        half: bool = False,
    ) -> Outcome:
        """A customer scans a 联系我 QR code: WeCom picks one of its RMs (in turn, for a multi
        code) and the customer adds them with the code's ``state`` (add_way 1), which pushes
        add_external_contact with a fresh 20-second welcome code."""
        with self.sim.lock:
            way = self.sim.corp.contact_ways.get(config_id)
            if way is None:
                raise OperatorError(f"no 联系我 code {config_id!r} (deleted, or never created)")
            userid = way.users[way.picks % len(way.users)]
            way.picks += 1
            state = way.state
        return self.sim.operator.customer_adds_rm(
            userid, external_userid=external_userid, name=name, state=state, half=half
        )

    def rm_adds_customer_by_phone(self, userid: str, mobile: str, name: str) -> Outcome:
        """The RM searches the customer's mobile number and adds them; the customer accepts.

        The follow has add_way 2 and the number in ``remark_mobiles``; the event carries no
        State (no channel code was scanned).
        """
        sim = self.sim
        with sim.lock:
            user = self._user(userid)
            if not user.follow:
                raise OperatorError(f"{userid!r} has no 客户联系 permission")
            external_userid = sim.corp.add_customer(None, name)
            follow = sim.corp.add_follow(userid, external_userid, add_way=ADD_WAY_PHONE)
            follow.remark_mobiles = [mobile]
            code = new_id("wc", 40)
            sim.jobs.welcome_codes[code] = WelcomeCode(
                userid, external_userid, sim.clock.now() + WELCOME_CODE_TTL
            )
            xml = self._event(
                "change_external_contact",
                "add_external_contact",
                [("UserID", userid), ("ExternalUserID", external_userid), ("WelcomeCode", code)],
            )
        return self._push(xml, external_userid=external_userid, welcome_code=code)
