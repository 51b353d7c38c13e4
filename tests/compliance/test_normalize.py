"""The normalised copy and its map back to the original text."""

from __future__ import annotations

import random

import pytest

from scrm.compliance.scanning.normalize import normalise, normalise_with_positions


@pytest.mark.parametrize(
    ("written", "reads"),
    [
        ("穩賺不賠", "稳赚不赔"),  # traditional
        ("稳·赚", "稳赚"),  # middle dot
        ("保 本", "保本"),  # space
        ("零-风-险", "零风险"),
        ("保*本", "保本"),
        ("保\u200b本", "保本"),  # zero-width space
        ("保\u3000本", "保本"),  # ideographic space
        ("稳\u0301赚", "稳赚"),  # a combining mark stacked on a character
        ("稳🔥赚", "稳赚"),  # emoji
        ("１００％保本", "100保本"),  # full-width digits and sign
        ("Ｕ盾借我", "u盾借我"),  # full-width capital
        ("ＵＳＤＴ", "usdt"),
        ("①②③", "123"),  # circled digits
        ("㈤", "五"),  # parenthesised ideograph
        ("𝐕𝐈𝐏", "vip"),  # mathematical bold capitals
        ("Straße", "strasse"),  # casefold, not just lower
    ],
)
def test_disguised_writing_reads_as_the_plain_term(written, reads):
    assert normalise(written) == reads


def test_clause_punctuation_stays_so_no_term_spans_two_clauses():
    assert normalise("最好，第一时间。好的！") == "最好，第一时间。好的！"
    assert normalise("最好,第一") == "最好第一"  # ASCII punctuation is noise


def test_every_character_of_the_copy_maps_back_to_the_character_it_came_from():
    copy = normalise_with_positions("a穩 ·賺①㈤\u200bＢ")
    assert copy.text == "a稳赚1五b"
    assert [copy.original_index(i) for i in range(len(copy.text))] == [0, 1, 4, 5, 6, 8]


def test_a_span_of_the_copy_maps_to_the_original_substring_with_the_noise_inside():
    text = "他说稳*赚*不*赔哦"
    copy = normalise_with_positions(text)
    start = copy.text.index("稳赚不赔")
    first, last = copy.original_span(start, start + 4)
    assert text[first:last] == "稳*赚*不*赔"


def test_an_expanded_character_maps_all_its_outputs_to_itself():
    text = "买㎡数"  # ㎡ → "m2"
    copy = normalise_with_positions(text)
    assert copy.text == "买m2数"
    assert [copy.original_index(i) for i in range(4)] == [0, 1, 1, 2]


def test_map_agrees_with_a_character_by_character_reading_on_random_mixed_text():
    alphabet = "稳赚保本穩賺ＡＢ①㈤ ·*\u200b，。🔥aBßﬁ㎡\u0301x\n𝐀理财"
    rng = random.Random(7)
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        copy = normalise_with_positions(text)
        expected = [i for i, char in enumerate(text) for _ in normalise(char)]
        assert copy.text == normalise(text)
        assert [copy.original_index(i) for i in range(len(copy.text))] == expected
