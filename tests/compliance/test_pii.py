"""Resident IDs, bank cards and mobile numbers, however they are written."""

from __future__ import annotations

from datetime import date

import pytest

from scrm.compliance.scanning.pii import (
    BANK_CARD,
    MOBILE,
    RESIDENT_ID,
    find_personal_numbers,
    is_resident_id,
    passes_luhn,
)
from scrm.compliance.vocabulary import BLOCK, FLAG, WARN

VALID_ID = "11010519491231002X"
OTHER_ID = "440305198802150016"
LUHN_CARD = "6217001234567890122"
FULL_WIDTH_ID = "４４０３０５１９８８０２１５００１６"


def found(text):
    return [(n.kind, text[n.start : n.end]) for n in find_personal_numbers(text)]


def test_resident_id_needs_province_real_birth_date_and_checksum():
    assert is_resident_id(VALID_ID) and is_resident_id(VALID_ID.lower())
    assert is_resident_id(OTHER_ID)
    assert not is_resident_id("110105194912310021")  # checksum
    assert not is_resident_id("990105194912310029")  # no province 99
    assert not is_resident_id("110105194902300020")  # 30 February
    assert not is_resident_id("110105209912310029", today=date(2026, 1, 1))  # born in future


def test_luhn_check():
    assert passes_luhn(LUHN_CARD)
    assert not passes_luhn("6217001234567890123")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"客户身份证{VALID_ID}", [(RESIDENT_ID, VALID_ID)]),
        ("证件 440305 19880215 0016 请核对", [(RESIDENT_ID, "440305 19880215 0016")]),
        (f"身份证：{FULL_WIDTH_ID}", [(RESIDENT_ID, FULL_WIDTH_ID)]),
        ("卡号 6217 0012 3456 7890 122 户名张三", [(BANK_CARD, "6217 0012 3456 7890 122")]),
        ("加我微信或打电话 138-0013-8000", [(MOBILE, "138-0013-8000")]),
        ("＋８６ １３９１２３４５６７８", [(MOBILE, "＋８６ １３９１２３４５６７８")]),
        ("手机①③⑧⓪⓪①③⑧⓪⓪⓪", [(MOBILE, "①③⑧⓪⓪①③⑧⓪⓪⓪")]),
        ("138\u200b0013\u200b8000", [(MOBILE, "138\u200b0013\u200b8000")]),
        (f"身份证 {VALID_ID} 13800138000", [(RESIDENT_ID, VALID_ID), (MOBILE, "13800138000")]),
    ],
)
def test_numbers_are_found_however_they_are_written(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "订单号 2024061812345678901",  # starts with 2: not a card; too long for a mobile
        "参考号 110105194912310021",  # ID-shaped, checksum fails, nothing says it is an ID
        "活动编号 13800138000123",  # a mobile-looking start inside a longer run
        "金额 100,000.00 元，预约号 2024061801",
        "工号ab13800138000",  # glued to letters
    ],
)
def test_serials_amounts_and_failed_checksums_are_not_personal_numbers(text):
    assert found(text) == []


def test_an_id_with_a_typo_is_still_an_id_when_the_message_says_so():
    (number,) = find_personal_numbers("身份证号 110105194912310021 的客户")
    assert number.kind == RESIDENT_ID and number.action("group") == BLOCK


def test_id_beats_card_and_mobile_when_they_overlap():
    # 18 digits starting with 4: a card-shaped run and 11-digit pieces; the ID wins.
    assert found(f"核对 {OTHER_ID}") == [(RESIDENT_ID, OTHER_ID)]


def test_luhn_and_context_raise_card_confidence_and_never_filter():
    with_luhn = find_personal_numbers(f"转账到{LUHN_CARD}")[0]
    without_luhn = find_personal_numbers("转账到6217001234567890123")[0]
    bare = find_personal_numbers("号码6217001234567890123看一下")[0]
    order = find_personal_numbers("订单号 6222 0000 1111 2222 333")[0]
    assert with_luhn.confidence > without_luhn.confidence > bare.confidence > order.confidence
    assert without_luhn.action("group") == BLOCK  # some real debit ranges fail Luhn
    assert bare.action("group") == WARN  # no Luhn, no context: one step lower, still reported
    assert order.action("single") == FLAG


def test_channel_actions_follow_the_policy_table():
    (card,) = find_personal_numbers(f"卡号{LUHN_CARD}")
    (mobile,) = find_personal_numbers("电话13800138000")
    (resident,) = find_personal_numbers(VALID_ID)
    assert [card.action(c) for c in ("single", "group", "moments")] == [WARN, BLOCK, BLOCK]
    assert [mobile.action(c) for c in ("single", "group", "moments")] == [FLAG, WARN, WARN]
    assert {resident.action(c) for c in ("single", "group", "moments")} == {BLOCK}


def test_a_long_digit_string_does_not_slow_the_search_down():
    assert found("1" * 4000 + "a") == []
    assert found(" ".join(["1234"] * 800)) == []
