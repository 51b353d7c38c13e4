"""Operator actions that finish WeCom-side tasks: an RM confirms a mass message or
publishes a moment in the WeCom app, or opens the sidebar (OAuth). WeCom sends no
callback for these; scrm polls."""

from __future__ import annotations

from scrm.wecom.simulator.api_groupmsg_admin import is_cancelled
from scrm.wecom.simulator.jobs import OUTSIDER
from scrm.wecom.simulator.operator_base import OperatorBase, OperatorError, Outcome
from scrm.wecom.simulator.state import new_id

#: An OAuth code is single-use and lives about five minutes.
OAUTH_CODE_TTL = 300
CHINA_UTC_OFFSET = 8 * 3600


class TaskActions(OperatorBase):
    ACTIONS = (
        "rm_confirms_mass_message",
        "rm_publishes_moment",
        "rm_opens_sidebar",
        "customer_opens_our_page",
    )

    def rm_confirms_mass_message(self, msgid: str, userid: str, chat_ids=None) -> Outcome:
        """The RM confirms the mass message in 群发助手 (choosing groups when ``chat_ids``).

        Each customer or group receives at most one mass message per day: later ones are
        marked status 3 for that recipient. A message the corp cancelled is not sent.
        """
        sim = self.sim
        with sim.lock:
            message = sim.jobs.mass_messages.get(msgid)
            if message is None or userid not in message.senders:
                raise OperatorError(f"{userid!r} has no task for mass message {msgid!r}")
            if message.senders[userid] == 2:
                raise OperatorError(f"{userid!r} already confirmed {msgid!r}")
            if is_cancelled(sim, msgid):  # the corp cancelled it: the task is gone
                return Outcome(None, None, msgid=msgid)
            now = sim.clock.timestamp()
            day = (now + CHINA_UTC_OFFSET) // 86400
            message.senders[userid] = 2
            message.send_times[userid] = now
            for r in message.recipients:
                if r.userid != userid or (chat_ids is not None and r.target not in chat_ids):
                    continue
                r.send_time = now
                if message.chat_type == "single" and (userid, r.target) not in sim.corp.follows:
                    r.status = 2
                elif sim.jobs.daily_quota.get((r.target, day), msgid) != msgid:
                    r.status = 3
                else:
                    sim.jobs.daily_quota[(r.target, day)] = msgid
                    r.status = 1
        return Outcome(None, None, msgid=msgid)

    def rm_publishes_moment(self, moment_id: str, userid: str) -> Outcome:
        """The RM publishes the corp moment to their customers' feeds."""
        with self.sim.lock:
            task = next(
                (t for t in self.sim.jobs.moments.values() if t.moment_id == moment_id), None
            )
            if task is None or userid not in task.senders:
                raise OperatorError(f"{userid!r} has no task for moment {moment_id!r}")
            task.senders[userid] = 1
        return Outcome(None, None, moment_id=moment_id)

    def rm_opens_sidebar(self, userid: str) -> Outcome:
        """The RM opens our H5 inside WeCom: an OAuth code for ``auth/getuserinfo``."""
        with self.sim.lock:
            self._user(userid)
            code = new_id("code", 32)
            self.sim.jobs.oauth_codes[code] = (userid, self.sim.clock.now() + OAUTH_CODE_TTL)
        return Outcome(None, None, code=code)

    def customer_opens_our_page(self, external_userid: str) -> Outcome:
        """A customer (not a member) opens our H5 link in WeCom: ``auth/getuserinfo`` answers
        with their ``openid`` and ``external_userid``, not a ``userid``."""
        with self.sim.lock:
            code = new_id("code", 32)
            outsider = OUTSIDER + external_userid
            self.sim.jobs.oauth_codes[code] = (outsider, self.sim.clock.now() + OAUTH_CODE_TTL)
        return Outcome(None, None, code=code)
