"""What the officer sees: the text escaped, keywords and lexicon hits marked, a snippet; and
every malformed search refused with a message that names the fix, never a database error."""

from __future__ import annotations

import pytest

from scrm.archive.search.find import search_archive
from scrm.archive.search.highlight import highlight
from scrm.archive.search.query import query_from_args
from scrm.errors import ScrmError


def first_result(**args) -> dict:
    return search_archive(query_from_args(args)).results[0]


def test_highlight_escapes_html_and_marks_keyword_and_hits(search_bank, archive, index, hit):
    text = '<script>alert("稳赚")</script> 這款產品保本，穩健 & 安心'
    archive(text, decision="block", hits=[hit(text, "保本")])
    index()
    result = first_result(q="稳健")
    assert result["text_html"] == (
        "&lt;script&gt;alert(&quot;稳赚&quot;)&lt;/script&gt; 這款產品<mark>保本</mark>，"
        "<mark>穩健</mark> &amp; 安心"
    )
    assert "<script>" not in result["snippet_html"]
    assert result["hits"] == [
        {"kind": "lexicon", "category": "guaranteed_return", "term": "保本",
         "action": "block", "matched": "保本"}
    ]  # fmt: skip


def test_full_width_keyword_is_marked_in_the_original_characters():
    marked = highlight("尊敬的ＶＩＰ客户：稳健理财", [], [("vip",)])
    assert marked["html"] == "尊敬的<mark>ＶＩＰ</mark>客户：稳健理财"


def test_a_phrase_is_marked_across_the_space_between_its_words():
    marked = highlight("过往 业绩不代表未来", [], [("过往", "业绩")])
    assert marked["html"] == "<mark>过往 业绩</mark>不代表未来"


def test_snippet_is_the_context_around_the_first_mark():
    text = "开头" * 40 + "保本保息" + "结尾" * 40
    snippet = highlight(text, [], [("保本",)])["snippet"]
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>保本</mark>保息" in snippet and len(snippet) < len(text)


@pytest.mark.parametrize(
    ("args", "fix"),
    [
        ({"q": '"保本保息'}, "unclosed quote"),
        ({"q": "保本*"}, "remove *"),
        ({"q": "保本 OR 保息"}, "OR is not an operator here"),
        ({"q": "a:b (c)"}, "remove ( ) :"),
        ({"q": "保" * 201}, "shorten it to 200"),
        ({"q": '""'}, "has no words"),
        ({"q": "😀😀"}, "no letters or digits"),
        ({}, "the search is empty"),
        ({"q": "   "}, "the search is empty"),
        ({"q": "保本", "from": "2026-11-02", "to": "2026-11-01"}, "swap 'from' and 'to'"),
        ({"q": "保本", "from": "昨天"}, "use ISO 8601"),
        ({"q": "保本", "limit": "0"}, "a whole number from 1 to 200"),
        ({"q": "保本", "before": "-3"}, "a whole number from 0 to 9223372036854775807"),
        ({"q": "保本", "decision": "maybe"}, "is not one of block, warn, pass"),
        ({"branch": "上海"}, "a department id"),
    ],
)
def test_malformed_searches_name_the_fix(search_bank, args, fix, archive, index):
    archive("保本保息")
    index()
    with pytest.raises(ScrmError) as refused:  # SearchError, or the shared argument check's
        search_archive(query_from_args(args))
    assert fix in refused.value.message
    assert refused.value.status_code == 400
