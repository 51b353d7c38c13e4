"""An attacker with database access drops the guard triggers and edits, deletes or inserts
archive rows: ``scrm archive verify`` names the first broken row and exits 1."""

from __future__ import annotations

import hashlib

from sqlalchemy import insert, select, update

from scrm.archive.chain.hashing import content_hash
from scrm.archive.chain.models import ArchivedMessage, ArchiveHead
from scrm.db import db

TABLE = ArchivedMessage.__table__


def _verify(runner, *extra):
    return runner.invoke(args=["scrm", "archive", "verify", "--batch-size", "2", *extra])


def _row(message_id: int) -> dict:
    return dict(db.session.execute(select(TABLE).where(TABLE.c.id == message_id)).one()._mapping)


def _read(message_id: int) -> dict:
    """A row, read in a transaction that ends at once (PostgreSQL's DROP TRIGGER would wait)."""
    row = _row(message_id)
    db.session.commit()
    return row


def _forge(values: dict) -> None:
    # Inserting needs no dropped trigger: the guard refuses edits, the chain refuses forgeries.
    db.session.execute(insert(TABLE).values(**values))
    db.session.commit()


def test_edited_text_is_caught(archived, attacker, runner):
    attacker.drop_triggers()
    attacker.run("UPDATE archived_message SET text = :t WHERE id = 3", t="过往业绩代表未来表现")
    result = _verify(runner)
    assert result.exit_code == 1
    assert "archived message 3: content altered" in result.output
    assert "(2 messages verified before it)" in result.output


def test_edited_decision_is_caught_even_when_the_text_is_untouched(archived, attacker, runner):
    attacker.drop_triggers()
    attacker.run("UPDATE archived_message SET decision = 'block' WHERE id = 5")
    result = _verify(runner)
    assert result.exit_code == 1
    assert "archived message 5: content altered" in result.output


def test_deleted_middle_row_is_caught(archived, attacker, runner):
    attacker.drop_triggers()
    attacker.run("DELETE FROM archived_message WHERE id = 3")
    result = _verify(runner)
    assert result.exit_code == 1
    assert "archived message 3: row missing: id 3 absent" in result.output


def test_cut_tail_is_caught(archived, attacker, runner):
    attacker.drop_triggers()
    attacker.run("DELETE FROM archived_message WHERE id >= 5")
    result = _verify(runner)
    assert result.exit_code == 1
    assert "archived message 5: row missing" in result.output
    assert "rows were cut off the end" in result.output


def test_deleted_first_row_is_caught(archived, attacker, runner):
    attacker.drop_triggers()
    attacker.run("DELETE FROM archived_message WHERE id = 1")
    result = _verify(runner)
    assert result.exit_code == 1
    assert "archived message 1: row missing" in result.output


def test_forged_row_with_a_correctly_computed_hash_is_caught(archived, runner):
    # The attacker read our code: the forged row hashes right and links to the real last row.
    last = _row(6)
    forged = {
        **last,
        "id": 7,
        "text": "本产品保本保息，年化8%稳赚不赔",
        "prev_hash": last["content_hash"],
    }
    forged["content_hash"] = content_hash(forged)
    _forge(forged)
    result = _verify(runner)
    assert result.exit_code == 1
    assert "archived message 7: row inserted" in result.output


def test_forged_row_with_a_plausible_hash_replacing_a_deleted_one_is_caught(
    archived, attacker, runner
):
    original = _read(3)
    attacker.drop_triggers()
    attacker.run("DELETE FROM archived_message WHERE id = 3")
    text = "客户已同意代持，资金转到我个人账户"
    forged = {**original, "text": text}
    forged["content_hash"] = hashlib.sha256(text.encode()).hexdigest()  # looks like a hash
    _forge(forged)
    result = _verify(runner)
    assert result.exit_code == 1
    assert "archived message 3: content altered" in result.output


def test_a_replaced_row_breaks_the_next_link(archived, attacker, runner):
    original = _read(3)
    attacker.drop_triggers()
    attacker.run("DELETE FROM archived_message WHERE id = 3")
    forged = {**original, "text": "已为您办理，无需风险测评"}
    forged["content_hash"] = content_hash(forged)
    _forge(forged)
    result = _verify(runner)
    assert result.exit_code == 1
    assert "archived message 4: link broken" in result.output


def test_rewritten_history_is_caught_by_a_witness_kept_elsewhere(archived, attacker, runner):
    before = _verify(runner)
    witness = before.output.split("(witness ")[1].split(")")[0]
    attacker.drop_triggers()
    # Edit row 2, then recompute every later hash and the head: the chain alone is fooled.
    prev = _row(1)["content_hash"]
    for message_id in range(2, 7):
        row = _row(message_id)
        if message_id == 2:
            row["text"] = "您关注的「稳健系列」保证收益，今天开放申购。"
        row["prev_hash"] = prev
        row["content_hash"] = prev = content_hash(row)
        db.session.execute(update(TABLE).where(TABLE.c.id == message_id).values(**row))
    db.session.execute(update(ArchiveHead).values(last_hash=prev))
    db.session.commit()
    assert _verify(runner).exit_code == 0
    result = _verify(runner, "--witness", witness)
    assert result.exit_code == 1
    assert "archived message 6: content altered" in result.output
    assert "history up to here was rewritten" in result.output


def test_a_malformed_witness_names_the_expected_form(archived, runner):
    result = _verify(runner, "--witness", "六:abc")
    assert result.exit_code == 2
    assert "ID:HASH" in result.output
