"""Publishing SOP templates: versions in the database, idempotent, and a broken edit never
replaces what is published."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scrm.db import db
from scrm.sop.models import SopTemplate
from scrm.sop.templates.loader import PROJECT_ROOT
from scrm.sop.templates.services import publish_templates, review_templates

SHIPPED = PROJECT_ROOT / "sop_templates"


@pytest.fixture
def bank(app_ctx, create_department):
    """HQ (总行) and the 东湖分行 branch the shipped variant belongs to."""
    create_department(2, "东湖分行", create_department(1, "星河银行总行"))
    db.session.commit()


@pytest.fixture
def templates(tmp_path) -> Path:
    """A copy of the shipped templates that a test may edit."""
    return Path(shutil.copytree(SHIPPED, tmp_path / "sop_templates"))


def published(name: str) -> list[tuple[int, str]]:
    query = select(SopTemplate.version, SopTemplate.content_hash).filter_by(name=name)
    return [tuple(row) for row in db.session.execute(query.order_by(SopTemplate.version))]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_hq_publishes_the_shipped_templates_with_the_branch_variant_lineage(bank, templates):
    review = publish_templates(templates, published_by="hq_ops_zhang")
    db.session.commit()
    assert review.problems == []
    names = {template.name for template in review.new}
    assert {"new_customer_welcome", "wealth_salon", "payroll", "morning_brief"} <= names
    variant = db.session.scalars(select(SopTemplate).filter_by(name="donghu_welcome")).one()
    assert (variant.parent.name, variant.parent.version) == ("new_customer_welcome", 1)
    assert variant.branch_department_id == 2
    assert variant.published_by == "hq_ops_zhang"
    assert set(variant.parent.locked_steps) <= set(variant.locked_steps)
    assert variant.source_file == str(templates / "donghu_welcome.yaml")


def test_publishing_unchanged_templates_again_is_a_no_op(bank, templates):
    publish_templates(templates)
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(SopTemplate))
    again = publish_templates(templates)
    db.session.commit()
    assert again.new == [] and again.problems == []
    assert len(again.unchanged) == before
    assert db.session.scalar(select(func.count()).select_from(SopTemplate)) == before


def test_broken_edit_is_skipped_and_the_published_version_stays_current(bank, templates):
    publish_templates(templates)
    db.session.commit()
    first = published("wealth_salon")
    salon = templates / "wealth_salon.yaml"
    edit(salon, "version: 1", "version: 2")
    edit(salon, 'time: "20:00"', 'time: "25:00"')
    edit(templates / "morning_brief.yaml", "version: 1", "version: 2")
    edit(templates / "morning_brief.yaml", "早上好！", "各位早上好！")
    review = publish_templates(templates)
    db.session.commit()
    assert [problem.source for problem in review.problems] == [str(salon)]
    assert "time '25:00' is not a time of day" in str(review.problems[0])
    assert published("wealth_salon") == first
    assert [version for version, _ in published("morning_brief")] == [1, 2]


def test_changed_content_without_a_new_version_asks_for_the_next_version(bank, templates):
    publish_templates(templates)
    db.session.commit()
    payroll = templates / "payroll.yaml"
    edit(payroll, "17:30", "18:00")
    review = review_templates(templates)
    assert [str(problem) for problem in review.problems] == [
        f"{payroll} line 4: content changed but version is still 1; write version: 2"
    ]
    edit(payroll, "version: 1", "version: 2")
    assert [t.label for t in publish_templates(templates).new] == ["payroll@2"]
    db.session.commit()
    edit(payroll, "version: 2", "version: 1")
    [older] = review_templates(templates).problems
    assert older.message == "version 1 is older than the published version 2; write version: 3"


def test_variant_of_an_unknown_branch_is_not_published(app_ctx, templates, create_department):
    create_department(1, "星河银行总行")
    db.session.commit()
    review = publish_templates(templates)
    db.session.commit()
    [problem] = review.problems
    assert problem.source.endswith("donghu_welcome.yaml")
    assert problem.message.startswith("branch 2 is not a known department")
    assert published("donghu_welcome") == []
    assert published("new_customer_welcome") != []


def test_sop_cli_validates_publishes_and_lists_lineage(bank, templates, runner):
    (templates / "broken.yaml").write_text(
        "name: broken\ntitle: 坏模板\nversion: 1\nroles: [群主]\nsteps:\n  - id: a\n"
        "    trigger: {day: 1, time: '09:00'}\n    role: 客服\n    mode: todo\n    text: 你好\n",
        encoding="utf-8",
    )
    checked = runner.invoke(args=["scrm", "sop", "validate", str(templates)])
    assert checked.exit_code == 1
    assert (
        f"{templates}/broken.yaml line 8: step \"a\" role '客服' is not in roles" in checked.output
    )
    done = runner.invoke(args=["scrm", "sop", "publish", str(templates), "--by", "hq_ops_zhang"])
    assert done.exit_code == 1
    assert "published new_customer_welcome@1" in done.output
    assert "skipped " in done.output and "broken.yaml" in done.output
    (templates / "broken.yaml").unlink()
    assert runner.invoke(args=["scrm", "sop", "validate", str(templates)]).exit_code == 0
    listed = runner.invoke(args=["scrm", "sop", "list"]).output
    [variant_line] = [line for line in listed.splitlines() if "donghu_welcome@1" in line]
    assert "branch 2 东湖分行" in variant_line
    assert "extends=new_customer_welcome@1" in variant_line
    assert variant_line.startswith("*")
