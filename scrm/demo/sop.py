"""The demo's group operations: HQ publishes the shipped SOP templates and assigns them to the
demo bank's groups by name, so the worker's clock drives real SOP tasks from the first run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from scrm.db import commits, db, utcnow
from scrm.sop.assignments.selection import groups_by_name_pattern
from scrm.sop.assignments.services import assign_template
from scrm.sop.models import STOPPED, SopAssignment, SopTemplate
from scrm.sop.templates.services import publish_templates

Echo = Callable[[str], None]

#: Which template runs in which kind of demo group (by the group's name).
PLAYBOOK = {
    "*新客欢迎群*": "new_customer_welcome",
    "*理财沙龙群*": "wealth_salon",
    "*代发工资群*": "payroll",
    "*早盘资讯群*": "morning_brief",
}


@commits
def run_demo_sops(*, published_by: str, echo: Echo) -> None:
    """Publish the templates in ``sop_templates/`` and assign each to its kind of group,
    started three days ago so today's steps are due; commits. Rerunning assigns nothing new."""
    review = publish_templates(published_by=published_by)
    for problem in review.problems:
        echo(f"sop template problem: {problem}")
    start = (utcnow().astimezone(ZoneInfo("Asia/Shanghai")) - timedelta(days=2)).date()
    assigned = 0
    for pattern, name in PLAYBOOK.items():
        template = db.session.scalars(
            select(SopTemplate).filter_by(name=name).order_by(SopTemplate.version.desc())
        ).first()
        if template is None:
            continue
        running = set(
            db.session.scalars(
                select(SopAssignment.group_id).where(SopAssignment.status != STOPPED)
            )
        )
        groups = [g for g in groups_by_name_pattern(pattern) if g.id not in running]
        if groups:
            assign_template(template, groups, start_date=start, assigned_by=published_by)
            assigned += len(groups)
    echo(f"sop: {len(review.new)} template version(s) published, {assigned} group(s) assigned")
