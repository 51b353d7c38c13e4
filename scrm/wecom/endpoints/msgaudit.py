"""Typed calls for 会话内容存档's server API (``msgaudit/*``), made with the archive app's
client (``get_client("archive")``: WeCom refuses any other secret with 48002).

The archived messages themselves do not come from here but from the Finance SDK; see
:mod:`scrm.archive.ingest.source`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scrm.db import from_timestamp
from scrm.wecom.client import WeComClient

#: ``get_permit_user_list`` types: 办公版, 服务版, 企业版.
OFFICE, SERVICE, ENTERPRISE = 1, 2, 3

AGREE = "Agree"
DISAGREE = "Disagree"
DEFAULT_AGREE = "Default_Agree"


@dataclass(frozen=True)
class AgreeInfo:
    """Whether a customer agreed to have their chats with an RM archived (同意存档)."""

    userid: str
    external_userid: str
    status: str  # Agree | Disagree | Default_Agree
    changed_at: datetime | None

    @property
    def agreed(self) -> bool:
        return self.status != DISAGREE


def get_permit_user_list(client: WeComClient, edition: int | None = None) -> list[str]:
    """Userids of the members whose chats are archived (``msgaudit/get_permit_user_list``).

    :param edition: only members of one licence edition (:data:`OFFICE` …); ``None``: all.
    """
    body = {"type": edition} if edition else {}
    return list(client.post("msgaudit/get_permit_user_list", data=body).get("ids", []))


def check_single_agree(client: WeComClient, pairs: list[tuple[str, str]]) -> list[AgreeInfo]:
    """Archive agreement of each ``(userid, external_userid)`` (``msgaudit/check_single_agree``).

    WeCom spells the customer field ``exteranalopenid``; that spelling stays in here.
    """
    body = {"info": [{"userid": u, "exteranalopenid": e} for u, e in pairs]}
    data = client.post("msgaudit/check_single_agree", data=body)
    return [
        AgreeInfo(
            userid=item.get("userid", ""),
            external_userid=item.get("exteranalopenid", ""),
            status=item.get("agree_status", DEFAULT_AGREE),
            changed_at=from_timestamp(item.get("status_change_time")),
        )
        for item in data.get("agreeinfo", [])
    ]
