"""The one gate: scan → decide → archive → outbox, in one transaction, for every send."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text

from scrm.archive.chain.models import ArchivedMessage
from scrm.archive.chain.verify import verify_archive
from scrm.compliance.gateway import OutboundMessage, submit
from scrm.compliance.vocabulary import AllowPhrase, InvalidMessage, Lexicon, Term
from scrm.db import db
from scrm.outbox.models import Delivery

RM = "li.na"
CUSTOMERS = ["wmCustomerWang01", "wmCustomerZhao02"]


def _on(single, group, moments):
    return {"single": single, "group": group, "moments": moments}


LEXICON = Lexicon(
    version="7" * 64,
    terms=(
        Term("保本", "承诺收益/保本", _on("block", "block", "block"), basis="资管新规第二十一条"),
        Term("稳赚不赔", "承诺收益/保本", _on("block", "block", "block"), basis="理财销售办法"),
        Term("最高", "绝对化用语", _on("warn", "block", "block"), basis="广告法第九条"),
    ),
    allow=(AllowPhrase("不保本", ("保本",)),),
)


def mass_message(content: str, **changes) -> OutboundMessage:
    """A 1v1 mass message (客户群发) from the RM to two customers."""
    payload = {
        "chat_type": "single",
        "external_userid": CUSTOMERS,
        "sender": RM,
        "text": {"content": content},
    }
    fields = dict(
        channel="single",
        origin="mass_message",
        sender_userid=RM,
        text=content,
        delivery_kind="mass_message",
        delivery_payload=payload,
        recipients=CUSTOMERS,
        idempotency_key=f"mass:{abs(hash(content))}",
    )
    return OutboundMessage(**{**fields, **changes})


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def broken_table(app):
    """``broken_table(name)`` makes every INSERT into ``name`` fail, as a full disk would."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    broken = []

    def _break(table: str) -> None:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(
                    text(
                        "CREATE OR REPLACE FUNCTION test_refuse_insert() RETURNS trigger "
                        "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$"
                    )
                )
                conn.execute(
                    text(
                        f"CREATE TRIGGER test_refuse_insert BEFORE INSERT ON {table} "
                        "FOR EACH ROW EXECUTE FUNCTION test_refuse_insert()"
                    )
                )
            else:
                conn.execute(
                    text(
                        f"CREATE TRIGGER test_refuse_insert BEFORE INSERT ON {table} "
                        "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                    )
                )
        broken.append(table)

    yield _break
    if engine.dialect.name == "postgresql":  # one schema for the whole run: mend it
        db.session.remove()  # end the test's transaction, or DROP TRIGGER waits for it
        with engine.begin() as conn:
            for table in broken:
                conn.execute(text(f"DROP TRIGGER IF EXISTS test_refuse_insert ON {table}"))
            conn.execute(text("DROP FUNCTION IF EXISTS test_refuse_insert()"))
    engine.dispose()


def test_rm_cannot_send_guaranteed_return_to_customer(app_ctx):
    result = submit(mass_message("这款理财保本保收益，稳赚不赔😀"), lexicon=LEXICON)
    db.session.commit()
    assert result.decision == "block" and not result.released
    assert result.delivery_id is None and _count(Delivery) == 0
    found = {(h["matched"], h["category"], h["basis"]) for h in result.hits}
    assert ("保本", "承诺收益/保本", "资管新规第二十一条") in found
    assert ("稳赚不赔", "承诺收益/保本", "理财销售办法") in found
    assert all(h["field"] == "text" for h in result.hits)


def test_blocked_attempt_is_archived_with_who_tried(app_ctx):
    result = submit(mass_message("穩賺不賠，零風險哦", attempted_by="hq.zhao.min"), lexicon=LEXICON)
    db.session.commit()
    row = db.session.get(ArchivedMessage, result.archived_message_id)
    assert (row.outcome, row.decision) == ("blocked", "block")
    assert (row.sender, row.attempted_by) == (RM, "hq.zhao.min")
    assert row.text == "穩賺不賠，零風險哦" and row.recipients == CUSTOMERS
    assert row.hits[0]["matched"] == "穩賺不賠"
    assert row.idempotency_key is None  # a fixed text may be sent later under the same key


def test_warn_requires_a_reason_before_it_goes(app_ctx):
    content = "本周收益最高的一款，名额有限🔥"
    first = submit(mass_message(content), lexicon=LEXICON)
    db.session.commit()
    assert first.decision == "warn" and first.needs_confirmation and not first.released
    assert first.delivery_id is None and _count(Delivery) == 0

    reason = "客户主动询问近一年最高收益，已提示过往业绩不代表未来表现"
    second = submit(mass_message(content, confirm_reason=reason), lexicon=LEXICON)
    db.session.commit()
    assert second.released and second.delivery_id is not None
    delivery = db.session.get(Delivery, second.delivery_id)
    assert delivery.archived_message_id == second.archived_message_id
    assert delivery.payload["text"]["content"] == content
    row = db.session.get(ArchivedMessage, second.archived_message_id)
    assert (row.outcome, row.confirmed_reason) == ("released", reason)
    assert verify_archive().count == 2  # the unconfirmed attempt stays on record


def test_the_same_word_blocks_in_a_group_post(app_ctx):
    message = mass_message(
        "本周收益最高的一款",
        channel="group",
        recipients=[],
        chat_ids=["wrGroupFinance01"],
        delivery_payload={
            "chat_type": "group",
            "sender": RM,
            "chat_id_list": ["wrGroupFinance01"],
            "text": {"content": "本周收益最高的一款"},
        },
        confirm_reason="我确认",
    )
    result = submit(message, lexicon=LEXICON)
    assert result.decision == "block" and result.delivery_id is None


def test_compliant_message_is_archived_then_queued(app_ctx):
    content = "本产品不保本，过往业绩不代表未来表现，请您谨慎决策🙏"
    result = submit(mass_message(content), lexicon=LEXICON)
    db.session.commit()
    assert result.decision == "pass" and result.hits == ()
    delivery = db.session.get(Delivery, result.delivery_id)
    assert (delivery.kind, delivery.status) == ("mass_message", "queued")
    row = db.session.get(ArchivedMessage, result.archived_message_id)
    assert row.lexicon_version == LEXICON.version and row.outcome == "released"


def test_the_same_send_submitted_twice_is_archived_and_queued_once(app_ctx):
    message = mass_message("周五下午三点，支行理财沙龙，欢迎您来👏")
    first = submit(message, lexicon=LEXICON)
    db.session.commit()
    again = submit(message, lexicon=LEXICON)
    db.session.commit()
    assert (again.archived_message_id, again.delivery_id) == (
        first.archived_message_id,
        first.delivery_id,
    )
    assert _count(ArchivedMessage) == 1 and _count(Delivery) == 1


def test_a_failed_archive_write_means_nothing_is_enqueued(app_ctx, broken_table):
    broken_table("archived_message")
    with pytest.raises(Exception, match="disk full"):
        submit(mass_message("您好，本月存款利率有调整，详情见附件"), lexicon=LEXICON)
    db.session.rollback()
    assert _count(Delivery) == 0 and _count(ArchivedMessage) == 0


def test_a_failed_enqueue_leaves_no_archive_record_behind(app_ctx, broken_table):
    broken_table("outbound_delivery")
    with pytest.raises(Exception, match="disk full"):
        submit(mass_message("您好，本月存款利率有调整，详情见附件"), lexicon=LEXICON)
    db.session.rollback()
    assert _count(ArchivedMessage) == 0 and verify_archive().intact


def test_a_link_title_is_scanned_like_the_text(app_ctx):
    link = {"msgtype": "link", "link": {"title": "稳赚不赔的好产品", "url": "https://b.example/p"}}
    message = OutboundMessage(
        channel="moments",
        origin="moments",
        sender_userid="hq.ops",
        text="新品上线，欢迎咨询您的客户经理",
        attachments=[link],
        delivery_kind="moment",
        delivery_payload={
            "text": {"content": "新品上线，欢迎咨询您的客户经理"},
            "attachments": [link],
        },
        idempotency_key="moment:2026-05-01:am",
    )
    result = submit(message, lexicon=LEXICON)
    assert result.decision == "block"
    assert result.hits[0]["field"] == "attachments[0].link.title"


def test_sidebar_send_is_approved_without_an_outbox_row(app_ctx):
    message = OutboundMessage(
        channel="single",
        origin="sidebar",
        sender_userid=RM,
        text="王女士，您预约的大额存单已到账😊",
        delivery_kind="sidebar",
        recipients=["wmCustomerWang01"],
    )
    result = submit(message, lexicon=LEXICON)
    db.session.commit()
    assert result.released and result.delivery_id is None
    assert _count(Delivery) == 0 and _count(ArchivedMessage) == 1


def test_the_active_lexicon_is_used_when_none_is_given(app_ctx):
    result = submit(mass_message("保证收益，稳赚不赔"))
    assert result.decision == "block"
    assert len(result.lexicon_version) == 64 and result.lexicon_version != LEXICON.version


@pytest.mark.parametrize(
    ("changes", "fix"),
    [
        ({"text": "", "delivery_payload": {}}, "nothing to send"),
        ({"text": "你好".encode()}, "decode it as UTF-8"),
        ({"channel": "wechat"}, "single, group, moments"),
        ({"confirm_reason": "   "}, "say why"),
        ({"idempotency_key": None}, "idempotency_key must be"),
        ({"text": "改过的文字，与 payload 不同"}, "what is scanned is what is sent"),
    ],
)
def test_bad_input_is_refused_before_anything_is_recorded(app_ctx, changes, fix):
    with pytest.raises(InvalidMessage, match=fix):
        submit(mass_message("原始文字：周末理财讲座", **changes), lexicon=LEXICON)
    db.session.rollback()
    assert _count(ArchivedMessage) == 0 and _count(Delivery) == 0


def test_a_message_over_wecoms_limit_is_refused_with_its_size(app_ctx):
    with pytest.raises(InvalidMessage, match="4200 bytes"):
        submit(mass_message("长" * 1400), lexicon=LEXICON)  # 3 bytes each in UTF-8
    db.session.rollback()
    assert _count(ArchivedMessage) == 0


def test_a_huge_sidebar_message_is_refused_by_the_scanner_too(app_ctx):
    message = OutboundMessage(
        channel="single",
        origin="sidebar",
        sender_userid=RM,
        text="📈" * 1001,
        delivery_kind="sidebar",
    )
    with pytest.raises(InvalidMessage, match="4,?000"):
        submit(message, lexicon=LEXICON)
    db.session.rollback()
    assert _count(ArchivedMessage) == 0
