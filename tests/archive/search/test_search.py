"""A compliance officer finds archived messages by Chinese keyword, whatever script or width
the RM typed, and narrows them down with filters; results come newest first, page by page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scrm.archive.search.find import search_archive
from scrm.archive.search.query import SearchError, query_from_args
from scrm.db import utcnow


def found(**args) -> list[int]:
    return [r["id"] for r in search_archive(query_from_args(args)).results]


def test_simplified_keyword_finds_traditional_and_full_width_text(search_bank, archive, index):
    traditional = archive("這款產品穩健，過往業績不代表未來表現")
    full_width = archive("ＶＩＰ客户专享稳健理财")
    archive("今天天气不错")
    index()
    assert found(q="稳健") == [full_width, traditional]
    assert found(q="过往业绩") == [traditional]
    assert found(q="vip") == [full_width]


def test_traditional_or_full_width_keyword_finds_simplified_text(search_bank, archive, index):
    simplified = archive("王女士您好，稳健系列今天开放申购，VIP客户优先")
    index()
    assert found(q="穩健") == [simplified]
    assert found(q="ｖｉｐ 申購") == [simplified]


def test_a_short_word_finds_the_longer_phrase_and_the_phrase_finds_itself(
    search_bank, archive, index
):
    both = archive("这款产品保本保息，放心买")
    only = archive("保本型产品已经售罄")
    index()
    assert found(q="保本") == [only, both]
    assert found(q="保本保息") == [both]
    assert found(q="保息") == [both]


def test_a_word_cut_through_by_a_longer_word_is_not_found(search_bank, archive, index):
    archive("确保本次转账到账")
    index()
    assert found(q="保本") == []


def test_quoted_phrase_needs_the_words_together_and_in_order(search_bank, archive, index):
    together = archive("过往业绩不代表未来表现")
    apart = archive("未来的业绩，过往不代表")
    index()
    assert set(found(q="过往 业绩")) == {together, apart}
    assert found(q='"过往业绩"') == [together]
    assert found(q="“过往业绩”") == [together]  # Chinese quotes too


def test_a_message_with_emoji_is_indexed_by_its_words(search_bank, archive, index):
    festive = archive("新春快乐🧧🎉 红包理财📈 开门红")
    index()
    assert found(q="红包") == [festive]
    assert found(q="开门红") == [festive]
    with pytest.raises(SearchError, match="no letters or digits"):
        found(q="🧧")


@pytest.mark.parametrize("few_candidates", [1000, 0], ids=["check-each-candidate", "walk-fts"])
def test_filters_combine_with_the_keyword(
    search_bank, archive, index, hit, monkeypatch, few_candidates
):
    # SQLite picks its plan by how many messages pass the filters; run both plans.
    monkeypatch.setattr("scrm.archive.search.plan.FEW_CANDIDATES", few_candidates)
    text_block = "保本保息，稳赚不赔"
    shanghai_block = archive(text_block, decision="block", hits=[hit(text_block, "保本")])
    shanghai_pass = archive("保本型存款今天到期")
    beijing_block = archive(
        text_block, sender="zhao.bj", customer="wmZhao0002", decision="block",
        hits=[hit(text_block, "保本")],
    )  # fmt: skip
    group_warn = archive(
        "群里说一下：保证收益的产品不存在",
        channel="group", chat="wrLujiazuiSalon0001", customer=None, decision="warn",
        hits=[hit("群里说一下：保证收益的产品不存在", "保证收益", action="warn")],
    )  # fmt: skip
    index()
    assert found(q="保本", branch="2") == [shanghai_pass, shanghai_block]
    assert found(q="保本", branch="2", decision="block") == [shanghai_block]
    assert found(branch="4") == [beijing_block]
    assert found(rm="zhao.bj") == [beijing_block]
    assert found(customer="wmZhao0002") == [beijing_block]
    assert found(group="wrLujiazuiSalon0001") == [group_warn]
    assert found(channel="group", decision="warn") == [group_warn]
    assert found(term="保本", branch="2") == [shanghai_block]
    assert found(category="guaranteed_return") == [group_warn, beijing_block, shanghai_block]
    assert found(origin="sidebar", decision="pass") == [shanghai_pass]
    assert found(branch="999") == []


def test_time_range_keeps_messages_archived_inside_it(search_bank, archive, index):
    early = archive("早上的稳健理财速递")
    index()
    now = utcnow()
    assert found(q="稳健", **{"from": (now - timedelta(hours=1)).isoformat()}) == [early]
    assert found(q="稳健", to=(now - timedelta(hours=1)).isoformat()) == []
    assert found(q="稳健", **{"from": now.date().isoformat(), "to": "2100-12-31"}) == [early]


@pytest.mark.parametrize("window", [20_000, 2], ids=["one-window", "window-then-rest"])
def test_pages_are_stable_while_new_messages_arrive(
    search_bank, archive, index, monkeypatch, window
):
    # The newest messages are searched first, then the rest: pages must not care where.
    monkeypatch.setattr("scrm.archive.search.plan.RECENT_WINDOW", window)
    ids = [archive(f"第{n}期稳健理财周报") for n in range(7)]
    index()
    first = search_archive(query_from_args({"q": "稳健", "limit": "3"}))
    assert [r["id"] for r in first.results] == ids[6:3:-1]
    archive("插队的稳健理财消息")  # arrives between two pages
    index()
    second = search_archive(
        query_from_args({"q": "稳健", "limit": "3", "before": str(first.next_before)})
    )
    assert [r["id"] for r in second.results] == ids[3:0:-1]
    last = search_archive(
        query_from_args({"q": "稳健", "limit": "3", "before": str(second.next_before)})
    )
    assert [r["id"] for r in last.results] == [ids[0]] and last.next_before is None


def test_filtered_pages_without_keyword_are_stable_too(search_bank, archive, index):
    ids = [archive(f"消息{n}", decision="pass") for n in range(5)]
    index()
    first = search_archive(query_from_args({"decision": "pass", "limit": "2"}))
    second = search_archive(
        query_from_args({"decision": "pass", "limit": "2", "before": str(first.next_before)})
    )
    assert [r["id"] for r in first.results + second.results] == ids[:0:-1]
