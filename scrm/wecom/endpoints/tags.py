"""Corp tags on a customer (企业标签打标): ``externalcontact/mark_tag``.

Not a message to the customer (the customer never sees corp tags), so it uses the ordinary
retrying client. WeCom takes at most 100 tag ids to add and 100 to remove per call.
"""

from __future__ import annotations

from collections.abc import Sequence

from scrm.wecom.client import WeComClient

MAX_TAGS_PER_CALL = 100


def mark_tag(
    client: WeComClient,
    userid: str,
    external_userid: str,
    *,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
) -> None:
    """Add and remove corp tags (WeCom tag ids) on the customer as the RM ``userid`` sees them.

    :raise ValueError: nothing to change, or more than 100 ids on either side.
    :raise WeComError: what WeCom answered (e.g. 40068 for an unknown tag id).
    """
    if not add and not remove:
        raise ValueError("mark_tag needs at least one tag to add or remove")
    for side, ids in (("add", add), ("remove", remove)):
        if len(ids) > MAX_TAGS_PER_CALL:
            raise ValueError(
                f"{len(ids)} tags to {side}; WeCom takes at most {MAX_TAGS_PER_CALL} per call — "
                "split the change"
            )
    body: dict = {"userid": userid, "external_userid": external_userid}
    if add:
        body["add_tag"] = list(add)
    if remove:
        body["remove_tag"] = list(remove)
    client.post("externalcontact/mark_tag", data=body)
