"""The scanner on lexicons built in the test, and ``flask scrm scan`` on the real one."""

from __future__ import annotations

import hashlib
import json

import pytest

from scrm.compliance.scanning.scanner import MAX_MESSAGE_BYTES, build_matcher, scan
from scrm.compliance.vocabulary import (
    BLOCK,
    CHANNELS,
    FLAG,
    PASS,
    WARN,
    AllowPhrase,
    InvalidMessage,
    Lexicon,
    Term,
)

EVERYWHERE = dict.fromkeys(CHANNELS, BLOCK)
ABSOLUTE = {"single": WARN, "group": BLOCK, "moments": BLOCK}


def make_lexicon(terms, allow=()):
    """A lexicon from (term, category, actions) and (phrase, suppresses) tuples."""
    term_objects = tuple(Term(t, category, dict(actions)) for t, category, actions in terms)
    allow_objects = tuple(AllowPhrase(p, tuple(s)) for p, s in allow)
    content = json.dumps([terms, list(allow)], ensure_ascii=False, sort_keys=True)
    version = hashlib.sha256(content.encode()).hexdigest()
    return Lexicon(version, term_objects, allow_objects)


@pytest.fixture(scope="module")
def lexicon():
    promise = "承诺收益/保本"
    return make_lexicon(
        [
            ("保本", promise, EVERYWHERE),
            ("保本保息", promise, EVERYWHERE),
            ("保证收益", promise, EVERYWHERE),
            ("稳赚不赔", promise, EVERYWHERE),
            ("零风险", promise, EVERYWHERE),
            ("转到我个人账户", "私下交易/飞单", EVERYWHERE),
            ("最高", "绝对化用语", ABSOLUTE),
            ("错过再等一年", "误导/夸大/混同", dict.fromkeys(CHANNELS, FLAG)),
        ],
        allow=[("不保本", ["保本"]), ("第一时间", ["第一"]), ("最高额抵押", ["最高"])],
    )


def hits(result):
    return [(h.term, h.action, h.matched, h.aligned) for h in result.hits]


def test_rm_cannot_promise_a_guaranteed_return(lexicon):
    result = scan("这款理财保本，稳赚不赔", "single", lexicon)
    assert result.decision == BLOCK
    assert result.lexicon_version == lexicon.version
    assert [h.term for h in result.hits] == ["保本", "稳赚不赔"]


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("穩賺不賠哦", "穩賺不賠"),
        ("稳*赚*不*赔哦", "稳*赚*不*赔"),
        ("稳 赚 不 赔", "稳 赚 不 赔"),
        ("零\u200b风\u200b险", "零\u200b风\u200b险"),
        ("零-風-險！", "零-風-險"),
        ("稳🔥赚🔥不🔥赔", "稳🔥赚🔥不🔥赔"),
        ("钱转到我 个人 账户", "转到我 个人 账户"),
    ],
)
def test_disguised_terms_are_caught_and_reported_on_the_original_text(lexicon, text, matched):
    result = scan(text, "group", lexicon)
    assert result.decision == BLOCK
    (hit,) = result.hits
    assert hit.matched == matched == text[hit.start : hit.end]


def test_disclosure_is_allowed_but_a_promise_beside_it_still_blocks(lexicon):
    assert scan("本产品不保本，投资须谨慎", "moments", lexicon).decision == PASS
    result = scan("虽然不保本，但我保证收益", "single", lexicon)
    assert result.decision == BLOCK
    assert [h.term for h in result.hits] == ["保证收益"]


def test_allow_phrase_only_suppresses_the_terms_it_names(lexicon):
    # 第一时间 suppresses 第一 (not in this lexicon) — it must not hide 最高 next to it.
    result = scan("收益最高，第一时间通知您", "single", lexicon)
    assert hits(result) == [("最高", WARN, "最高", True)]
    assert scan("签最高额抵押合同", "group", lexicon).decision == PASS


def test_absolute_term_warns_in_a_chat_and_blocks_on_moments(lexicon):
    assert scan("这是收益最高的一款", "single", lexicon).decision == WARN
    assert scan("这是收益最高的一款", "group", lexicon).decision == BLOCK
    assert scan("这是收益最高的一款", "moments", lexicon).decision == BLOCK


def test_accidental_substring_is_kept_for_review_not_blocked(lexicon):
    result = scan("请您确保本次转账信息准确", "single", lexicon)
    assert hits(result) == [("保本", WARN, "保本", False)]
    assert result.decision == WARN and result.needs_review


def test_term_with_a_suffix_is_still_the_term(lexicon):
    result = scan("年化保证收益率4.5%", "single", lexicon)
    assert hits(result) == [("保证收益", BLOCK, "保证收益", True)]


def test_flag_only_hits_pass_and_are_queued_for_review(lexicon):
    result = scan("错过再等一年哦", "group", lexicon)
    assert result.decision == PASS and result.needs_review
    assert hits(result) == [("错过再等一年", FLAG, "错过再等一年", True)]


def test_principal_protection_said_of_a_deposit_is_a_fact(lexicon):
    result = scan("大额存单保本保息，受存款保险保护", "single", lexicon)
    assert result.decision == PASS
    assert {h.action for h in result.hits} == {FLAG}
    assert scan("结构性存款保本，收益还高", "single", lexicon).decision == BLOCK
    assert scan("这个产品保本，跟定期一样", "single", lexicon).decision == BLOCK


def test_personal_numbers_join_lexicon_hits_in_text_order(lexicon):
    result = scan("客户身份证11010519491231002X，保本", "single", lexicon)
    assert [(h.kind, h.term) for h in result.hits] == [
        ("pii", "resident_id"),
        ("lexicon", "保本"),
    ]
    assert scan("电话13800138000", "single", lexicon).decision == PASS
    assert scan("电话13800138000", "group", lexicon).decision == WARN


@pytest.mark.parametrize(
    ("message", "says"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("\u200b\u200b", "empty"),
        ("保本" * 700, "4,000"),  # 4,200 bytes of UTF-8
        (b"\xe4\xbf\x9d\xff", "UTF-8"),
        ("保本\udcff", "UTF-8"),  # an undecodable byte smuggled in through argv
        ("保本\x00\x01", r"U\+0000"),
        (123, "text"),
    ],
)
def test_bad_input_gets_a_clear_error(lexicon, message, says):
    with pytest.raises(InvalidMessage, match=says):
        scan(message, "single", lexicon)


def test_a_message_of_exactly_four_thousand_bytes_is_accepted(lexicon):
    text = "好" * (MAX_MESSAGE_BYTES // 3) + "a"
    assert len(text.encode()) == MAX_MESSAGE_BYTES
    assert scan(text, "single", lexicon).decision == PASS
    assert scan("保本".encode(), "single", lexicon).decision == BLOCK  # UTF-8 bytes are fine


def test_unknown_channel_is_refused(lexicon):
    with pytest.raises(ValueError, match="single, group, moments"):
        scan("你好", "wechat", lexicon)


def test_matcher_is_built_once_per_lexicon_version(lexicon):
    assert build_matcher(lexicon) is build_matcher(lexicon)
    changed = make_lexicon([("包赚", "承诺收益/保本", EVERYWHERE)])
    assert build_matcher(changed) is not build_matcher(lexicon)
    assert scan("买了包赚", "single", changed).decision == BLOCK
    assert scan("买了包赚", "single", lexicon).decision == PASS


def test_a_reused_version_string_with_new_content_is_not_served_stale(lexicon):
    first = Lexicon("v1", (Term("飞单", "私下交易/飞单", EVERYWHERE),), ())
    second = Lexicon("v1", (Term("私单", "私下交易/飞单", EVERYWHERE),), ())
    assert scan("这是飞单", "single", first).decision == BLOCK
    assert scan("这是私单", "single", second).decision == BLOCK


def test_an_empty_lexicon_still_finds_personal_numbers():
    empty = make_lexicon([])
    assert scan("身份证11010519491231002X", "single", empty).decision == BLOCK
    assert scan("你好", "single", empty).decision == PASS


# --- flask --app app scrm scan


def test_compliance_officer_scans_messages_from_the_command_line(runner):
    result = runner.invoke(args=["scrm", "scan", "--channel", "group", "穩賺不賠，零風險", "你好"])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert set(first) == {"decision", "lexicon_version", "hits"}
    assert first["decision"] == BLOCK and second == {**second, "decision": PASS, "hits": []}
    assert {"term": "零风险", "matched": "零風險", "start": 5, "end": 8}.items() <= {
        k: v for k, v in first["hits"][-1].items()
    }.items()
    assert set(first["hits"][0]) == {
        "kind",
        "category",
        "term",
        "action",
        "start",
        "end",
        "matched",
        "aligned",
    }
    assert "零風險" in result.output  # not \\u-escaped


def test_jsonl_scans_each_line_and_reports_bad_lines_without_stopping(runner):
    lines = [
        json.dumps("保本理财"),
        json.dumps({"text": "第一时间通知您"}, ensure_ascii=False),
        "不是 JSON",
        '"   "',
        "",
        '{"body": "x"}',
    ]
    stdin = ("\n".join(lines) + "\n").encode() + b"\xff\xfe\n" + json.dumps("稳赚").encode()
    result = runner.invoke(args=["scrm", "scan", "--channel", "single", "--jsonl"], input=stdin)
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.output.splitlines()]
    assert len(out) == 8  # one answer per line, in order
    assert [o.get("decision") for o in out] == [BLOCK, PASS, None, None, None, None, None, BLOCK]
    assert "line 3: not JSON" in out[2]["error"]
    assert "line 4: message is empty" in out[3]["error"]
    assert "line 5: empty line" in out[4]["error"]
    assert '{"text"' in out[5]["error"]
    assert "line 7: message is not valid UTF-8" in out[6]["error"]


def test_scan_without_messages_says_how_to_give_them(runner):
    result = runner.invoke(args=["scrm", "scan", "--channel", "single"])
    assert result.exit_code == 2 and "--jsonl" in result.output
    result = runner.invoke(args=["scrm", "scan", "--channel", "wechat", "你好"])
    assert result.exit_code == 2 and "single" in result.output
