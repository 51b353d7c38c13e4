"""The life of a corp moment task after it is created: what WeCom left out of it
(``get_moment_task_result``) and stopping it (``cancel_moment_task``, 停止发表企业朋友圈).

Neither call puts content in front of anyone, so both use the ordinary retrying client.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrm.wecom.client import WeComClient

JOB_DONE = 3  # get_moment_task_result status: 1 started, 2 running, 3 done


@dataclass(frozen=True)
class MomentJob:
    """The outcome of an ``add_moment_task`` job, with what WeCom ignored."""

    status: int
    moment_id: str | None
    invalid_userids: tuple[str, ...] = ()
    invalid_department_ids: tuple[int, ...] = ()
    invalid_tag_ids: tuple[str, ...] = ()


def get_moment_job(client: WeComClient, jobid: str) -> MomentJob:
    """The job's status and result; senders outside the app's visible range and unknown
    customer tags are listed as invalid (WeCom ignores them rather than failing the job)."""
    data = client.get("externalcontact/get_moment_task_result", params={"jobid": jobid})
    result = data.get("result") or {}
    senders = result.get("invalid_sender_list") or {}
    contacts = result.get("invalid_external_contact_list") or {}
    return MomentJob(
        int(data.get("status", 0)),
        result.get("moment_id") or None,
        tuple(senders.get("user_list") or ()),
        tuple(int(d) for d in senders.get("department_list") or ()),
        tuple(str(t) for t in contacts.get("tag_list") or ()),
    )


def cancel_moment_task(client: WeComClient, moment_id: str) -> None:
    """Stop a corp moment (``cancel_moment_task``): members who have not published it can no
    longer do so; copies already published stay.

    :raise InvalidRequest: the moment id is unknown to WeCom.
    """
    client.post("externalcontact/cancel_moment_task", data={"moment_id": moment_id})
