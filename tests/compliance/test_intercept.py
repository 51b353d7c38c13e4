"""Block terms mirrored into WeCom's intercept rules (敏感词拦截), against the simulator over
HTTP: the typed calls, the simulator's limits, and ``scrm lexicon sync-intercept``."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrm.compliance.lexicon.active import PROJECT_ROOT, load_lexicon
from scrm.compliance.lexicon.intercept import (
    plan_intercept_rules,
    sync_intercept_rules,
)
from scrm.compliance.vocabulary import BLOCK
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import intercept as api
from scrm.wecom.errors import InvalidRequest
from scrm.wecom.simulator.api_intercept import InterceptRule, intercepted_words, rules_of

HEADER = "term\tsingle\tgroup\tmoments\n"
WRITE_PATHS = ("add_intercept_rule", "update_intercept_rule", "del_intercept_rule")


def lexicon_dir(root: Path, categories: dict[str, list[str]]) -> Path:
    """A lexicon folder: category → lines of ``term<TAB>single<TAB>group<TAB>moments``."""
    directory = root / "sensitive_words"
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.glob("*.tsv"):
        path.unlink()
    for index, (category, lines) in enumerate(categories.items()):
        text = f"category\t{category}\n{HEADER}" + "".join(f"{line}\n" for line in lines)
        (directory / f"{index:02d}.tsv").write_text(text, encoding="utf-8")
    return directory


def blocked(*terms: str) -> list[str]:
    return [f"{t}\tblock\tblock\tblock" for t in terms]


def writes(sim) -> dict[str, int]:
    return {p: len(sim.calls_to(f"externalcontact/{p}")) for p in WRITE_PATHS}


@pytest.fixture
def corp(sim):
    """总行 with a branch and two RMs, one of them in the branch."""
    sim.add_department(1, "星河银行总行")
    sim.add_department(2, "上海分行", parent_id=1)
    sim.add_user("zhangsan", "张三", [2])
    sim.add_user("lisi", "李四🌟", [1])
    return sim


@pytest.fixture
def contact(app_ctx, corp):
    return get_client("contact")


def wecom_rules(contact) -> dict[str, api.InterceptRule]:
    return {
        r.rule_name: api.get_intercept_rule(contact, r.rule_id)
        for r in api.list_intercept_rules(contact)
    }


# ---- the typed calls and the simulator ----------------------------------------------


def test_an_intercept_rule_is_created_read_updated_and_deleted(contact, corp):
    rule_id = api.add_intercept_rule(
        contact,
        "合规部手工规则",
        ["稳赚不赔", "穩賺不賠", "ＶＩＰ专享🎉"],
        intercept_type=api.WARN_ONLY,
        user_ids=["zhangsan"],
        semantics=[1, 3],
    )
    [summary] = api.list_intercept_rules(contact)
    assert (summary.rule_id, summary.rule_name) == (rule_id, "合规部手工规则")
    assert summary.created_at is not None
    rule = api.get_intercept_rule(contact, rule_id)
    assert rule.words == ("稳赚不赔", "穩賺不賠", "ＶＩＰ专享🎉")
    assert (rule.intercept_type, rule.semantics, rule.user_ids) == (2, (1, 3), ("zhangsan",))
    api.update_intercept_rule(
        contact,
        rule_id,
        name="合规部规则二",
        words=["保本保息"],
        intercept_type=api.WARN_AND_BLOCK,
        add_department_ids=[1],
        remove_user_ids=["zhangsan"],
    )
    rule = api.get_intercept_rule(contact, rule_id)
    assert (rule.rule_name, rule.words, rule.intercept_type) == ("合规部规则二", ("保本保息",), 1)
    assert (rule.user_ids, rule.department_ids, rule.semantics) == ((), (1,), (1, 3))
    api.delete_intercept_rule(contact, rule_id)
    assert api.list_intercept_rules(contact) == []
    with pytest.raises(InvalidRequest, match="invalid rule_id"):
        api.get_intercept_rule(contact, rule_id)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "规" * 21}, "rule_name: 21 characters, at most 20"),
        ({"words": ["保本"] * 2}, "a word is listed twice"),
        ({"words": [f"词{i:03d}" for i in range(301)]}, "word_list: 301 items, at most 300"),
        ({"words": ["长" * 33]}, "33 characters, at most 32"),
        ({"words": [""]}, "each word needs 1 to 32 chars"),
        ({"words": []}, "word_list must list at least one word"),
        ({"intercept_type": 3}, "intercept_type must be 1"),
        ({"department_ids": [], "user_ids": []}, "needs a user_list or a department_list"),
        ({"department_ids": [99]}, "department not found"),
        ({"user_ids": ["nobody"]}, "userid not found"),
    ],
)
def test_wecom_refuses_a_rule_outside_its_limits(contact, change, message):
    args = {"name": "规则", "words": ["保本"], "department_ids": [1]} | change
    name, words = args.pop("name"), args.pop("words")
    with pytest.raises(InvalidRequest, match=message):
        api.add_intercept_rule(contact, name, words, **args)
    assert api.list_intercept_rules(contact) == []


def test_a_corp_holds_at_most_100_rules_with_unique_names(contact, corp):
    for i in range(api.MAX_RULES):
        api.add_intercept_rule(contact, f"规则{i}", [f"敏感词{i}"], department_ids=[1])
    with pytest.raises(InvalidRequest, match="at most 100 intercept rules"):
        api.add_intercept_rule(contact, "第一百零一条", ["保本"], department_ids=[1])
    first = api.list_intercept_rules(contact)[0]
    api.delete_intercept_rule(contact, first.rule_id)
    with pytest.raises(InvalidRequest, match="already exists"):
        api.add_intercept_rule(contact, "规则1", ["保本"], department_ids=[1])


def test_an_update_that_breaks_a_limit_changes_nothing(contact):
    rule_id = api.add_intercept_rule(contact, "规则", ["保本"], department_ids=[1])
    with pytest.raises(InvalidRequest, match="would apply to nobody"):
        api.update_intercept_rule(contact, rule_id, words=["零风险"], remove_department_ids=[1])
    with pytest.raises(InvalidRequest, match="at most 32"):
        api.update_intercept_rule(contact, rule_id, words=["长" * 33])
    rule = api.get_intercept_rule(contact, rule_id)
    assert (rule.words, rule.department_ids) == (("保本",), (1,))


def test_the_rule_list_is_read_with_get_as_wecom_documents(contact, corp):
    api.list_intercept_rules(contact)
    calls = corp.calls_to("externalcontact/get_intercept_rule_list")
    assert {c.method for c in calls} == {"GET"}
    assert calls[-1].errcode == 0


# ---- planning -----------------------------------------------------------------------


def test_every_term_that_blocks_on_any_channel_is_planned_and_nothing_else():
    lexicon = load_lexicon(PROJECT_ROOT / "sensitive_words")
    plan = plan_intercept_rules(lexicon)
    planned = [w for r in plan.rules for w in r.words]
    expected = [t.term for t in lexicon.terms if BLOCK in t.actions.values()]
    assert sorted(planned) == sorted(expected)
    assert "最高" in planned  # blocks in groups and moments
    assert "线下交易" not in planned and "非法集资" not in planned  # warn / flag everywhere
    assert all(len(r.name) <= api.MAX_RULE_NAME_CHARS for r in plan.rules)
    assert all(r.name.startswith("scrm-") for r in plan.rules)
    assert "scrm-承诺收益/保本-1" in {r.name for r in plan.rules}


def test_long_categories_get_short_distinct_rule_names(tmp_path):
    lexicon = load_lexicon(
        lexicon_dir(
            tmp_path,
            {
                "私下交易与飞单及其他违规行为甲类": blocked("飞单"),
                "私下交易与飞单及其他违规行为乙类": blocked("私单"),
            },
        )
    )
    names = [r.name for r in plan_intercept_rules(lexicon).rules]
    assert names == ["scrm-私下交易与飞单及其他违规行-1", "scrm-c2-1"]
    assert all(len(n) <= 20 for n in names)


# ---- scrm lexicon sync-intercept ----------------------------------------------------


def test_block_terms_reach_wecom_so_a_typed_message_is_stopped(app, runner, corp):
    result = runner.invoke(args=["scrm", "lexicon", "sync-intercept"])
    assert result.exit_code == 0, result.output
    lexicon = load_lexicon(PROJECT_ROOT / "sensitive_words")
    with app.app_context():
        rules = wecom_rules(get_client("contact"))
    plan = plan_intercept_rules(lexicon)
    assert set(rules) == {r.name for r in plan.rules}
    for planned in plan.rules:
        rule = rules[planned.name]
        assert sorted(rule.words) == sorted(planned.words)
        assert (rule.intercept_type, rule.department_ids, rule.user_ids) == (1, (1,), ())
    assert f"{len(plan.rules)} were created" in result.output
    # An RM of a branch types a promise in the WeCom client: WeCom stops it.
    assert set(intercepted_words(corp, "zhangsan", "这款理财稳赚不赔，放心买")) == {
        "稳赚",
        "稳赚不赔",
    }
    assert intercepted_words(corp, "lisi", "您好，明天上午十点见") == []


def test_a_second_sync_changes_nothing(app, runner, corp):
    assert runner.invoke(args=["scrm", "lexicon", "sync-intercept"]).exit_code == 0
    before = writes(corp)
    result = runner.invoke(args=["scrm", "lexicon", "sync-intercept"])
    assert result.exit_code == 0, result.output
    assert writes(corp) == before
    assert "already match the lexicon; nothing to change" in result.output


def test_a_lexicon_change_updates_creates_and_deletes_only_our_rules(contact, corp, tmp_path):
    foreign = api.add_intercept_rule(contact, "合规部手工规则", ["加微信"], user_ids=["lisi"])
    first = lexicon_dir(
        tmp_path,
        {
            "承诺收益/保本": blocked("保本", "稳赚不赔", "零风险"),
            "反洗钱/非法金融": blocked("洗钱", "跑分"),
            "绝对化用语": ["最高\twarn\tblock\tblock", "线下交易\twarn\twarn\twarn"],
        },
    )
    report = sync_intercept_rules(contact, load_lexicon(first))
    assert sorted(report.created) == [
        "scrm-反洗钱/非法金融-1",
        "scrm-承诺收益/保本-1",
        "scrm-绝对化用语-1",
    ]
    assert report.foreign_rules == 1
    second = lexicon_dir(
        tmp_path,
        {
            "承诺收益/保本": blocked("保本", "稳赚不赔", "零风险", "刚性兑付"),
            "绝对化用语": ["最高\twarn\twarn\twarn"],
            "私下交易/飞单": blocked("飞单"),
        },
    )
    report = sync_intercept_rules(contact, load_lexicon(second))
    assert report.updated == ["scrm-承诺收益/保本-1"]
    assert report.created == ["scrm-私下交易/飞单-1"]
    assert sorted(report.deleted) == ["scrm-反洗钱/非法金融-1", "scrm-绝对化用语-1"]
    rules = wecom_rules(contact)
    assert set(rules) == {"合规部手工规则", "scrm-承诺收益/保本-1", "scrm-私下交易/飞单-1"}
    assert set(rules["scrm-承诺收益/保本-1"].words) == {"保本", "稳赚不赔", "零风险", "刚性兑付"}
    untouched = rules["合规部手工规则"]
    assert (untouched.rule_id, untouched.words, untouched.user_ids) == (
        foreign,
        ("加微信",),
        ("lisi",),
    )


def test_a_rule_an_admin_edited_by_hand_is_put_back(contact, corp, tmp_path):
    lexicon = load_lexicon(lexicon_dir(tmp_path, {"承诺收益/保本": blocked("保本", "包赔")}))
    sync_intercept_rules(contact, lexicon)
    [ours] = api.list_intercept_rules(contact)
    api.update_intercept_rule(
        contact,
        ours.rule_id,
        words=["保本"],
        intercept_type=api.WARN_ONLY,
        add_user_ids=["zhangsan"],
        add_department_ids=[2],
    )
    report = sync_intercept_rules(contact, lexicon)
    assert report.updated == ["scrm-承诺收益/保本-1"]
    rule = api.get_intercept_rule(contact, ours.rule_id)
    assert (set(rule.words), rule.intercept_type) == ({"保本", "包赔"}, 1)
    assert (rule.user_ids, rule.department_ids) == ((), (1,))


def test_more_than_300_block_terms_in_a_category_are_split_into_rules(contact, tmp_path):
    terms = [f"违规话术{i:03d}" for i in range(650)]
    lexicon = load_lexicon(lexicon_dir(tmp_path, {"误导/夸大/混同": blocked(*terms)}))
    report = sync_intercept_rules(contact, lexicon)
    assert report.created == [
        "scrm-误导/夸大/混同-1",
        "scrm-误导/夸大/混同-2",
        "scrm-误导/夸大/混同-3",
    ]
    rules = wecom_rules(contact)
    assert [len(rules[n].words) for n in report.created] == [300, 300, 50]
    assert sorted(w for r in rules.values() for w in r.words) == sorted(terms)
    shrunk = load_lexicon(lexicon_dir(tmp_path, {"误导/夸大/混同": blocked(*terms[:280])}))
    report = sync_intercept_rules(contact, shrunk)
    assert (report.updated, report.deleted) == (
        ["scrm-误导/夸大/混同-1"],
        ["scrm-误导/夸大/混同-2", "scrm-误导/夸大/混同-3"],
    )


def test_more_than_100_rules_is_a_clear_error_before_any_change(app, runner, corp, tmp_path):
    rules = rules_of(corp)
    for i in range(98):  # an admin's rules, made by hand in 管理后台
        rules[f"ir{i}"] = InterceptRule(f"ir{i}", f"手工规则{i}", [f"词{i}"], 1, 0, [], [], [1])
    categories = {f"类别{i}": blocked(f"违规词{i}") for i in range(3)}
    app.config["LEXICON_DIR"] = str(lexicon_dir(tmp_path, categories))
    result = runner.invoke(args=["scrm", "lexicon", "sync-intercept"])
    assert result.exit_code == 1
    assert "need 3 intercept rules and 98 rules not made by scrm already exist" in result.stderr
    assert "WeCom allows 100 per corp; nothing was changed" in result.stderr
    assert writes(corp) == {p: 0 for p in WRITE_PATHS}


def test_block_terms_over_32_characters_are_skipped_and_reported(app, runner, corp, tmp_path):
    long_term = "只要您今天就签约这款产品我可以保证到期一分不少还能多拿百分之十的收益"
    assert len(long_term) > 32
    directory = lexicon_dir(tmp_path, {"承诺收益/保本": blocked("保本", long_term)})
    app.config["LEXICON_DIR"] = str(directory)
    result = runner.invoke(args=["scrm", "lexicon", "sync-intercept"])
    assert result.exit_code == 0, result.output
    assert f"skipped '{long_term}' (sensitive_words/00.tsv:4)" in result.output
    with app.app_context():
        [rule] = wecom_rules(get_client("contact")).values()
    assert rule.words == ("保本",)


def test_an_interrupted_sync_is_finished_by_running_it_again(app, runner, corp, tmp_path):
    directory = lexicon_dir(tmp_path, {"承诺收益/保本": blocked("保本")})
    app.config["LEXICON_DIR"] = str(directory)
    app.config["LEXICON_RELOAD_SECONDS"] = 0
    assert runner.invoke(args=["scrm", "lexicon", "sync-intercept"]).exit_code == 0
    lexicon_dir(
        tmp_path,
        {
            "承诺收益/保本": blocked("保本", "保收益"),
            "反洗钱/非法金融": blocked("洗钱"),
            "私下交易/飞单": blocked("飞单"),
        },
    )
    corp.faults.inject("externalcontact/add_intercept_rule", errcode=40058, times=1)
    result = runner.invoke(args=["scrm", "lexicon", "sync-intercept"])
    assert result.exit_code == 1
    assert "rerun the command to finish the sync" in result.stderr
    result = runner.invoke(args=["scrm", "lexicon", "sync-intercept"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rules = wecom_rules(get_client("contact"))
    assert {n: set(r.words) for n, r in rules.items()} == {
        "scrm-承诺收益/保本-1": {"保本", "保收益"},
        "scrm-反洗钱/非法金融-1": {"洗钱"},
        "scrm-私下交易/飞单-1": {"飞单"},
    }


def test_a_dry_run_shows_the_changes_and_makes_none(app, runner, corp):
    result = runner.invoke(args=["scrm", "lexicon", "sync-intercept", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would be created: scrm-" in result.output
    assert writes(corp) == {p: 0 for p in WRITE_PATHS}
