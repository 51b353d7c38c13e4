"""Check-ins (群打卡): a check-in SOP step opens a window, customers post the keyword in the
WeCom group, the conversation-archive ingest counts each of them once, the window closes with
a summary through the gate (unless the group's one mass message of the day is taken), and the
group keeps streaks and a leaderboard."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from scrm.archive.chain.models import ArchivedMessage
from scrm.archive.ingest.services import pull_configured_archive
from scrm.db import db
from scrm.groups.models import GROUP_DISMISSED, CustomerGroup
from scrm.outbox.models import Delivery
from scrm.sop.checkins.board import leaderboard, member_streaks
from scrm.sop.checkins.models import CheckIn, CheckInRecord
from scrm.sop.checkins.services import close_due_checkins, open_due_checkins, record_checkin_message
from scrm.sop.models import AUTO, CHECKIN, SopAssignment, SopTask, SopTemplate
from scrm.sop.tasks.execution import run_due_tasks
from scrm.sync.services import run_full_sync
from scrm.wecom.simulator.msgaudit import enable_archive

SHANGHAI = ZoneInfo("Asia/Shanghai")
ARCHIVE_SECRET = "archive-secret-for-tests-only-000000000004"
OWNER = "lin.xiaomei"
MONDAY = date(2026, 3, 2)
WANG, LI, ZHANG, CHEN = (f"wmdaka{i:04d}" for i in range(4))
NAMES = {WANG: "王阿姨", LI: "李先生", ZHANG: "張女士", CHEN: "陈老师"}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def audit(sim):
    return enable_archive(sim, ARCHIVE_SECRET)


@pytest.fixture
def app_config(app_config, audit):
    return {
        **app_config,
        "ARCHIVE_SOURCE": "scrm.demo.archive_source:archive_source",
        "WECOM_ARCHIVE_SECRET": ARCHIVE_SECRET,
        "ARCHIVE_PRIVATE_KEYS": {str(audit.publickey_ver): audit.private_key_pem()},
    }


@pytest.fixture
def group(app_ctx, sim) -> CustomerGroup:
    """林小美's 晨练打卡群 with four customers, synced into scrm."""
    sim.add_department(1, "星河银行（测试）")
    sim.add_department(2, "梧桐路支行", parent_id=1)
    sim.add_user(OWNER, "林小美", [2], position="客户经理")
    for userid, name in NAMES.items():
        sim.add_customer(userid, name)
        sim.add_follow(OWNER, userid)
    sim.add_group_chat(OWNER, "梧桐路·晨练打卡群🏃", [(c, 2, 3) for c in NAMES])
    sim.clock.set(at(MONDAY, 7).timestamp())
    run_full_sync()
    db.session.commit()
    return db.session.scalars(select(CustomerGroup)).one()


def checkin_step(step_id="daily_checkin", keyword="打卡", *, summary=False, window=720) -> dict:
    settings = {
        "keyword": keyword,
        "window_minutes": window,
        **({"summary": True} if summary else {}),
    }
    return {
        "id": step_id,
        "role": "群主",
        "content": {"msgtype": "text", "text": "今天的晨练打卡开始啦，回复「打卡」即可🏃"},
        "checkin": settings,
    }


def make_task(group, step: dict, due: datetime, *, mode: str = CHECKIN) -> SopTask:
    """A task of ``step`` due at ``due`` in the one SOP running for ``group``."""
    assignment = db.session.scalars(
        select(SopAssignment).where(SopAssignment.group_id == group.id)
    ).first()
    if assignment is None:
        template = SopTemplate(
            name="morning_run",
            version=1,
            title="晨练打卡群",
            roles=["群主"],
            steps=[],
            source_file="sop_templates/morning_run.yaml",
            content_hash="0" * 64,
        )
        assignment = SopAssignment(group=group, template=template, start_date=MONDAY)
    template = assignment.template
    if not any(s["id"] == step["id"] for s in template.steps):
        key = f"morning_run/{step['id']}"
        template.steps = [*template.steps, {**step, "key": key, "mode": mode}]
    task = SopTask(
        assignment=assignment,
        group_id=group.id,
        step_key=f"morning_run/{step['id']}",
        occurrence=due.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
        due_at=due,
        mode=mode,
        role="群主",
        assignee_id=group.owner_id,
    )
    db.session.add(task)
    db.session.commit()
    return task


def posts(sim, group, when: datetime, *messages: tuple[str, str]) -> None:
    """Members type in the group at ``when`` (WeCom's msgtime), then the archive is pulled."""
    sim.clock.set(when.timestamp())
    for userid, text in messages:
        if userid == OWNER:
            sim.operator.rm_types_message(userid, roomid=group.chat_id, text=text)
        else:
            sim.operator.customer_types_message(userid, roomid=group.chat_id, text=text)
    pull_configured_archive()
    db.session.commit()


def checked_in(checkin: CheckIn) -> set[str]:
    return set(
        db.session.scalars(
            select(CheckInRecord.member_userid).where(CheckInRecord.checkin_id == checkin.id)
        )
    )


def one_checkin() -> CheckIn:
    return db.session.scalars(select(CheckIn)).one()


def test_customers_posting_the_keyword_in_the_window_check_in_once(group, sim):
    task = make_task(group, checkin_step(), at(MONDAY, 8))
    assert open_due_checkins(at(MONDAY, 7, 59)) == {}
    assert open_due_checkins(at(MONDAY, 8)) == {"opened": 1}
    assert db.session.get(SopTask, task.id, populate_existing=True).status == "done"
    checkin = one_checkin()
    assert (checkin.keyword, checkin.status) == ("打卡", "open")
    assert checkin.closes_at == at(MONDAY, 20)

    posts(sim, group, at(MONDAY, 7, 30), (WANG, "打卡"))  # before the window opened
    posts(sim, group, at(MONDAY, 9), (WANG, "打卡✅"), (OWNER, "打卡"))  # the RM is staff
    posts(sim, group, at(MONDAY, 10), (WANG, "打 卡"), (LI, "打卡！今天跑了5公里"))
    posts(sim, group, at(MONDAY, 11), (ZHANG, "今天下雨，明天再跑"))
    posts(sim, group, at(MONDAY, 20, 30), (CHEN, "打卡"))  # after it closed

    assert checked_in(checkin) == {WANG, LI}
    first = db.session.scalars(
        select(ArchivedMessage).where(ArchivedMessage.sender == WANG).order_by(ArchivedMessage.id)
    ).all()[1]
    record = db.session.scalars(
        select(CheckInRecord).where(CheckInRecord.member_userid == WANG)
    ).one()
    assert record.archived_message_id == first.id and first.text == "打卡✅"
    assert record.checked_at == at(MONDAY, 9)
    assert record_checkin_message(first) == 0  # ingesting it again counts nothing


def test_keyword_matches_traditional_full_width_and_upper_case_forms(group, sim):
    make_task(group, checkin_step("sign_in", "签到"), at(MONDAY, 8))
    make_task(group, checkin_step("daka", "daka"), at(MONDAY, 8))
    open_due_checkins(at(MONDAY, 8))
    posts(sim, group, at(MONDAY, 9), (WANG, "簽到🌞"), (LI, "ＤＡＫＡ"), (ZHANG, "Da Ka!"))
    posts(sim, group, at(MONDAY, 9, 5), (CHEN, "签"))

    by_keyword = {c.keyword: checked_in(c) for c in db.session.scalars(select(CheckIn))}
    assert by_keyword == {"签到": {WANG}, "daka": {LI, ZHANG}}


def test_streaks_over_three_days_and_the_leaderboard(group, sim):
    step = checkin_step()
    who = {0: (WANG, LI, ZHANG), 1: (WANG, ZHANG), 2: (WANG, LI)}
    for offset, members in who.items():
        day = MONDAY + timedelta(days=offset)
        make_task(group, step, at(day, 8))
        open_due_checkins(at(day, 8))
        posts(sim, group, at(day, 9), *((m, "打卡💪") for m in members))
        assert close_due_checkins(at(day, 20)) == {"closed": 1}

    streaks = {u: (s.current, s.best, s.total) for u, s in member_streaks(group).items()}
    assert streaks == {WANG: (3, 3, 3), LI: (1, 1, 2), ZHANG: (0, 2, 2)}
    board = leaderboard(group)
    assert [(e.name, e.total, e.current_streak) for e in board] == [
        ("王阿姨", 3, 3),
        ("李先生", 2, 1),  # ties 張女士 on total; her run broke on Wednesday
        ("張女士", 2, 0),
    ]
    assert [e.member_userid for e in leaderboard(group, limit=1)] == [WANG]


def test_an_open_checkin_not_yet_posted_does_not_break_a_streak(group, sim):
    step = checkin_step()
    make_task(group, step, at(MONDAY, 8))
    open_due_checkins(at(MONDAY, 8))
    posts(sim, group, at(MONDAY, 9), (WANG, "打卡"))
    close_due_checkins(at(MONDAY, 20))
    tuesday = MONDAY + timedelta(days=1)
    make_task(group, step, at(tuesday, 8))
    open_due_checkins(at(tuesday, 8))

    assert member_streaks(group)[WANG].current == 1
    close_due_checkins(at(tuesday, 20))
    assert member_streaks(group)[WANG].current == 0


def test_two_workers_opening_the_same_task_open_one_checkin(app, group):
    make_task(group, checkin_step(), at(MONDAY, 8))
    results: list[dict] = []
    start = threading.Barrier(2)

    def worker():
        with app.app_context():
            start.wait()
            results.append(open_due_checkins(at(MONDAY, 8)))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(r.get("opened", 0) for r in results) == 1
    assert not any(r.get("error") for r in results)
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_checkin_in_a_dismissed_group_is_cancelled(group):
    task = make_task(group, checkin_step(), at(MONDAY, 8))
    group.status = GROUP_DISMISSED
    db.session.commit()

    assert open_due_checkins(at(MONDAY, 8)) == {"cancelled": 1}
    assert db.session.get(SopTask, task.id, populate_existing=True).status == "cancelled"
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_summary_goes_to_the_group_through_the_gate_in_the_owners_name(group, sim):
    make_task(group, checkin_step(summary=True), at(MONDAY, 8))
    open_due_checkins(at(MONDAY, 8))
    posts(sim, group, at(MONDAY, 9), (WANG, "打卡"), (LI, "打卡✅"))

    assert close_due_checkins(at(MONDAY, 19, 59)) == {}
    assert close_due_checkins(at(MONDAY, 20)) == {"summarised": 1}
    checkin = one_checkin()
    summary = db.session.get(ArchivedMessage, checkin.summary_archived_message_id)
    assert (summary.origin, summary.channel, summary.sender) == ("sop", "group", OWNER)
    assert summary.chat_ids == [group.chat_id] and summary.outcome == "released"
    assert "共 2 位群友完成打卡" in summary.text and "王阿姨" in summary.text
    delivery = db.session.scalars(select(Delivery)).one()
    assert delivery.idempotency_key == f"checkin-summary:{checkin.id}"
    assert delivery.kind == "mass_message"
    assert delivery.payload["chat_id_list"] == [group.chat_id]
    assert close_due_checkins(at(MONDAY, 21)) == {}  # closed once


def test_summary_is_skipped_when_an_auto_step_holds_the_groups_day(group, sim, caplog):
    make_task(group, checkin_step(summary=True), at(MONDAY, 8))
    make_task(
        group,
        {"id": "market_brief", "role": "群主", "content": {"msgtype": "text", "text": "早安！"}},
        at(MONDAY, 12),
        mode=AUTO,
    )
    open_due_checkins(at(MONDAY, 8))
    posts(sim, group, at(MONDAY, 9), (WANG, "打卡"))
    assert run_due_tasks(at(MONDAY, 12)) == {"queued": 1}

    with caplog.at_level(logging.INFO, logger="scrm.sop.checkins.services"):
        assert close_due_checkins(at(MONDAY, 20)) == {"summary_skipped": 1}

    checkin = one_checkin()
    assert checkin.status == "closed" and checkin.summary_archived_message_id is None
    assert "morning_run/market_brief (2026-03-02T12:00) holds it" in caplog.text
    sop_rows = db.session.scalar(
        select(func.count()).select_from(ArchivedMessage).where(ArchivedMessage.origin == "sop")
    )
    assert sop_rows == 1  # the market brief only
