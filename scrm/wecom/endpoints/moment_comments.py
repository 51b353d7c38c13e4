"""The typed call that reads who liked or commented on an RM's copy of a moment.

``get_moment_comments`` gives who and when, never the comment text. It sends nothing, so it
uses the ordinary retrying client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scrm.db import from_timestamp
from scrm.wecom.client import WeComClient

LIKE = "like"
COMMENT = "comment"


@dataclass(frozen=True)
class MomentReaction:
    """One like or comment: by a customer (``external_userid``) or a colleague (``userid``)."""

    kind: str  # like | comment
    external_userid: str | None
    userid: str | None
    created_at: datetime | None


def get_moment_comments(client: WeComClient, moment_id: str, userid: str) -> list[MomentReaction]:
    """The likes and comments on ``userid``'s published copy of moment ``moment_id``.

    :raise WeComError: an unknown moment answers 40058, an unknown member 60111.
    """
    data = client.post(
        "externalcontact/get_moment_comments", data={"moment_id": moment_id, "userid": userid}
    )
    return [
        MomentReaction(
            kind,
            row.get("external_userid") or None,
            row.get("userid") or None,
            from_timestamp(row.get("create_time")),
        )
        for kind, key in ((COMMENT, "comment_list"), (LIKE, "like_list"))
        for row in data.get(key) or []
    ]
