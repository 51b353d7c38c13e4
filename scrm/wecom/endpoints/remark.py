"""The RM's remark and description of a customer (客户备注): ``externalcontact/remark``.

Visible to the RM only, never to the customer, so it uses the ordinary retrying client.
"""

from __future__ import annotations

from scrm.wecom.client import WeComClient

MAX_REMARK_CHARS = 20
MAX_DESCRIPTION_CHARS = 150


def remark_customer(
    client: WeComClient,
    userid: str,
    external_userid: str,
    *,
    remark: str | None = None,
    description: str | None = None,
) -> None:
    """Set the remark and/or description the RM ``userid`` sees for the customer.

    :raise ValueError: nothing given, or over WeCom's lengths (20 / 150 characters).
    :raise WeComError: what WeCom answered (84061 when they are not connected).
    """
    if remark is None and description is None:
        raise ValueError("give a remark or a description to set")
    if remark is not None and len(remark) > MAX_REMARK_CHARS:
        raise ValueError(f"the remark is {len(remark)} characters; WeCom allows 20")
    if description is not None and len(description) > MAX_DESCRIPTION_CHARS:
        raise ValueError(f"the description is {len(description)} characters; WeCom allows 150")
    body: dict = {"userid": userid, "external_userid": external_userid}
    if remark is not None:
        body["remark"] = remark
    if description is not None:
        body["description"] = description
    client.post("externalcontact/remark", data=body)
