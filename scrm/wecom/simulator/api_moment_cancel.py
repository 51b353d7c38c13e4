"""Stopping a corp moment (停止发表企业朋友圈): ``externalcontact/cancel_moment_task``.

POST ``{moment_id}`` → errcode only. WeCom stops the task for the members who have not
published yet; copies already published stay in the customers' feeds. The simulator takes
the unpublished members off the task, so they can no longer publish it
(``rm_publishes_moment`` refuses) and ``get_moment_task`` lists only who published. An unknown
moment id answers 40058, as ``get_moment_task`` does. Cancelling twice is allowed.
"""

from __future__ import annotations

from scrm.wecom.simulator.api_moment_comments import find_moment
from scrm.wecom.simulator.endpoints import CONTACT, ApiError, endpoint


def cancelled_moments(sim) -> dict[str, list[str]]:
    """moment_id → the members whose unpublished task was withdrawn (emptied on reset)."""
    jobs = sim.jobs
    if not hasattr(jobs, "cancelled_moments"):
        jobs.cancelled_moments = {}
    return jobs.cancelled_moments


@endpoint("POST", "externalcontact/cancel_moment_task", apps=CONTACT)
def cancel_moment_task(sim, req):
    moment_id = req.field("moment_id", required=True)
    task = find_moment(sim, moment_id)
    if task is None:
        raise ApiError(40058, "invalid moment_id")
    withdrawn = [u for u, status in task.senders.items() if status != 1]
    task.senders = {u: s for u, s in task.senders.items() if s == 1}
    cancelled_moments(sim).setdefault(moment_id, []).extend(withdrawn)
    return {}
