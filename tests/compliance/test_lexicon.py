"""The lexicon compliance officers edit: what ships, how every bad entry is reported with file
and line, how versions are computed, and how running processes pick up a new version."""

from __future__ import annotations

import csv
import logging
import os
import threading
from pathlib import Path

import pytest

from scrm.compliance.lexicon.active import (
    PROJECT_ROOT,
    LexiconError,
    current_lexicon,
    lexicon_directory,
    load_lexicon,
    reload_lexicon,
)
from scrm.compliance.vocabulary import BLOCK, CHANNELS, FLAG, WARN

SHIPPED = PROJECT_ROOT / "sensitive_words"
REFERENCE = PROJECT_ROOT.parent / "shared" / "reference" / "compliance"

PROMISES = (
    "# 承诺收益：测试用小词库\n"
    "category\t承诺收益/保本\n"
    "term\tsingle\tgroup\tmoments\tbasis\tnote\n"
    "保本\tblock\tblock\tblock\tZGXG\t存款语境例外\n"
    "穩賺不賠\tblock\tblock\tblock\t\t繁體寫法\n"
    "\n"
    "零风险\tblock\tblock\tblock\n"
)
ABSOLUTES = (
    "category\t绝对化用语\n"
    "term\tsingle\tgroup\tmoments\n"
    "最高\twarn\tblock\tblock\n"
    "第一\twarn\tblock\tblock\n"
    "ＶＩＰ专享🎉\tflag\twarn\twarn\n"
)
ALLOW = "phrase\tsuppresses\tnote\n不保本\t保本\n第一时间\t第一\n理财非存款\t-\t必备提示\n"


def write_lexicon(root: Path, files: dict[str, str | bytes]) -> Path:
    """A lexicon folder named sensitive_words holding ``files`` (relative path → content)."""
    directory = root / "sensitive_words"
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        path.write_bytes(data)
    return directory


def edit(path: Path, content: str) -> None:
    """Rewrite a file and move its mtime forward, as a save a second later would."""
    before = path.stat().st_mtime_ns
    path.write_text(content, encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


@pytest.fixture
def small(tmp_path) -> Path:
    return write_lexicon(
        tmp_path,
        {"承诺收益.tsv": PROMISES, "绝对化用语.tsv": ABSOLUTES, "allowlist/披露.tsv": ALLOW},
    )


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(LexiconError) as err:
        load_lexicon(directory)
    return err.value.problems


# ---- what ships ---------------------------------------------------------------------


def _reference_rows(name: str) -> list[list[str]]:
    with (REFERENCE / name).open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if r and not r[0].startswith("#")]
    return rows


def test_the_shipped_lexicon_holds_every_reference_term_and_allow_phrase():
    if not REFERENCE.is_dir():
        pytest.skip(f"{REFERENCE} is absent (CI has it beside the repo; a bank's clone may not)")
    lexicon = load_lexicon(SHIPPED)
    terms = {t.term: t for t in lexicon.terms}
    checked = 0
    for term, _category, action, *_ in _reference_rows("lexicon_reference.tsv"):
        if term.startswith("["):  # placeholders: PII detectors and curated lists, not words
            continue
        assert term in terms, f"reference term {term} is missing from sensitive_words/"
        # The reference gives one action, the one for a 1v1 chat; public channels are never
        # more lenient than that.
        assert terms[term].action("single") == action, term
        severity = {FLAG: 1, WARN: 2, BLOCK: 3}
        for channel in ("group", "moments"):
            assert severity[terms[term].action(channel)] >= severity[action], (term, channel)
        checked += 1
    assert checked > 100
    phrases = {a.phrase for a in lexicon.allow}
    for phrase, *_ in _reference_rows("allowlist_reference.tsv"):
        assert phrase in phrases, f"reference allow phrase {phrase} is missing"


def test_absolute_terms_warn_in_a_chat_but_block_in_groups_and_moments():
    terms = {t.term: t for t in load_lexicon(SHIPPED).terms}
    for word in ("最高", "第一", "唯一", "绝对"):
        assert terms[word].actions == {"single": WARN, "group": BLOCK, "moments": BLOCK}
    assert set(terms["稳赚不赔"].actions.values()) == {BLOCK}
    assert terms["非法集资"].actions == {c: FLAG for c in CHANNELS}
    assert terms["保本"].category == "承诺收益/保本"
    assert terms["保本"].basis and "ZGXG" in terms["保本"].basis
    assert terms["保本"].source.startswith("sensitive_words/承诺收益.tsv:")


def test_allow_phrases_name_the_terms_they_suppress():
    allow = {a.phrase: a for a in load_lexicon(SHIPPED).allow}
    assert allow["不保本"].suppresses == ("保本",)
    assert allow["第一时间"].suppresses == ("第一",)
    assert allow["过往业绩不代表未来表现"].suppresses == ()  # a disclosure context only


def test_lexicon_check_reports_the_shipped_lexicon_ok(runner):
    result = runner.invoke(args=["scrm", "lexicon", "check"])
    assert result.exit_code == 0, result.output
    lexicon = load_lexicon(SHIPPED)
    assert result.output.startswith(
        f"ok: {len(lexicon.terms)} terms in {len(lexicon.categories)} categories, "
        f"{len(lexicon.allow)} allow phrases, version {lexicon.version}"
    )


def test_a_relative_lexicon_dir_is_taken_from_the_project_root(app):
    with app.app_context():
        assert lexicon_directory() == SHIPPED.resolve()
    app.config["LEXICON_DIR"] = "/srv/银行/词库"
    with app.app_context():
        assert lexicon_directory() == Path("/srv/银行/词库")


# ---- validation ---------------------------------------------------------------------


def test_a_valid_small_lexicon_keeps_traditional_full_width_and_emoji_terms(small):
    lexicon = load_lexicon(small)
    assert [t.term for t in lexicon.terms] == [
        "保本",
        "穩賺不賠",
        "零风险",
        "最高",
        "第一",
        "ＶＩＰ专享🎉",
    ]
    assert lexicon.categories == ("承诺收益/保本", "绝对化用语")
    vip = lexicon.terms[-1]
    assert vip.actions == {"single": FLAG, "group": WARN, "moments": WARN}
    assert (vip.basis, vip.note, vip.source) == (None, None, "sensitive_words/绝对化用语.tsv:5")
    assert lexicon.terms[0].note == "存款语境例外"
    assert len(lexicon.version) == 64


def test_every_bad_entry_is_reported_with_its_file_and_line(tmp_path):
    directory = write_lexicon(
        tmp_path,
        {
            "承诺收益.tsv": (
                "category\t承诺收益/保本\n"
                "term\tsingle\tgroup\tmoments\tbasis\tnote\n"
                "# 注释行不计\n"
                "保本\tblock\tblock\tblock\n"
                "稳赚\tblok\tblock\tblock\n"
                "\tblock\tblock\tblock\n"
                "保\tblock\tblock\tblock\n"
                "保本 warn block block\n"
                "零风险\tblock\tblock\n"
                "ＡＢＣ\tblock\tblock\tblock\ta\tb\tc\n"
                "保证收益\tblock\t\tblock\n"
                "承诺收益\tblock\tblock\tblock\n"
            ),
            "绝对化用语.tsv": "term\tsingle\tgroups\tmoments\n最高\twarn\tblock\tblock\n",
            "误导.tsv": "term\tsingle\tgroup\tmoments\n保本\twarn\twarn\twarn\n",
            "乱码.tsv": b"term\tsingle\tgroup\tmoments\n\xe4\xbf\x9d\xff\tblock\tblock\tblock\n",
            "excel.tsv": "term\tsingle\tgroup\tmoments\n".encode("utf-16"),
            "allowlist/披露.tsv": (
                "phrase\tsuppresses\tnote\n"
                "不构成收益承诺\t承诺收益\n"
                "不保证收益\t保证收益\n"
                "存款保险\t保险\n"
                "\t保本\n"
            ),
        },
    )
    problems = problems_of(directory)
    expected = [
        ("sensitive_words/承诺收益.tsv line 5:", "'blok' in column single is not an action"),
        ("sensitive_words/承诺收益.tsv line 6:", "empty term"),
        ("sensitive_words/承诺收益.tsv line 7:", "single-character term '保'"),
        ("sensitive_words/承诺收益.tsv line 8:", "1 columns, expected 4 to 6"),
        ("sensitive_words/承诺收益.tsv line 8:", "separate columns with one tab, not spaces"),
        ("sensitive_words/承诺收益.tsv line 9:", "3 columns, expected 4 to 6"),
        ("sensitive_words/承诺收益.tsv line 10:", "7 columns, expected 4 to 6"),
        ("sensitive_words/承诺收益.tsv line 11:", "nothing in column group is not an action"),
        ("sensitive_words/绝对化用语.tsv line 1:", "unknown column 'groups'"),
        ("sensitive_words/绝对化用语.tsv line 1:", "lacks group"),
        ("sensitive_words/误导.tsv line 2:", "'保本' is already defined at"),
        ("sensitive_words/乱码.tsv line 2:", "not valid UTF-8"),
        ("sensitive_words/excel.tsv:", "saved as UTF-16; save the file as UTF-8"),
        ("sensitive_words/allowlist/披露.tsv line 2:", "does not contain '承诺收益'"),
        ("sensitive_words/allowlist/披露.tsv line 3:", "'保证收益', which is not a term"),
        ("sensitive_words/allowlist/披露.tsv line 4:", "'保险', which is not a term"),
        ("sensitive_words/allowlist/披露.tsv line 5:", "empty phrase"),
    ]
    for where, what in expected:
        assert any(p.startswith(where) and what in p for p in problems), (where, what, problems)
    # The conflicting duplicate names where the first definition is.
    duplicate = next(p for p in problems if "already defined" in p)
    assert "sensitive_words/承诺收益.tsv line 4 as block/block/block in 承诺收益/保本" in duplicate
    # Every problem says what to write instead.
    assert all(";" in p for p in problems), problems
    assert len(problems) == len(expected) - 1  # two expectations share line 8's one problem


def test_the_same_term_twice_with_the_same_actions_is_harmless(tmp_path):
    text = "category\t私下交易/飞单\nterm\tsingle\tgroup\tmoments\n飞单\tblock\tblock\tblock\n"
    directory = write_lexicon(tmp_path, {"a.tsv": text, "b.tsv": text})
    lexicon = load_lexicon(directory)
    assert [t.term for t in lexicon.terms] == ["飞单"]
    assert lexicon.categories == ("私下交易/飞单",)


def test_a_folder_without_term_files_is_refused_with_the_fix(tmp_path):
    (tmp_path / "sensitive_words").mkdir()
    [problem] = problems_of(tmp_path / "sensitive_words")
    assert "no term files; add <category>.tsv files" in problem
    [problem] = problems_of(tmp_path / "没有这个目录")
    assert "no such folder; set LEXICON_DIR" in problem


def test_excel_bom_and_windows_line_ends_are_accepted(tmp_path):
    text = "\ufeff" + ABSOLUTES.replace("\n", "\r\n")
    directory = write_lexicon(tmp_path, {"绝对化用语.tsv": text})
    assert [t.term for t in load_lexicon(directory).terms] == ["最高", "第一", "ＶＩＰ专享🎉"]


# ---- versions -----------------------------------------------------------------------


def test_comments_whitespace_and_file_names_do_not_change_the_version(small, tmp_path):
    version = load_lexicon(small).version
    reshuffled = write_lexicon(
        tmp_path / "copy",
        {
            "b_绝对化用语.tsv": "# 改了注释\n\n" + ABSOLUTES.replace("\tflag", "\t flag "),
            "a_承诺收益.tsv": PROMISES.replace("\t存款语境例外", "\t 存款语境例外 ") + "# 末尾\n",
            "allowlist/另一个名字.tsv": ALLOW,
        },
    )
    assert load_lexicon(reshuffled).version == version


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("零风险\tblock\tblock\tblock", "零风险\tblock\tblock\twarn"),  # an action
        ("零风险\tblock\tblock\tblock", "无风险\tblock\tblock\tblock"),  # a term
        ("category\t承诺收益/保本", "category\t承诺收益"),  # a category
        ("ZGXG", "ZGXG;PBOC5"),  # a legal basis
    ],
)
def test_any_change_to_a_term_changes_the_version(small, tmp_path, old, new):
    changed = write_lexicon(
        tmp_path / "changed",
        {
            "承诺收益.tsv": PROMISES.replace(old, new),
            "绝对化用语.tsv": ABSOLUTES,
            "allowlist/披露.tsv": ALLOW,
        },
    )
    assert load_lexicon(changed).version != load_lexicon(small).version


def test_an_allow_phrase_change_changes_the_version(small):
    version = load_lexicon(small).version
    (small / "allowlist" / "披露.tsv").write_text(ALLOW + "非保本\t保本\n", encoding="utf-8")
    assert load_lexicon(small).version != version


# ---- the active lexicon of a running process ----------------------------------------


def test_a_running_process_picks_up_a_new_version_without_restart(app, small):
    app.config.update(LEXICON_DIR=str(small), LEXICON_RELOAD_SECONDS=0)
    with app.app_context():
        first = current_lexicon()
        assert current_lexicon() is first  # unchanged files: the same object, no re-read
        edit(small / "承诺收益.tsv", PROMISES + "刚兑\tblock\tblock\tblock\n")
        second = current_lexicon()
    assert second.version != first.version
    assert "刚兑" in {t.term for t in second.terms}


def test_changes_wait_for_the_reload_interval_unless_forced(app, small):
    app.config.update(LEXICON_DIR=str(small), LEXICON_RELOAD_SECONDS=3600)
    with app.app_context():
        first = current_lexicon()
        edit(small / "承诺收益.tsv", PROMISES + "刚兑\tblock\tblock\tblock\n")
        assert current_lexicon() is first
        forced = reload_lexicon()
        assert forced.version != first.version
        assert current_lexicon() is forced


def test_a_broken_edit_is_logged_and_the_previous_lexicon_stays_active(app, small, caplog):
    app.config.update(LEXICON_DIR=str(small), LEXICON_RELOAD_SECONDS=0)
    with app.app_context():
        good = current_lexicon()
        edit(small / "绝对化用语.tsv", ABSOLUTES + "唯一\twarn\tblokc\tblock\n")
        with caplog.at_level(logging.ERROR, logger="scrm.compliance.lexicon.active"):
            assert current_lexicon() is good
            assert current_lexicon() is good
        logged = [r.getMessage() for r in caplog.records]
        assert len(logged) == 1  # the same broken files are not re-read and re-logged
        assert "sensitive_words/绝对化用语.tsv line 6" in logged[0]
        assert "'blokc' in column group is not an action" in logged[0]
        assert good.version[:12] in logged[0]
        edit(small / "绝对化用语.tsv", ABSOLUTES + "唯一\twarn\tblock\tblock\n")
        fixed = current_lexicon()
    assert fixed.version != good.version
    assert "唯一" in {t.term for t in fixed.terms}


def test_broken_files_at_first_load_raise_because_there_is_nothing_to_keep(tmp_path):
    directory = write_lexicon(
        tmp_path, {"a.tsv": "term\tsingle\tgroup\tmoments\n保本\tstop\tblock\tblock\n"}
    )
    with pytest.raises(LexiconError, match="a.tsv line 2"):
        current_lexicon(directory)


def test_threads_reading_during_edits_always_get_a_whole_lexicon(app, small):
    app.config.update(LEXICON_DIR=str(small), LEXICON_RELOAD_SECONDS=0)
    versions, errors = set(), []
    with app.app_context():
        valid = {current_lexicon().version}

    def read():
        with app.app_context():
            for _ in range(200):
                try:
                    lexicon = current_lexicon()
                    versions.add(lexicon.version)
                    assert len(lexicon.terms) >= 6
                except Exception as exc:  # collected for the assertion below
                    errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for t in readers:
        t.start()
    for i in range(5):
        edit(small / "承诺收益.tsv", PROMISES + f"刚兑{i}号\tblock\tblock\tblock\n")
        valid.add(load_lexicon(small).version)
    for t in readers:
        t.join(30)
    assert errors == []
    assert versions <= valid


def test_lexicon_check_prints_every_problem_and_exits_1(runner, tmp_path):
    directory = write_lexicon(
        tmp_path,
        {"绝对化用语.tsv": ABSOLUTES + "第一\tblock\tblock\tblock\n唯一\twran\tblock\tblock\n"},
    )
    result = runner.invoke(args=["scrm", "lexicon", "check", str(directory)])
    assert result.exit_code == 1
    assert "sensitive_words/绝对化用语.tsv line 6: '第一' is already defined at" in result.stderr
    assert "sensitive_words/绝对化用语.tsv line 7: 'wran' in column single" in result.stderr
    assert "2 problem(s); fix them and run the check again" in result.stderr


def test_lexicon_check_notes_block_terms_too_long_for_wecom(runner, tmp_path):
    long_term = "这款产品保证您每年都能拿到百分之八的固定收益并且本金绝对不会有任何损失的"
    assert len(long_term) > 32
    directory = write_lexicon(
        tmp_path, {"承诺收益.tsv": PROMISES + f"{long_term}\tblock\tblock\tblock\n"}
    )
    result = runner.invoke(args=["scrm", "lexicon", "check", str(directory)])
    assert result.exit_code == 0, result.output
    assert "note: sensitive_words/承诺收益.tsv:8" in result.output
    assert "WeCom's intercept rules cannot hold it" in result.output


def test_lexicon_reload_prints_the_version_and_how_running_processes_follow(app, small):
    app.config.update(LEXICON_DIR=str(small), LEXICON_RELOAD_SECONDS=7)
    result = app.test_cli_runner().invoke(args=["scrm", "lexicon", "reload"])
    assert result.exit_code == 0, result.output
    assert f"lexicon version {load_lexicon(small).version} active" in result.output
    assert "within LEXICON_RELOAD_SECONDS (7 s)" in result.output


def test_lexicon_reload_of_broken_files_keeps_the_previous_version(app, small):
    app.config.update(LEXICON_DIR=str(small), LEXICON_RELOAD_SECONDS=3600)
    with app.app_context():
        good = current_lexicon()
    edit(small / "承诺收益.tsv", PROMISES + "保\tblock\tblock\tblock\n")
    result = app.test_cli_runner().invoke(args=["scrm", "lexicon", "reload"])
    assert result.exit_code == 1
    assert "承诺收益.tsv line 8: single-character term" in result.stderr
    assert "the previous lexicon stays active" in result.stderr
    with app.app_context():
        assert current_lexicon() is good
