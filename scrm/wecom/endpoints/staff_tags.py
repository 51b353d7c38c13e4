"""Directory tags (通讯录标签): ``tag/list`` and ``tag/get``, read-only.

A tag carries members (``userlist``) and whole departments (``partylist``). The answers are
filtered by the calling app's visible range, as every directory read is.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrm.wecom.client import WeComClient


@dataclass(frozen=True)
class StaffTagInfo:
    """One directory tag and who carries it."""

    tagid: int
    name: str
    userids: tuple[str, ...] = ()
    department_ids: tuple[int, ...] = ()


def list_staff_tags(client: WeComClient) -> list[StaffTagInfo]:
    """Every directory tag the app sees (``tag/list``), without members."""
    data = client.get("tag/list")
    tags = data.get("taglist") or []
    return [StaffTagInfo(int(t["tagid"]), t.get("tagname") or "") for t in tags]


def get_staff_tag(client: WeComClient, tagid: int) -> StaffTagInfo:
    """One tag with its members and departments (``tag/get``).

    :raise InvalidRequest: 40068 when WeCom no longer knows the tag.
    """
    data = client.get("tag/get", params={"tagid": int(tagid)})
    return StaffTagInfo(
        int(tagid),
        data.get("tagname") or "",
        tuple(u["userid"] for u in data.get("userlist") or []),
        tuple(int(p) for p in data.get("partylist") or []),
    )
