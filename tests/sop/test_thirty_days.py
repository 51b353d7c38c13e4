"""Thirty days of a new-customer SOP on three customer groups, on the simulator's virtual clock.

Every checkpoint runs what the worker's clock runs — materialise due steps, send due auto
steps, deliver the outbox, miss overdue to-dos, poll WeCom — while the group owner confirms
some mass messages in WeCom and ignores others, and the holders do some to-dos. At the end
every task is checked against the calendar: created once, sent through the gate, confirmed or
missed in WeCom, and marked done, late, missed, conflict or blocked as it should be.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from scrm.archive.chain.models import ArchivedMessage
from scrm.db import db
from scrm.directory.models import Staff
from scrm.groups.models import CustomerGroup
from scrm.outbox.delivery import drain_outbox
from scrm.outbox.models import Delivery
from scrm.sop.assignments.services import assign_template
from scrm.sop.models import SopTask, SopTemplate
from scrm.sop.tasks.execution import run_due_tasks
from scrm.sop.tasks.materialise import materialise_due_tasks
from scrm.sop.tasks.results import poll_mass_message_results
from scrm.sop.tasks.todos import complete_todo, miss_overdue_todos
from scrm.sync.services import run_full_sync

SHANGHAI = ZoneInfo("Asia/Shanghai")
OWNER = "lin.xiaomei"
START = date(2026, 3, 2)  # a Monday
DAYS = 30
NAME = "new_customer_welcome"
BLOCKED_TEXT = "新品上线：本产品保证收益，名额有限"


def _step(step_id, trigger, mode="auto", role="群主", **content):
    return {
        "id": step_id,
        "key": f"{NAME}/{step_id}",
        "trigger": trigger,
        "role": role,
        "mode": mode,
        "content": content or {"msgtype": "text", "text": f"{step_id}：星河银行提醒您关注理财"},
        "catch_up": {"policy": "late", "grace_minutes": 120},
        "grace_minutes": 60,
        "locked": False,
    }


STEPS = [
    _step("welcome", {"type": "day", "day": 1, "time": "07:30"}),
    _step(
        "morning_brief",
        {"type": "cron", "days": ["mon", "tue", "wed", "thu", "fri"], "time": "08:30"},
    ),  # noqa: E501
    _step("day3_tips", {"type": "day", "day": 3, "time": "10:00"}),
    _step(
        "salon_card",
        {"type": "day", "day": 6, "time": "10:00"},
        msgtype="link",
        title="周六理财沙龙",
        url="https://bank.example/salon",
        text="本周六下午两点，梧桐路支行理财沙龙🎉",
    ),
    _step(
        "product_promo",
        {"type": "day", "day": 7, "time": "11:00"},
        msgtype="text",
        text=BLOCKED_TEXT,
    ),  # noqa: E501
    _step(
        "weekly_qa",
        {"type": "cron", "days": ["wed"], "time": "20:00"},
        mode="todo",
        role="理财经理",
    ),  # noqa: E501
]
AUTO_TIMES = {"welcome": time(7, 30), "morning_brief": time(8, 30), "day3_tips": time(10, 0)}
AUTO_TIMES |= {"salon_card": time(10, 0), "product_promo": time(11, 0)}


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, SHANGHAI).astimezone(UTC)


def confirm_after(group: int, day: date) -> int | None:
    """Minutes after the due time the owner confirms group ``group``'s message (None: never).

    Group 0: always within 10 minutes. Group 1: three hours late on even dates, never on odd.
    Group 2: only on Fridays, within 10 minutes.
    """
    if group == 0:
        return 10
    if group == 1:
        return 180 if day.day % 2 == 0 else None
    return 10 if day.weekday() == 4 else None


def expected_tasks(chats: list[str]) -> dict[tuple[str, str, str], str]:
    """(chat, step, occurrence) → final status, from the calendar alone."""
    expected = {}
    for n in range(DAYS):
        day = START + timedelta(days=n)
        due = []
        if n == 0:
            due.append("welcome")
        if day.weekday() < 5:
            due.append("morning_brief")
        due += {2: ["day3_tips"], 5: ["salon_card"], 6: ["product_promo"]}.get(n, [])
        due.sort(key=lambda s: AUTO_TIMES[s])
        for g, chat in enumerate(chats):
            holder = None
            for step in due:
                key = (chat, step, f"{day.isoformat()}T{AUTO_TIMES[step]:%H:%M}")
                if step == "product_promo":
                    expected[key] = "blocked"
                elif holder is not None:
                    expected[key] = "conflict"
                else:
                    holder = step
                    after = confirm_after(g, day)
                    expected[key] = "missed" if after is None else "done" if after <= 60 else "late"
            if day.weekday() == 2:
                key = (chat, "weekly_qa", f"{day.isoformat()}T20:00")
                expected[key] = ("done", "late", "missed")[g]
    return expected


def checkpoints(day: date) -> list[datetime]:
    times = {time(0, 5), time(9, 0), time(20, 30), time(23, 55)}
    for at in AUTO_TIMES.values():
        start = datetime.combine(day, at)
        times |= {at, (start + timedelta(minutes=10)).time(), (start + timedelta(hours=3)).time()}
    return [local(day, t) for t in sorted(times)]


def owner_acts(now: datetime, chats: list[str], sim, owner: Staff) -> None:
    """What people do in WeCom and the sidebar at ``now``: confirm messages, do to-dos."""
    waiting = db.session.scalars(
        select(SopTask).where(SopTask.status.in_(("queued", "awaiting_owner")))
    ).all()
    for task in waiting:
        delivery = db.session.get(Delivery, task.delivery_id)
        group = chats.index(db.session.get(CustomerGroup, task.group_id).chat_id)
        after = confirm_after(group, task.due_at.astimezone(SHANGHAI).date())
        if delivery.wecom_ref and after is not None:
            if task.due_at + timedelta(minutes=after) == now:
                sim.operator.rm_confirms_mass_message(delivery.wecom_ref, OWNER)
    todos = db.session.scalars(
        select(SopTask).where(SopTask.mode == "todo", SopTask.status.in_(("pending", "missed")))
    ).all()
    for task in todos:
        group = chats.index(db.session.get(CustomerGroup, task.group_id).chat_id)
        due_day = task.due_at.astimezone(SHANGHAI).date()
        if group == 0 and now == task.due_at + timedelta(minutes=30):
            complete_todo(task, by_staff=owner, now=now)
        elif group == 1 and now == local(due_day + timedelta(days=1), time(9, 0)):
            complete_todo(task, by_staff=owner, now=now)
    db.session.commit()


def tick(now: datetime, chats: list[str], sim, owner: Staff) -> None:
    sim.clock.set(now.timestamp())
    materialise_due_tasks(now)
    run_due_tasks(now)
    db.session.commit()
    drain_outbox("worker-甲")
    owner_acts(now, chats, sim, owner)
    miss_overdue_todos(now)
    db.session.commit()
    poll_mass_message_results(now)
    db.session.commit()


def test_thirty_days_of_sop_on_three_groups_mark_every_task_as_it_happened(app_ctx, sim):
    sim.add_department(1, "星河银行（测试）")
    sim.add_department(2, "梧桐路支行", parent_id=1)
    sim.add_user(OWNER, "林小美", [2], position="客户经理")
    customers = [sim.add_customer(f"wm30d{i:04d}", name) for i, name in enumerate("王李張陳趙")]
    for eid in customers:
        sim.add_follow(OWNER, eid)
    names = ("梧桐路·新客欢迎群🎉", "梧桐路·理財沙龍群", "梧桐路·代发工资群")
    chats = [sim.add_group_chat(OWNER, n, [(c, 2, 3) for c in customers[i:]]) for i, n in
             enumerate(names)]  # fmt: skip
    sim.clock.set(local(START - timedelta(days=1), time(18, 0)).timestamp())
    run_full_sync()
    template = SopTemplate(
        name=NAME,
        version=1,
        title="新客欢迎群·30天",
        roles=["群主", "理财经理"],
        steps=STEPS,
        source_file="sop_templates/new_customer_welcome.yaml",
        content_hash="1" * 64,
    )
    db.session.add(template)
    db.session.flush()
    groups = db.session.scalars(select(CustomerGroup).order_by(CustomerGroup.id)).all()
    assign_template(
        template, groups, start_date=START, now=local(START - timedelta(days=1), time(18))
    )
    db.session.commit()
    owner = db.session.scalars(select(Staff).where(Staff.userid == OWNER)).one()

    for n in range(DAYS):
        for now in checkpoints(START + timedelta(days=n)):
            tick(now, chats, sim, owner)
    tick(local(START + timedelta(days=DAYS), time(0, 5)), chats, sim, owner)

    tasks = db.session.scalars(select(SopTask)).all()
    chat_of = {g.id: g.chat_id for g in groups}
    actual = {
        (chat_of[t.group_id], t.step_key.split("/")[1], t.occurrence): t.status for t in tasks
    }
    assert len(actual) == len(tasks)  # each (group, step, occurrence) once
    expected = expected_tasks(chats)
    assert set(actual) == set(expected)
    wrong = {k: (actual[k], expected[k]) for k in expected if actual[k] != expected[k]}
    assert wrong == {}
    assert {"done", "late", "missed", "conflict", "blocked"} <= set(actual.values())

    for task in tasks:
        chat = chat_of[task.group_id]
        if task.mode == "todo" or task.status == "conflict":
            assert task.archived_message_id is None or task.mode == "todo"
            continue
        archived = db.session.get(ArchivedMessage, task.archived_message_id)
        assert (archived.origin, archived.chat_ids, archived.sender) == ("sop", [chat], OWNER)
        if task.status == "blocked":
            assert archived.outcome == "blocked" and '"保证收益"' in task.note
            continue
        message = sim.jobs.mass_messages[task.wecom_msgid]
        [recipient] = message.recipients
        assert recipient.target == chat
        if task.status in ("done", "late"):
            assert message.senders[OWNER] == 2 and recipient.status == 1
            assert task.finished_at.timestamp() == recipient.send_time
        else:
            assert message.senders[OWNER] == 0 and recipient.status == 0
    sent = [t for t in tasks if t.delivery_id is not None]
    assert len(sim.jobs.mass_messages) == len(sent)  # one WeCom mass message per sent step
