"""Event-triggered SOP steps fire from WeCom's own callbacks: a customer joining a group
through its QR code gets the member_joined welcome task, once, however often WeCom retries."""

from __future__ import annotations

from datetime import date

from sop_steps import event_step
from sqlalchemy import select

from scrm.db import db, utcnow
from scrm.groups.services import refresh_group
from scrm.inbox.handlers import apply_event
from scrm.inbox.services import drain_inbox
from scrm.sop.assignments.services import assign_template
from scrm.sop.models import SopTask
from scrm.wecom.events import parse_event


def test_customer_joining_by_qr_code_gets_the_welcome_step_once(
    app_ctx, create_template, sim, live_server
):
    sim.add_department(1, "星河银行（演示）")
    sim.add_user("lin.xiaomei", "林小美", [1])
    wang = sim.add_customer(name="王建國🌸")
    chat_id = sim.add_group_chat("lin.xiaomei", "陆家嘴·新客欢迎群", [])
    group = refresh_group(chat_id)
    template = create_template("welcome_on_join", [event_step("hello", "member_joined")])
    assign_template(template, [group], start_date=date.today())
    db.session.commit()

    joined = sim.operator.customer_joins_group(chat_id, wang, join_scene=3)
    sim.pusher.push(joined.plaintext, duplicate=True)  # WeCom delivers it twice
    drain_inbox("worker-甲")
    apply_event(parse_event(joined.plaintext))  # and a handler re-run changes nothing
    db.session.commit()
    db.session.expire_all()

    [task] = db.session.scalars(select(SopTask).where(SopTask.group_id == group.id)).all()
    assert task.step_key == "welcome_on_join/hello" and task.role == "群主"
    assert task.occurrence.startswith("joined:") and task.due_at <= utcnow()
    assert wang not in task.occurrence  # the customer's id is not kept in clear
