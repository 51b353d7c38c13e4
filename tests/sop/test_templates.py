"""SOP template files: every error names its file and line; shipped templates are valid;
branch variants keep HQ-locked steps."""

from __future__ import annotations

import textwrap
from pathlib import Path

from scrm.compliance.lexicon.active import load_lexicon
from scrm.compliance.scanning.scanner import scan
from scrm.sop.templates.loader import PROJECT_ROOT, read_library, validate_templates

SHIPPED = PROJECT_ROOT / "sop_templates"

SALON = """\
name: wealth_salon
title: 理财沙龙群
version: 1
roles: [群主, 理财经理]
steps:
  - id: day1_hello
    trigger: {day: 1, time: "09:30"}
    role: 理财经理
    mode: auto
    text: 欢迎加入理财沙龙群！理财非存款、产品有风险、投资须谨慎。
"""

LIBRARY = """\
snippets:
  risk_disclosure:
    title: 理财风险提示
    text: 理财非存款、产品有风险、投资须谨慎。
"""

HQ_WELCOME = """\
name: new_customer_welcome
title: 新客欢迎群
version: 2
roles: [群主, 理财经理]
steps:
  - id: day1_welcome
    trigger: {day: 1, time: "09:30"}
    role: 理财经理
    mode: auto
    locked: true
    text: 欢迎加入！理财非存款、产品有风险、投资须谨慎。
  - id: day2_tips
    trigger: {day: 2, time: "10:00"}
    role: 群主
    mode: todo
    text: 今天介绍手机银行的常用功能。
"""


def folder(tmp_path: Path, **files: str) -> Path:
    """A template folder holding ``files`` (file stem → YAML text) and the small library."""
    (tmp_path / "library.yaml").write_text(LIBRARY, encoding="utf-8")
    for stem, text in files.items():
        (tmp_path / f"{stem}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def problems_of(tmp_path: Path, **files: str) -> list[str]:
    directory = folder(tmp_path, **files)
    catalogue = validate_templates(directory)
    return [str(problem) for problem in catalogue.problems]


def salon_with(tmp_path: Path, old: str, new: str) -> list[str]:
    assert old in SALON
    return problems_of(tmp_path, wealth_salon=SALON.replace(old, new))


def test_shipped_templates_are_all_valid_and_include_a_branch_variant():
    catalogue = validate_templates(SHIPPED)
    assert catalogue.problems == []
    by_name = {template.name: template for template in catalogue.templates}
    assert {"new_customer_welcome", "wealth_salon", "payroll", "morning_brief"} <= set(by_name)
    variants = [template for template in catalogue.templates if template.extends]
    assert variants and all(template.branch for template in variants)
    brief = by_name["morning_brief"].steps[0]
    assert brief["trigger"] == {
        "type": "cron",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "time": "08:30",
    }
    assert max(len(t.steps) for t in catalogue.templates if t.name.endswith("welcome")) >= 7


def test_shipped_template_texts_pass_the_group_gate():
    lexicon = load_lexicon(PROJECT_ROOT / "sensitive_words")
    library, problems = read_library(SHIPPED)
    assert problems == []
    texts = [snippet["text"] for snippet in library.values()]
    for template in validate_templates(SHIPPED).templates:
        for step in template.steps:
            content = step["content"]
            texts += [content[k] for k in ("text", "title", "desc") if k in content]
    assert len(texts) > 20
    blocked = [text for text in texts if scan(text, "group", lexicon).decision != "pass"]
    assert blocked == []


def test_a_valid_step_is_normalised_for_the_sop_clock(tmp_path):
    catalogue = validate_templates(folder(tmp_path, wealth_salon=SALON))
    [template] = catalogue.templates
    assert template.steps == [
        {
            "id": "day1_hello",
            "key": "wealth_salon/day1_hello",
            "trigger": {"type": "day", "day": 1, "time": "09:30"},
            "role": "理财经理",
            "mode": "auto",
            "content": {
                "msgtype": "text",
                "text": "欢迎加入理财沙龙群！理财非存款、产品有风险、投资须谨慎。",
            },
            "catch_up": {"policy": "late", "grace_minutes": 120},
            "grace_minutes": 60,
            "locked": False,
        }
    ]


def test_unquoted_evening_time_is_read_as_a_time_not_a_number(tmp_path):
    text = SALON.replace('{day: 1, time: "09:30"}', "{every: [wed], time: 20:00}")
    [template] = validate_templates(folder(tmp_path, wealth_salon=text)).templates
    assert template.steps[0]["trigger"] == {"type": "cron", "days": ["wed"], "time": "20:00"}


def test_unknown_role_names_file_line_and_the_roles_to_use(tmp_path):
    assert salon_with(tmp_path, "role: 理财经理", "role: 产品经理") == [
        f"{tmp_path}/wealth_salon.yaml line 8: step \"day1_hello\" role '产品经理' is not in "
        "roles (群主, 理财经理); add it to roles or use one of them"
    ]


def test_impossible_times_are_refused_with_their_line(tmp_path):
    found = salon_with(tmp_path, '"09:30"', '"25:00"')
    assert found == [
        f"{tmp_path}/wealth_salon.yaml line 7: step \"day1_hello\" time '25:00' is not a time "
        'of day; write "HH:MM" from "00:00" to "23:59"'
    ]
    assert "time '08:61' is not a time of day" in salon_with(tmp_path, '"09:30"', "08:61")[0]


def test_day_before_the_start_is_refused(tmp_path):
    [found] = salon_with(tmp_path, "day: 1,", "day: 0,")
    assert found.endswith(
        'line 7: step "day1_hello" day 0 must be 1 or more (day 1 is the group\'s start)'
    )


def test_unknown_weekday_suggests_the_near_one(tmp_path):
    [found] = salon_with(tmp_path, "day: 1,", "every: [mon, wdn],")
    assert "line 7: step \"day1_hello\" unknown weekday 'wdn'; did you mean 'wed'?" in found


def test_unknown_mode_trigger_and_event_are_each_reported(tmp_path):
    assert salon_with(tmp_path, "mode: auto", "mode: broadcast")[0].endswith(
        "line 9: step \"day1_hello\" mode 'broadcast' is unknown; write one of auto, todo, checkin"
    )
    [no_kind] = salon_with(tmp_path, 'day: 1, time: "09:30"', 'dya: 1, time: "09:30"')
    assert no_kind.endswith(
        'line 7: step "day1_hello" trigger has none of day, every or event; '
        "keep exactly one of them"
    )
    [event] = salon_with(tmp_path, 'day: 1, time: "09:30"', "event: member_left")
    assert (
        "line 7: step \"day1_hello\" event 'member_left' is unknown; did you mean 'member_joined'?"
        in event
    )


def test_step_without_content_asks_for_text_or_a_material_id(tmp_path):
    text = SALON.replace("    text: 欢迎加入理财沙龙群！理财非存款、产品有风险、投资须谨慎。\n", "")
    assert problems_of(tmp_path, wealth_salon=text) == [
        f'{tmp_path}/wealth_salon.yaml line 6: step "day1_hello" has no content; add text or a '
        "material id (image, link, miniprogram or library)"
    ]


def test_checkin_without_keyword_or_window_is_refused(tmp_path):
    [bare] = salon_with(tmp_path, "mode: auto", "mode: checkin")
    assert 'line 6: step "day1_hello" is a check-in without a keyword and window' in bare
    found = salon_with(tmp_path, "mode: auto", "mode: checkin\n    checkin: {window_minutes: 0}")
    assert [line.split(": ", 1)[1] for line in found] == [
        'step "day1_hello" checkin has no keyword; add keyword: 打卡',
        'step "day1_hello" checkin needs window_minutes from 1 to 10080 (720 = 12 hours)',
    ]
    assert all(" line 10: " in line for line in found)


def test_duplicate_step_id_points_at_both_lines(tmp_path):
    step = SALON[SALON.index("  - id: day1_hello") :]
    [found] = problems_of(tmp_path, wealth_salon=SALON + step)
    assert found.endswith(
        'line 11: step id "day1_hello" is used twice (first at line 6); give each step its own id'
    )


def test_text_over_wecom_4000_bytes_is_refused(tmp_path):
    long_text = "理财非存款、产品有风险、投资须谨慎。" * 80  # 18 characters × 3 bytes × 80
    [found] = salon_with(
        tmp_path, "欢迎加入理财沙龙群！理财非存款、产品有风险、投资须谨慎。", long_text
    )
    assert 'line 10: step "day1_hello" text is 4,320 bytes; WeCom takes at most 4,000' in found


def test_library_reference_must_exist_in_library_yaml(tmp_path):
    [found] = salon_with(
        tmp_path,
        "text: 欢迎加入理财沙龙群！理财非存款、产品有风险、投资须谨慎。",
        "library: risk_disclosur",
    )
    assert found.endswith(
        "line 10: step \"day1_hello\" library 'risk_disclosur' is not in "
        "sop_templates/library.yaml; did you mean 'risk_disclosure'?"
    )
    by_ref = SALON.replace(
        "text: 欢迎加入理财沙龙群！理财非存款、产品有风险、投资须谨慎。", "library: risk_disclosure"
    )
    catalogue = validate_templates(folder(tmp_path, wealth_salon=by_ref))
    assert catalogue.templates[0].steps[0]["content"] == {
        "msgtype": "library",
        "ref": "risk_disclosure",
    }


def test_every_problem_in_a_file_is_reported_at_once(tmp_path):
    text = SALON.replace('"09:30"', '"24:00"').replace("role: 理财经理", "role: 客服")
    text = text.replace("mode: auto", "mode: sms")
    found = problems_of(tmp_path, wealth_salon=text)
    assert [line.split(":")[0].rsplit(" ", 1)[1] for line in found] == ["7", "8", "9"]


def test_yaml_syntax_and_repeated_keys_are_reported_with_their_line(tmp_path):
    [syntax] = salon_with(tmp_path, "roles: [群主, 理财经理]", "roles: [群主, 理财经理")
    assert syntax.startswith(f"{tmp_path}/wealth_salon.yaml line ")
    assert "YAML syntax" in syntax
    [repeated] = salon_with(tmp_path, "version: 1\n", "version: 1\nversion: 2\n")
    assert repeated.endswith(
        "line 4: key 'version' appears twice in this mapping; keep one of them"
    )


def test_variant_cannot_change_or_remove_an_hq_locked_step(tmp_path):
    removes = """\
        name: donghu_welcome
        title: 新客欢迎群（东湖分行）
        version: 1
        extends: new_customer_welcome@2
        branch: 2
        remove: [day1_welcome]
        """
    changes = """\
        name: xiling_welcome
        title: 新客欢迎群（西岭分行）
        version: 1
        extends: new_customer_welcome@2
        branch: 3
        steps:
          - id: day1_welcome
            trigger: {day: 1, time: "08:00"}
            role: 理财经理
            mode: auto
            locked: true
            text: 欢迎加入！理财非存款、产品有风险、投资须谨慎。
        """
    found = problems_of(
        tmp_path, new_customer_welcome=HQ_WELCOME, donghu_welcome=removes, xiling_welcome=changes
    )
    assert found == [
        f'{tmp_path}/donghu_welcome.yaml line 6: step "day1_welcome" is locked by HQ in '
        "new_customer_welcome@2 and cannot be removed; take it out of remove",
        f'{tmp_path}/xiling_welcome.yaml line 7: step "day1_welcome" is locked by HQ in '
        "new_customer_welcome@2 and cannot be changed; delete it from this file to keep HQ's "
        "version",
    ]


def test_variant_inherits_locked_steps_and_may_change_the_others(tmp_path):
    variant = """\
        name: donghu_welcome
        title: 新客欢迎群（东湖分行）
        version: 1
        extends: new_customer_welcome@2
        branch: 2
        roles: [产品经理]
        steps:
          - id: day2_tips
            trigger: {day: 2, time: "18:00"}
            role: 产品经理
            mode: todo
            text: 东湖分行周六金融小课堂，欢迎报名。
        """
    directory = folder(tmp_path, new_customer_welcome=HQ_WELCOME, donghu_welcome=variant)
    catalogue = validate_templates(directory)
    assert catalogue.problems == []
    hq, branch = catalogue.templates
    assert (hq.name, branch.extends, branch.branch) == ("new_customer_welcome", hq.label, 2)
    assert branch.roles == ["群主", "理财经理", "产品经理"]
    assert [step["key"] for step in branch.steps] == [
        "new_customer_welcome/day1_welcome",
        "donghu_welcome/day2_tips",
    ]
    assert branch.locked_steps == ["new_customer_welcome/day1_welcome"]


def test_variant_whose_parent_is_missing_names_the_version_to_write(tmp_path):
    variant = HQ_WELCOME.replace("name: new_customer_welcome", "name: donghu_welcome").replace(
        "version: 2\n", "version: 1\nextends: new_customer_welcome@1\nbranch: 2\n"
    )
    found = problems_of(tmp_path, new_customer_welcome=HQ_WELCOME, donghu_welcome=variant)
    assert found == [
        f"{tmp_path}/donghu_welcome.yaml line 4: extends new_customer_welcome@1, which is "
        "neither in the folder nor published; write extends: new_customer_welcome@2"
    ]


def test_extends_cycles_and_self_reference_are_refused(tmp_path):
    def variant(name: str, parent: str) -> str:
        return SALON.replace("wealth_salon", name).replace(
            "version: 1\n", f"version: 1\nextends: {parent}@1\nbranch: 2\n"
        )

    found = problems_of(
        tmp_path, salon_a=variant("salon_a", "salon_b"), salon_b=variant("salon_b", "salon_a")
    )
    assert any("extends chain loops (salon_a → salon_b → salon_a)" in line for line in found)
    assert any(line.startswith(f"{tmp_path}/salon_a.yaml line 4:") for line in found)
    alone = tmp_path / "alone"
    alone.mkdir()
    [itself] = problems_of(alone, salon_c=variant("salon_c", "salon_c"))
    assert itself.endswith(
        "salon_c.yaml line 4: extends itself (salon_c@1); extend an HQ template instead"
    )


def test_a_link_step_must_point_at_a_web_address(tmp_path):
    link = "link:\n      title: 沙龙回顾\n      url: {url}"
    for url in ("'javascript:alert(1)'", "'https://www.example-bank.cn@evil.example/recap'"):
        [found] = salon_with(
            tmp_path,
            "text: 欢迎加入理财沙龙群！理财非存款、产品有风险、投资须谨慎。",
            link.format(url=url),
        )
        assert 'line 12: step "day1_hello" link url' in found and "https://" in found, found
