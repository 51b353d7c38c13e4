"""Typed read calls for corp moments (客户朋友圈): who of the RMs published a moment.

``add_moment_task`` only creates a task: each RM must publish it in the WeCom app, and WeCom
sends no callback when they do. ``get_moment_task`` tells scrm, per RM, whether they did. These
calls send nothing, so they use the ordinary retrying client; the send itself is the outbox's
(:mod:`scrm.wecom.endpoints.send`).
"""

from __future__ import annotations

from typing import Any

from scrm.wecom.client import WeComClient

# An RM's publish_status in get_moment_task.
NOT_PUBLISHED = 0
PUBLISHED = 1

PAGE_LIMIT = 1000  # WeCom's maximum page for get_moment_task


def get_moment_task(client: WeComClient, moment_id: str) -> dict[str, int]:
    """Each RM's publish status for one corp moment (``get_moment_task``), all pages.

    :param moment_id: the id WeCom assigned when the ``add_moment_task`` job finished.
    :return: ``{userid: publish_status}`` (0 not published yet, 1 published).
    """
    body: dict[str, Any] = {"moment_id": moment_id, "limit": PAGE_LIMIT}
    statuses: dict[str, int] = {}
    while True:
        data = client.post("externalcontact/get_moment_task", data=body)
        for row in data.get("task_list") or []:
            statuses[row["userid"]] = int(row.get("publish_status", 0))
        if not data.get("next_cursor"):
            return statuses
        body["cursor"] = data["next_cursor"]
