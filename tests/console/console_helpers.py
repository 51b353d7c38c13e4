"""Helpers of the console and export tests (a module of its own so test files can import it)."""

from __future__ import annotations

from scrm.archive.chain.services import append_message
from scrm.archive.search.indexer import index_new_messages
from scrm.compliance.gateway import CLIENT_SEND, OutboundMessage, submit
from scrm.db import db
from scrm.directory.models import Staff

CUSTOMER = "wmWangNvshi0001"


def send_through_gate(sender: Staff, text: str, customer: str = CUSTOMER) -> int:
    """A sidebar send through the real gate (archived; hits open a case); returns its id."""
    result = submit(
        OutboundMessage(
            channel="single",
            origin="sidebar",
            sender_userid=sender.userid,
            text=text,
            delivery_kind=CLIENT_SEND,
            recipients=[customer],
        )
    )
    db.session.commit()
    return result.archived_message_id


def customer_says(sender: str, rm: Staff, text: str) -> int:
    """A customer's message read back from the conversation archive."""
    row = append_message(
        direction="inbound",
        channel="single",
        origin="conversation_archive",
        sender=sender,
        msgtype="text",
        text=text,
        decision="pass",
        outcome="ingested",
        recipients=[rm.userid],
        hits=[],
    )
    db.session.commit()
    return row.id


def index_now() -> None:
    index_new_messages()
    db.session.commit()
