"""Review cases (复核): a message whose hits block or warn gets exactly one case; the archive
row it points at never changes."""

from __future__ import annotations

from sqlalchemy import func, select

from scrm.archive.chain.models import ArchivedMessage
from scrm.archive.chain.verify import verify_archive
from scrm.compliance.gateway import CLIENT_SEND, OutboundMessage, submit
from scrm.compliance.review.cases import list_open_cases, open_review_case
from scrm.compliance.review.models import ReviewCase
from scrm.db import db

RM = "xh.lina"


def _archived(channel: str, text: str) -> ArchivedMessage:
    """A sidebar send through the real gate, archived whatever the decision."""
    result = submit(
        OutboundMessage(
            channel=channel,
            origin="sidebar",
            sender_userid=RM,
            text=text,
            delivery_kind=CLIENT_SEND,
            recipients=["wmxhreview0000000000000000001"],
        )
    )
    return db.session.get(ArchivedMessage, result.archived_message_id)


def test_guaranteed_return_in_a_group_opens_one_blocking_case(app_ctx):
    message = _archived("group", "这款理财保本保收益，穩賺不賠💰")

    case = open_review_case(message)
    again = open_review_case(message)
    db.session.commit()

    assert case is not None and again.id == case.id
    assert case.status == "open" and case.highest_action == "block"
    assert "承诺收益/保本" in case.categories
    assert db.session.scalar(select(func.count()).select_from(ReviewCase)) == 1


def test_an_absolute_claim_in_a_one_to_one_chat_opens_a_warning_case(app_ctx):
    message = _archived("single", "这是我们收益最高的一款，第一时间通知您")

    case = open_review_case(message)

    assert message.decision == "warn"
    assert case.highest_action == "warn" and case.categories == ["绝对化用语"]


def test_a_compliant_disclosure_opens_no_case(app_ctx):
    message = _archived(
        "moments", "本产品不保本，过往业绩不代表未来表现。理财非存款、产品有风险、投资须谨慎"
    )

    assert message.decision == "pass"
    assert open_review_case(message) is None
    assert db.session.scalar(select(func.count()).select_from(ReviewCase)) == 0


def test_the_queue_shows_blocking_cases_before_warnings(app_ctx):
    warned = _archived("single", "这是收益最高的一款")
    blocked = _archived("group", "钱直接转到我个人账户就行")
    open_review_case(warned)
    open_review_case(blocked)
    db.session.commit()

    queue = list_open_cases()

    assert [message.id for _, message in queue] == [blocked.id, warned.id]


def test_opening_cases_leaves_the_archive_chain_intact(app_ctx):
    message = _archived("group", "零风险，年化8%稳稳的")
    before = message.content_hash
    open_review_case(message)
    db.session.commit()
    db.session.expire_all()

    assert db.session.get(ArchivedMessage, message.id).content_hash == before
    assert verify_archive().intact
