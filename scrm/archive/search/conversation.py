"""The conversation around one archived message (会话上下文): the messages just before and after
it in the same 1v1 chat (the RM and that customer, both directions) or the same customer group.

Mass messages to several customers and moments posts belong to no single conversation; their
view holds the message alone and says why.
"""

from __future__ import annotations

from sqlalchemy import select

from scrm.archive.chain.models import ArchivedMessage
from scrm.archive.search.find import message_result, messages_by_id
from scrm.archive.search.models import ArchiveSearchDoc as Doc
from scrm.db import db
from scrm.errors import ScrmError

AROUND_MAX = 100


def conversation_around(message_id: int, *, before: int = 10, after: int = 10) -> dict:
    """The message ``message_id`` with up to ``before``/``after`` messages of its conversation.

    :raise ScrmError: 404 for an id the archive does not hold; 409 when the message is not
        indexed yet; 400 for ``before``/``after`` outside 0…100.
    """
    for name, value in (("before", before), ("after", after)):
        if not 0 <= value <= AROUND_MAX:
            raise ScrmError(f"{name}={value} is out of range; give 0 to {AROUND_MAX}")
    message = db.session.get(ArchivedMessage, message_id)
    if message is None:
        raise ScrmError(
            f"archived message {message_id} does not exist; take ids from a search result",
            status_code=404,
        )
    doc = db.session.get(Doc, message_id)
    if doc is None:
        raise ScrmError(
            f"archived message {message_id} is not in the search index yet; wait a few "
            "seconds for the indexer, or run `flask --app app scrm archive reindex`",
            status_code=409,
        )
    if doc.conversation is None:
        return {
            "conversation": None,
            "note": _why_alone(message),
            "message_id": message_id,
            "messages": [message_result(message)],
        }
    earlier = db.session.scalars(
        select(Doc.message_id)
        .where(Doc.conversation == doc.conversation, Doc.message_id < message_id)
        .order_by(Doc.message_id.desc())
        .limit(before)
    ).all()
    later = db.session.scalars(
        select(Doc.message_id)
        .where(Doc.conversation == doc.conversation, Doc.message_id > message_id)
        .order_by(Doc.message_id)
        .limit(after)
    ).all()
    ids = [*reversed(earlier), message_id, *later]
    kind, _, rest = doc.conversation.partition(":")
    about = {"kind": kind}
    if kind == "group":
        about["chat_id"] = rest
    else:
        about["rm"], _, about["customer"] = rest.partition(":")
    return {
        "conversation": about,
        "note": None,
        "message_id": message_id,
        "messages": [message_result(m) for m in messages_by_id(ids)],
    }


def _why_alone(message: ArchivedMessage) -> str:
    if message.channel == "moments":
        return "a moments post goes to the customers' feed, not to one conversation"
    count = len(message.recipients or ()) or len(message.chat_ids or ())
    return f"this message went to {count} recipients at once, so it has no single conversation"
