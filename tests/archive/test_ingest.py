"""Conversation-archive ingest (会话内容存档): what RMs type in the WeCom client is read back
from the simulator with real RSA, scanned, archived once, and turned into review cases."""

from __future__ import annotations

import base64
import logging

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import func, select, update

from scrm.archive.chain.models import INBOUND, INGESTED, OUTBOUND, ArchivedMessage
from scrm.archive.ingest.models import ArchiveCursor, ArchiveGap
from scrm.archive.ingest.services import pull_configured_archive, pull_conversation_archive
from scrm.archive.ingest.source import (
    ArchiveDataExpired,
    MissingPrivateKey,
    UndecryptableMessage,
    archive_source,
)
from scrm.compliance.review.models import ReviewCase
from scrm.db import db, utcnow
from scrm.wecom.client import get_client
from scrm.wecom.endpoints.msgaudit import check_single_agree, get_permit_user_list
from scrm.wecom.errors import PermissionDenied
from scrm.wecom.simulator.msgaudit import RETENTION_SECONDS, enable_archive
from scrm.worker.jobs import build_scheduler
from scrm.worker.runner import run_worker

ARCHIVE_SECRET = "archive-secret-for-tests-only-000000000003"
RM = "xh.wangfang"
CUSTOMER = "wmxhtest0000000000000000000001"
OTHER_CUSTOMER = "wmxhtest0000000000000000000002"


@pytest.fixture
def audit(sim):
    """The simulator's archive with its licence bought: one RSA key pair, current version."""
    return enable_archive(sim, ARCHIVE_SECRET)


@pytest.fixture
def app_config(app_config, audit):
    # The bank configures the private half of the key it uploaded, as a real bank would, and
    # names its archive source: here the demo's, in place of the bank's Finance SDK adapter.
    return {
        **app_config,
        "ARCHIVE_SOURCE": "scrm.demo.archive_source:archive_source",
        "WECOM_ARCHIVE_SECRET": ARCHIVE_SECRET,
        "ARCHIVE_PRIVATE_KEYS": {str(audit.publickey_ver): audit.private_key_pem()},
    }


@pytest.fixture
def salon(sim) -> str:
    """An RM, two customers she follows, and her 理财沙龙群 with both in it."""
    sim.add_department(1, "星河银行（演示）")
    sim.add_user(RM, "王芳", [1])
    sim.add_customer(CUSTOMER, "李雷")
    sim.add_customer(OTHER_CUSTOMER, "韓梅梅")
    sim.add_follow(RM, CUSTOMER)
    sim.add_follow(RM, OTHER_CUSTOMER)
    return sim.add_group_chat(RM, "理财沙龙群🌸", [(CUSTOMER, 2, 1), (OTHER_CUSTOMER, 2, 3)])


def _pull(app) -> dict:
    with app.app_context():
        counts = pull_configured_archive()
        db.session.commit()
        return counts


def _archived(app) -> list[ArchivedMessage]:
    with app.app_context():
        rows = db.session.scalars(select(ArchivedMessage).order_by(ArchivedMessage.id)).all()
        db.session.expunge_all()
        return rows


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_rm_typing_guaranteed_return_in_a_group_opens_a_review_case(app, sim, salon):
    sim.operator.rm_types_message(RM, roomid=salon, text="这款理财保本保收益，大家放心买👍")

    counts = _pull(app)

    assert counts["archived"] == 1 and counts["cases"] == 1
    [message] = _archived(app)
    assert (message.origin, message.channel, message.direction) == (
        "conversation_archive",
        "group",
        OUTBOUND,
    )
    assert message.outcome == INGESTED and message.decision == "block"
    assert message.sender == RM and message.chat_ids == [salon]
    assert message.wecom_msgid.endswith("_external") and message.seq == 1
    assert any(hit["matched"] == "保本" for hit in message.hits)
    assert message.lexicon_version
    with app.app_context():
        case = db.session.scalars(select(ReviewCase)).one()
        assert case.archived_message_id == message.id
        assert case.status == "open" and case.highest_action == "block"
        assert "承诺收益/保本" in case.categories


def test_archived_message_decrypts_with_the_banks_real_rsa_key(app, sim, audit, salon):
    text = "李先生您好，周三的沙龙我帮您留了位置🙂 穩健型產品另行介紹"
    sim.operator.rm_types_message(RM, to=[CUSTOMER], text=text)
    with app.app_context():
        source = archive_source(app)
        [item] = source.get_chat_data(0, 100)
        # The random key is RSA-2048 PKCS#1 v1.5 under the version's public key: only the
        # private half configured on our side opens it.
        pem = app.config["ARCHIVE_PRIVATE_KEYS"][str(item.publickey_ver)]
        private = serialization.load_pem_private_key(pem.encode(), password=None)
        sealed_key = base64.b64decode(item.encrypt_random_key)
        assert len(sealed_key) == 256
        assert len(private.decrypt(sealed_key, padding.PKCS1v15())) == 32
        assert text.encode() not in base64.b64decode(item.encrypt_chat_msg)

        message = source.decrypt(item)

    assert message["text"]["content"] == text
    assert (message["from"], message["tolist"], message["roomid"]) == (RM, [CUSTOMER], "")
    assert message["msgid"] == item.msgid and message["msgtype"] == "text"
    assert message["msgtime"] > 1_600_000_000_000  # milliseconds


def test_a_tampered_archive_payload_is_refused(app, sim, salon):
    sim.operator.rm_types_message(RM, to=[CUSTOMER], text="您好，明天到账")
    with app.app_context():
        source = archive_source(app)
        [item] = source.get_chat_data(0, 100)
        blob = bytearray(base64.b64decode(item.encrypt_chat_msg))
        blob[-1] ^= 0x01
        forged = item.__class__(**{**item.__dict__, "encrypt_chat_msg": base64.b64encode(blob)})
        with pytest.raises(UndecryptableMessage, match="10006"):
            source.decrypt(forged)


def test_a_message_under_an_unconfigured_key_version_archives_nothing(app, sim, audit, salon):
    sim.operator.rm_types_message(RM, to=[CUSTOMER], text="上一把钥匙加密的消息")
    old_version = audit.publickey_ver
    new_version = audit.rotate_key()  # the bank uploaded a new public key in 管理后台
    sim.clock.advance(20)  # past the notify interval
    sim.operator.rm_types_message(RM, roomid=salon, text="本产品刚性兑付，零风险")

    with app.app_context():
        with pytest.raises(MissingPrivateKey) as raised:
            pull_configured_archive()
        db.session.rollback()
    assert "ARCHIVE_PRIVATE_KEYS" in raised.value.message
    assert f"publickey_ver {new_version}" in raised.value.message
    assert _archived(app) == []
    with app.app_context():
        assert db.session.get(ArchiveCursor, "conversation_archive") is None

    # Nothing was lost: once the key is configured, both messages arrive.
    app.config["ARCHIVE_PRIVATE_KEYS"] = {
        old_version: audit.private_key_pem(old_version),
        new_version: audit.private_key_pem(new_version),
    }
    assert _pull(app)["archived"] == 2
    assert [m.seq for m in _archived(app)] == [1, 2]


def test_a_wrong_private_key_is_named_and_archives_nothing(app, sim, audit, salon):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    app.config["ARCHIVE_PRIVATE_KEYS"] = {
        audit.publickey_ver: stranger.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
    }
    sim.operator.rm_types_message(RM, to=[CUSTOMER], text="稳赚不赔")

    with app.app_context(), pytest.raises(UndecryptableMessage, match="ARCHIVE_PRIVATE_KEYS"):
        pull_configured_archive()
    assert _archived(app) == []


def test_pulling_the_same_seqs_again_never_archives_twice(app, sim, salon):
    sim.operator.rm_types_message(RM, to=[CUSTOMER], text="您的定期明天到期，需要续存吗？")
    sim.operator.customer_types_message(CUSTOMER, to=RM, text="好的，續存三年😀")
    sim.operator.rm_types_message(RM, roomid=salon, text="本周沙龙：养老规划，欢迎参加")

    assert _pull(app)["archived"] == 3
    assert _pull(app) == {"last_seq": 3}
    # A restored backup puts the cursor back: the same seqs come again and are recognised.
    with app.app_context():
        db.session.execute(update(ArchiveCursor).values(last_seq=0))
        db.session.commit()
    again = _pull(app)

    assert again["already"] == 3 and "archived" not in again
    assert [m.seq for m in _archived(app)] == [1, 2, 3]


def test_customer_messages_are_inbound_and_media_is_archived_unscanned(app, sim, salon):
    sim.operator.customer_types_message(CUSTOMER, to=RM, text="这个产品保本吗？")
    sim.operator.rm_sends_image(RM, to=[CUSTOMER])

    counts = _pull(app)

    asked, picture = _archived(app)
    assert asked.direction == INBOUND and asked.sender == CUSTOMER
    assert asked.recipients == [RM] and asked.channel == "single"
    assert picture.msgtype == "image" and picture.text is None
    assert picture.hits == [] and picture.decision == "pass"
    assert picture.attachments[0]["image"]["sdkfileid"]
    assert counts["archived"] == 2
    # The customer's question hits 保本 and is kept with its hits, but the review queue is
    # about what the bank's staff say: no case.
    assert any(hit["matched"] == "保本" for hit in asked.hits)
    assert "cases" not in counts and _count(app, ReviewCase) == 0


def test_a_jump_in_seq_is_recorded_as_a_gap_and_alerted(app, sim, salon, caplog):
    for text in ("早上好", "今天净值更新了", "有问题随时找我"):
        sim.operator.rm_types_message(RM, to=[CUSTOMER], text=text)
    # Nobody pulled for six days: WeCom dropped those three messages.
    sim.clock.advance(RETENTION_SECONDS + 86400)
    sim.operator.rm_types_message(RM, roomid=salon, text="新一期理财沙龙报名开始")
    sim.operator.rm_types_message(RM, to=[OTHER_CUSTOMER], text="韩女士您好")

    with caplog.at_level(logging.ERROR, logger="scrm.archive.ingest.services"):
        counts = _pull(app)

    assert counts["gaps"] == 1 and counts["archived"] == 2 and counts["last_seq"] == 5
    with app.app_context():
        gap = db.session.scalars(select(ArchiveGap)).one()
        assert (gap.from_seq, gap.to_seq) == (1, 3)
    assert any("ALERT" in r.getMessage() and "1-3" in r.getMessage() for r in caplog.records)
    # The alert names seqs, never message bodies.
    assert not any("早上好" in r.getMessage() for r in caplog.records)


def test_data_expired_at_wecom_is_alerted_and_nothing_moves(app, sim, salon, caplog):
    sim.operator.rm_types_message(RM, to=[CUSTOMER], text="您好")
    sim.faults.inject("finance/getchatdata", errcode=10010)

    with (
        caplog.at_level(logging.ERROR, logger="scrm.archive.ingest.services"),
        app.app_context(),
        pytest.raises(ArchiveDataExpired, match="10010"),
    ):
        pull_configured_archive()
    assert any("ALERT" in r.getMessage() for r in caplog.records)
    assert _archived(app) == []


def test_msgaudit_notify_through_the_callback_and_worker_triggers_a_pull(
    app, sim, salon, live_server
):
    outcome = sim.operator.rm_types_message(RM, roomid=salon, text="穩賺不賠，錯過再等一年！")
    assert outcome.delivery.delivered

    drained = run_worker(app, once=True)

    assert drained["inbox"] == {"applied": 1}
    [message] = _archived(app)
    assert message.decision == "block" and message.chat_ids == [salon]
    assert _count(app, ReviewCase) == 1


def test_notify_fires_at_most_every_fifteen_seconds_and_the_clock_pulls_the_rest(
    app, sim, salon, live_server
):
    sim.clock.freeze()
    first = sim.operator.rm_types_message(RM, to=[CUSTOMER], text="第一条")
    second = sim.operator.rm_types_message(RM, to=[CUSTOMER], text="第二条")
    assert first.delivery is not None and second.delivery is None

    jobs = {job.id: job for job in build_scheduler(app).get_jobs()}
    assert "archive.pull_conversation_archive" in jobs
    with app.app_context():
        from scrm.archive.ingest.jobs import pull_conversation_archive as clock_pull

        clock_pull()
        db.session.commit()
    assert [m.text for m in _archived(app)] == ["第一条", "第二条"]


def test_ingest_off_schedules_no_pull_and_the_notify_is_harmless(app, sim, salon, live_server):
    app.config["ARCHIVE_SOURCE"] = ""
    assert "archive.pull_conversation_archive" not in {
        job.id for job in build_scheduler(app).get_jobs()
    }
    sim.operator.rm_types_message(RM, to=[CUSTOMER], text="您好")
    assert run_worker(app, once=True)["inbox"] == {"applied": 1}
    assert _archived(app) == []


def test_permit_list_and_agreement_need_the_archive_secret(app_ctx, sim, salon):
    archive = get_client("archive")
    assert get_permit_user_list(archive) == [RM]
    [info] = check_single_agree(archive, [(RM, CUSTOMER)])
    assert info.external_userid == CUSTOMER and info.agreed and info.status == "Agree"

    with pytest.raises(PermissionDenied):
        get_permit_user_list(get_client("contact"))


def test_pull_stops_when_another_puller_moved_the_cursor(app, sim, salon):
    sim.operator.rm_types_message(RM, to=[CUSTOMER], text="您好")
    with app.app_context():
        db.session.add(ArchiveCursor(name="conversation_archive", last_seq=0, updated_at=utcnow()))
        db.session.commit()
        source = archive_source(app)

        class Racing(type(source)):
            def get_chat_data(self, seq, limit):
                items = super().get_chat_data(seq, limit)
                # Another worker ingests the same batch between our read and our write.
                db.session.execute(update(ArchiveCursor).values(last_seq=items[-1].seq))
                return items

        counts = pull_conversation_archive(Racing(source.client, source.keys))
        db.session.commit()
    assert "archived" not in counts
    assert _archived(app) == []
