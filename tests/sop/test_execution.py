"""SOP tasks are carried out: auto steps reach the group through the gate and the outbox in the
owner's name, WeCom's answer marks them done, late or missed, the one-message-per-group-per-day
limit is reported as a conflict, and to-dos are done by their holder or missed at day's end."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from scrm.archive.chain.models import ArchivedMessage
from scrm.compliance.gateway import OutboundMessage, submit
from scrm.db import db
from scrm.directory.models import Staff
from scrm.groups.models import GROUP_DISMISSED, CustomerGroup
from scrm.outbox.delivery import drain_outbox
from scrm.outbox.models import Delivery
from scrm.sop.checkins.models import CheckIn
from scrm.sop.models import AUTO, TODO, SopAssignment, SopTask, SopTemplate
from scrm.sop.tasks.execution import run_due_tasks
from scrm.sop.tasks.results import poll_mass_message_results
from scrm.sop.tasks.todos import complete_todo, miss_overdue_todos
from scrm.sync.services import run_full_sync

SHANGHAI = ZoneInfo("Asia/Shanghai")
OWNER = "lin.xiaomei"
ASSISTANT = "zhou.zhuli"
MONDAY = date(2026, 3, 2)
WELCOME = "欢迎加入星河银行新客欢迎群🎉 我是您的客户经理林小美，有任何理财问题随时问我。"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def groups(app_ctx, sim) -> list[CustomerGroup]:
    """星河银行: an RM who owns three customer groups, and her assistant; synced into scrm."""
    sim.add_department(1, "星河银行（测试）")
    sim.add_department(2, "梧桐路支行", parent_id=1)
    sim.add_user(OWNER, "林小美", [2], position="客户经理")
    sim.add_user(ASSISTANT, "周助理", [2], position="助理")
    customers = [sim.add_customer(f"wmsop{i:04d}", name) for i, name in enumerate("王李張陳")]
    for eid in customers:
        sim.add_follow(OWNER, eid)
    for name in ("梧桐路·新客欢迎群🎉", "梧桐路·理財沙龍群", "梧桐路·代发工资群"):
        sim.add_group_chat(OWNER, name, [(c, 2, 3) for c in customers[:2]])
    sim.clock.set(at(MONDAY, 7).timestamp())
    run_full_sync()
    db.session.commit()
    return list(db.session.scalars(select(CustomerGroup).order_by(CustomerGroup.id)))


def make_task(group, step: dict, due: datetime, *, mode: str = AUTO) -> SopTask:
    """``step``'s task due at ``due`` in the SOP running for ``group`` (one per group, as the
    database insists): the first call assigns a template, later calls add steps to it."""
    name = f"welcome_{group.id}"
    assignment = db.session.scalars(
        select(SopAssignment).where(SopAssignment.group_id == group.id)
    ).first()
    if assignment is None:
        template = SopTemplate(
            name=name,
            version=1,
            title="新客欢迎群7天",
            roles=["群主", "助理"],
            steps=[],
            source_file="sop_templates/new_customer_welcome.yaml",
            content_hash="0" * 64,
        )
        assignment = SopAssignment(group=group, template=template, start_date=MONDAY)
    template = assignment.template
    template.steps = [*template.steps, {**step, "key": f"{name}/{step['id']}", "mode": mode}]
    local = due.astimezone(SHANGHAI)
    task = SopTask(
        assignment=assignment,
        group_id=group.id,
        step_key=f"{name}/{step['id']}",
        occurrence=local.strftime("%Y-%m-%dT%H:%M"),
        due_at=due,
        mode=mode,
        role=step.get("role", "群主"),
        assignee_id=group.owner_id,
    )
    db.session.add(task)
    db.session.commit()
    return task


def text_step(step_id: str = "day1_welcome", text: str = WELCOME, **extra) -> dict:
    return {"id": step_id, "role": "群主", "content": {"msgtype": "text", "text": text}, **extra}


def drain() -> dict:
    return drain_outbox("worker-甲")


def reread(task: SopTask) -> SopTask:
    return db.session.get(SopTask, task.id, populate_existing=True)


def test_auto_step_goes_to_the_group_through_the_gate_in_the_owners_name(groups, sim):
    task = make_task(groups[0], text_step(), at(MONDAY, 9))
    assert run_due_tasks(at(MONDAY, 8, 59)) == {}  # not due yet
    assert run_due_tasks(at(MONDAY, 9)) == {"queued": 1}
    task = reread(task)
    assert task.status == "queued" and task.delivery_id is not None
    archived = db.session.get(ArchivedMessage, task.archived_message_id)
    assert (archived.origin, archived.channel, archived.sender) == ("sop", "group", OWNER)
    assert archived.chat_ids == [groups[0].chat_id] and archived.text == WELCOME
    delivery = db.session.get(Delivery, task.delivery_id)
    assert delivery.idempotency_key == f"sop:{task.id}"
    assert delivery.payload == {
        "chat_type": "group",
        "sender": OWNER,
        "chat_id_list": [groups[0].chat_id],
        "text": {"content": WELCOME},
    }
    assert run_due_tasks(at(MONDAY, 9, 1)) == {}  # sent once, however often the clock runs
    assert drain() == {"sent": 1}
    [message] = sim.jobs.mass_messages.values()
    assert (message.creator, message.chat_type, message.text) == (OWNER, "group", WELCOME)


def test_library_snippet_step_sends_the_snippets_current_text(groups, sim):
    step = {
        "id": "anti_fraud",
        "role": "群主",
        "content": {"msgtype": "library", "ref": "anti_fraud"},
    }
    task = make_task(groups[0], step, at(MONDAY, 9))
    assert run_due_tasks(at(MONDAY, 9)) == {"queued": 1}
    archived = db.session.get(ArchivedMessage, reread(task).archived_message_id)
    assert archived.text.startswith("【防骗提醒】")  # from sop_templates/library.yaml


def test_link_card_step_is_sent_as_an_attachment_with_its_caption(groups, sim):
    step = {
        "id": "day2_salon",
        "role": "群主",
        "content": {  # the template parser's flat form
            "msgtype": "link",
            "title": "理财沙龙报名",
            "url": "https://bank.example/salon",
            "text": "本周六理财沙龙，欢迎报名👇",
        },
    }
    task = make_task(groups[0], step, at(MONDAY, 10))
    assert run_due_tasks(at(MONDAY, 10)) == {"queued": 1}
    drain()
    [message] = sim.jobs.mass_messages.values()
    assert message.text == "本周六理财沙龙，欢迎报名👇"
    link = {"title": "理财沙龙报名", "url": "https://bank.example/salon"}
    assert message.attachments == [{"msgtype": "link", "link": link}]
    assert reread(task).status == "queued"


def test_owner_confirming_within_the_grace_window_marks_the_task_done(groups, sim):
    task = make_task(groups[0], text_step(grace_minutes=30), at(MONDAY, 9))
    run_due_tasks(at(MONDAY, 9))
    drain()
    assert poll_mass_message_results(at(MONDAY, 9, 5)) == {"awaiting_owner": 1}
    assert reread(task).status == "awaiting_owner"
    [message] = sim.jobs.mass_messages.values()
    sim.clock.set(at(MONDAY, 9, 20).timestamp())
    sim.operator.rm_confirms_mass_message(message.msgid, OWNER)
    assert poll_mass_message_results(at(MONDAY, 9, 25)) == {"done": 1}
    task = reread(task)
    assert (task.status, task.wecom_msgid, task.finished_at) == (
        "done",
        message.msgid,
        at(MONDAY, 9, 20),
    )
    assert poll_mass_message_results(at(MONDAY, 9, 30)) == {}  # settled: not asked again


def test_owner_confirming_after_the_grace_window_marks_the_task_late(groups, sim):
    task = make_task(groups[0], text_step(grace_minutes=30), at(MONDAY, 9))
    run_due_tasks(at(MONDAY, 9))
    drain()
    [message] = sim.jobs.mass_messages.values()
    sim.clock.set(at(MONDAY, 15).timestamp())
    sim.operator.rm_confirms_mass_message(message.msgid, OWNER)
    assert poll_mass_message_results(at(MONDAY, 15, 5)) == {"late": 1}
    task = reread(task)
    assert task.status == "late" and "after the grace window" in task.note


def test_owner_who_never_confirms_misses_the_step_when_the_day_ends(groups, sim):
    task = make_task(groups[0], text_step(), at(MONDAY, 9))
    run_due_tasks(at(MONDAY, 9))
    drain()
    assert poll_mass_message_results(at(MONDAY, 23, 59)) == {"awaiting_owner": 1}
    assert poll_mass_message_results(at(MONDAY + timedelta(days=1), 0, 1)) == {"missed": 1}
    task = reread(task)
    assert task.status == "missed" and f"group owner {OWNER} did not confirm" in task.note
    assert task.finished_at == at(MONDAY + timedelta(days=1), 0)


def test_blocked_content_stops_the_task_with_the_gates_exact_words(groups, sim):
    task = make_task(groups[0], text_step(text="本产品保证收益，年化6%稳稳到手"), at(MONDAY, 9))
    assert run_due_tasks(at(MONDAY, 9)) == {"blocked": 1}
    task = reread(task)
    assert task.status == "blocked" and task.delivery_id is None
    assert '"保证收益"' in task.note and "承诺收益" in task.note
    assert "change the step's content in the template" in task.note
    archived = db.session.get(ArchivedMessage, task.archived_message_id)
    assert (archived.outcome, archived.origin) == ("blocked", "sop")
    # Nothing goes to the group; the holder is told in WeCom, through the gate too.
    [notice] = db.session.scalars(select(Delivery)).all()
    assert notice.kind == "app_message" and notice.payload["touser"] == OWNER
    assert drain() == {"sent": 1}
    [sent] = sim.jobs.sent_app_messages
    assert task.step_key in sent["text"]["content"] and "保证收益" not in sent["text"]["content"]
    assert run_due_tasks(at(MONDAY, 9, 1)) == {}


def test_warned_content_in_an_auto_step_is_blocked_until_hq_rewords_it(groups):
    step = text_step(text="近期虚拟货币诈骗高发，请大家提高警惕")
    task = make_task(groups[0], step, at(MONDAY, 9))
    assert run_due_tasks(at(MONDAY, 9)) == {"blocked": 1}
    task = reread(task)
    assert task.note.startswith("needs a confirmed reason") and '"虚拟货币"' in task.note
    assert db.session.scalar(select(func.count(Delivery.id))) == 0


def test_second_auto_step_on_one_groups_day_is_a_conflict_naming_the_first(groups):
    morning = make_task(groups[0], text_step("daily_brief", "早安☀️今日市场简报"), at(MONDAY, 8))
    evening = make_task(groups[0], text_step("salon_invite", "晚上八点理财直播"), at(MONDAY, 20))
    other_group = make_task(groups[1], text_step("daily_brief", "早安☀️"), at(MONDAY, 20))
    assert run_due_tasks(at(MONDAY, 20)) == {"queued": 2, "conflict": 1}
    assert reread(morning).status == "queued" and reread(other_group).status == "queued"
    evening = reread(evening)
    assert evening.status == "conflict" and morning.step_key in evening.note
    assert "one mass message per customer group per day" in evening.note
    assert evening.archived_message_id is None  # nothing was submitted for it


def test_group_whose_daily_message_was_taken_misses_the_step_with_wecoms_reason(groups, sim):
    task = make_task(groups[0], text_step(), at(MONDAY, 9))
    run_due_tasks(at(MONDAY, 9))
    # HQ's own mass message to the same group, confirmed first, takes the group's day.
    hq = {"chat_type": "group", "sender": OWNER, "chat_id_list": [groups[0].chat_id]}
    hq["text"] = {"content": "总行通知：周六网点营业时间调整"}
    submit(
        OutboundMessage(
            channel="group",
            origin="mass_message",
            sender_userid=OWNER,
            text=hq["text"]["content"],
            delivery_kind="mass_message",
            delivery_payload=hq,
            chat_ids=[groups[0].chat_id],
            idempotency_key="hq:notice:1",
        )
    )
    db.session.commit()
    drain()
    ours = db.session.get(Delivery, reread(task).delivery_id).wecom_ref
    theirs = next(m for m in sim.jobs.mass_messages if m != ours)
    sim.clock.set(at(MONDAY, 9, 10).timestamp())
    sim.operator.rm_confirms_mass_message(theirs, OWNER)
    sim.operator.rm_confirms_mass_message(ours, OWNER)
    assert poll_mass_message_results(at(MONDAY, 9, 15)) == {"missed": 1}
    task = reread(task)
    assert "one mass message of the day (WeCom 3)" in task.note


def test_image_material_not_yet_uploaded_to_wecom_blocks_with_the_fix(groups):
    step = {"id": "day2_poster", "role": "群主", "content": {"msgtype": "image", "media": "海报"}}
    task = make_task(groups[0], step, at(MONDAY, 9))
    assert run_due_tasks(at(MONDAY, 9)) == {"blocked": 1}
    assert "upload it through the content library" in reread(task).note


def test_dismissed_group_cancels_its_auto_step_and_sends_nothing(groups):
    task = make_task(groups[2], text_step(), at(MONDAY, 9))
    groups[2].status = GROUP_DISMISSED
    db.session.commit()
    assert run_due_tasks(at(MONDAY, 9)) == {"cancelled": 1}
    assert reread(task).note == "the customer group was dismissed in WeCom"
    assert db.session.scalar(select(func.count(ArchivedMessage.id))) == 0


def test_two_workers_running_at_once_send_each_step_once(app, groups):
    tasks = [make_task(g, text_step(), at(MONDAY, 9)) for g in groups]
    results: list[dict] = []

    def worker() -> None:
        with app.app_context():
            results.append(run_due_tasks(at(MONDAY, 9)))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(r.get("queued", 0) for r in results) == 3
    assert sum(r.get("error", 0) for r in results) == 0
    assert {reread(t).status for t in tasks} == {"queued"}
    assert db.session.scalar(select(func.count(Delivery.id))) == 3
    sop_rows = select(func.count(ArchivedMessage.id)).where(ArchivedMessage.origin == "sop")
    assert db.session.scalar(sop_rows) == 3


def test_todo_done_by_its_holder_on_time_then_again_changes_nothing(groups):
    task = make_task(groups[0], text_step("day3_call", role="助理"), at(MONDAY, 10), mode=TODO)
    assistant = db.session.scalars(select(Staff).where(Staff.userid == ASSISTANT)).one()
    assert run_due_tasks(at(MONDAY, 10)) == {}  # to-dos are never sent by the clock
    assert complete_todo(task, by_staff=assistant, now=at(MONDAY, 10, 30)) == "done"
    db.session.commit()
    assert complete_todo(task, by_staff=assistant, now=at(MONDAY, 12)) == "done"
    task = reread(task)
    assert task.note == f"done by {ASSISTANT}" and task.finished_at == at(MONDAY, 10, 30)


def test_todo_not_done_by_the_end_of_its_day_is_missed_and_a_later_send_is_late(groups):
    task = make_task(groups[0], text_step("day3_call"), at(MONDAY, 10), mode=TODO)
    assert miss_overdue_todos(at(MONDAY, 23, 59)) == 0
    assert miss_overdue_todos(at(MONDAY + timedelta(days=1), 0)) == 1
    db.session.commit()
    assert reread(task).note == "not done by the end of 2026-03-02 (Asia/Shanghai)"
    assert miss_overdue_todos(at(MONDAY + timedelta(days=1), 1)) == 0
    owner = db.session.get(Staff, groups[0].owner_id)
    assert complete_todo(task, by_staff=owner, now=at(MONDAY + timedelta(days=1), 9)) == "late"


def test_completing_an_auto_step_by_hand_is_refused_with_the_reason(groups):
    task = make_task(groups[0], text_step(), at(MONDAY, 9))
    owner = db.session.get(Staff, groups[0].owner_id)
    with pytest.raises(ValueError, match="not a to-do"):
        complete_todo(task, by_staff=owner, now=at(MONDAY, 9))


def test_a_check_in_summary_posted_earlier_that_day_holds_the_groups_message(groups):
    checkin_step = text_step("morning_checkin", "今日打卡开始啦")
    first = make_task(groups[0], checkin_step, at(MONDAY, 7), mode="checkin")
    db.session.add(
        CheckIn(
            task_id=first.id,
            group_id=groups[0].id,
            keyword="打卡",
            opens_at=at(MONDAY, 7),
            closes_at=at(MONDAY, 12),
            status="closed",
            summary_archived_message_id=1,
        )
    )
    db.session.commit()
    later = make_task(
        groups[0], text_step("afternoon_tip", "下午茶时间的理财小知识"), at(MONDAY, 15)
    )
    assert run_due_tasks(at(MONDAY, 15)) == {"conflict": 1}
    assert "check-in" in reread(later).note and "summary" in reread(later).note
