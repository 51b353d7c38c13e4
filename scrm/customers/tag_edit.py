"""Setting a customer's corp tags from scrm (企业标签打标), written to WeCom first.

The RM (or their branch lead, for an RM of the branch) chooses the corp tags the customer
carries in that RM's relation; scrm sends the difference with ``mark_tag`` (at most 100 tags
added and 100 removed per call) and then records it on the follow. WeCom stays the truth: when
it reports an edit (``edit_external_contact``) scrm re-reads the customer and stores exactly
WeCom's tags, so both sides converge whichever arrives first. Personal tags (个人标签) are the
RM's own in WeCom and never touched. Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from sqlalchemy import select

from scrm.customers.models import CorpTag, Follow, FollowTag
from scrm.customers.tags import TAG_PERSONAL
from scrm.db import db
from scrm.directory.models import Staff
from scrm.errors import ScrmError
from scrm.wecom.client import get_client
from scrm.wecom.endpoints.tags import MAX_TAGS_PER_CALL, mark_tag
from scrm.wecom.errors import InvalidRequest

#: Setting: tag group names that only branch leads set (e.g. tiers the core system assigns).
LOCKED_GROUPS_SETTING = "CUSTOMER_TAG_GROUPS_LOCKED_FOR_RMS"
#: WeCom's "invalid tag id": the tag was deleted in WeCom since scrm last synced.
UNKNOWN_TAG_ERRCODE = 40068
#: WeCom's "not an external contact": the RM and the customer are no longer connected.
NOT_CONNECTED_ERRCODE = 84061


class TagEditError(ScrmError):
    """A tag change that cannot be made; the message names the fix."""


def set_customer_tags(editor: Staff, follow: Follow, tag_ids: Sequence[str]) -> dict[str, list]:
    """Make ``follow`` carry exactly the corp tags ``tag_ids`` (personal tags stay as they are).

    :param editor: who asks: the follow's RM, or a branch lead of that RM.
    :param follow: the live relation whose tags change (the RM as WeCom sees the customer).
    :param tag_ids: WeCom corp tag ids the customer should carry in this relation.
    :return: ``{"added": [...], "removed": [...]}`` tag ids.
    :raise TagEditError: a tag WeCom deleted or scrm does not know, a tag group the editor may
        not set, or a customer no longer connected with the RM.
    :raise WeComError: WeCom could not be reached; nothing changed in scrm.
    """
    wanted = list(dict.fromkeys(str(t) for t in tag_ids))
    tags = _live_tags(wanted)
    current = {row.tag_key for row in follow.tags if row.type != TAG_PERSONAL}
    add = [t for t in wanted if t not in current]
    remove = sorted(current - set(wanted))
    _check_allowed(editor, [tags[t] for t in add], [r for r in follow.tags if r.tag_key in remove])
    if not add and not remove:
        return {"added": [], "removed": []}
    _mark_in_wecom(follow, add, remove)
    for row in [r for r in follow.tags if r.tag_key in remove]:
        follow.tags.remove(row)
    for tag_id in add:
        tag = tags[tag_id]
        follow.tags.append(
            FollowTag(
                tag_key=tag_id,
                corp_tag_id=tag.id,
                type=1,
                group_name=tag.group.name,
                tag_name=tag.name,
            )
        )
    db.session.flush()
    return {"added": add, "removed": remove}


def _live_tags(wanted: list[str]) -> dict[str, CorpTag]:
    found = {
        t.wecom_id: t
        for t in db.session.scalars(select(CorpTag).where(CorpTag.wecom_id.in_(wanted or [""])))
    }
    gone = [t for t in wanted if t not in found or found[t].removed_at is not None]
    if gone:
        names = ", ".join(f"{found[t].name} ({t})" if t in found else t for t in gone)
        raise TagEditError(
            f"tags {names} no longer exist in WeCom; reload the tag list "
            "(GET /api/customers/tag-groups) and choose again"
        )
    return found


def _check_allowed(editor: Staff, adding: list[CorpTag], removing: list[FollowTag]) -> None:
    if "branch_lead" in editor.role_names:
        return
    locked = set(current_app.config.get(LOCKED_GROUPS_SETTING) or ())
    touched = {t.group.name for t in adding} | {r.group_name for r in removing}
    refused = sorted(g for g in touched if g in locked)
    if refused:
        raise TagEditError(
            f"the tag groups {', '.join(refused)} are set by the bank, not by RMs; ask your "
            "branch lead to change them",
            status_code=403,
        )


def _mark_in_wecom(follow: Follow, add: list[str], remove: list[str]) -> None:
    client = get_client("contact")
    userid, external_userid = follow.staff.userid, follow.customer.external_userid
    size = MAX_TAGS_PER_CALL
    for start in range(0, max(len(add), len(remove)), size):
        try:
            mark_tag(
                client,
                userid,
                external_userid,
                add=add[start : start + size],
                remove=remove[start : start + size],
            )
        except InvalidRequest as exc:
            if exc.errcode == UNKNOWN_TAG_ERRCODE:
                # WeCom's change_external_tag callback brings the deletion to scrm.
                raise TagEditError(
                    "a tag was deleted in WeCom a moment ago; reload the tag list "
                    "(GET /api/customers/tag-groups) and choose again"
                ) from None
            if exc.errcode == NOT_CONNECTED_ERRCODE:
                raise TagEditError(
                    f"{userid} and this customer are no longer connected in WeCom",
                    status_code=404,
                ) from None
            raise
