"""The full sync pulls the bank from WeCom, changes nothing on a rerun, and marks what WeCom
no longer has as removed."""

from __future__ import annotations

from sqlalchemy import func, select

from scrm.customers.models import CorpTag, CorpTagGroup, Customer, Follow
from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.groups.models import CustomerGroup, GroupMember
from scrm.sync.customers import FOLLOW_NOT_LISTED
from scrm.sync.services import latest_sync_run, run_full_sync


def _follow(external_userid: str, userid: str) -> Follow:
    return db.session.scalars(
        select(Follow)
        .join(Customer, Follow.customer_id == Customer.id)
        .join(Staff, Follow.staff_id == Staff.id)
        .where(Customer.external_userid == external_userid, Staff.userid == userid)
    ).one()


def _zero(counts: dict) -> bool:
    return all(v == 0 for row in counts.values() for v in row.values())


def test_sync_pulls_the_whole_bank_from_wecom(app_ctx, runner, small_bank):
    result = runner.invoke(args=["scrm", "sync"])

    assert result.exit_code == 0, result.output
    assert "done" in result.output
    depts = {d.id: d for d in db.session.scalars(select(Department))}
    assert (
        depts[3].name == "梧桐路支行" and depts[3].parent_id == 2 and depts[3].level == "sub_branch"
    )
    staff = {s.userid: s for s in db.session.scalars(select(Staff))}
    assert staff["xiaomei"].is_follow_user and "rm" in staff["xiaomei"].role_names
    assert not staff["lead01"].is_follow_user and staff["lead01"].department_id == 2
    names = set(db.session.scalars(select(Customer.name)))
    assert {"王建国", "陳美玲", "🌸小雨", "ＡＬＥＸ陈"} <= names
    vip = _follow(small_bank.customers[0], "daming")
    assert vip.remark == "王总（理财）"
    assert [(t.group_name, t.tag_name) for t in vip.tags] == [("资产等级", "私行")]
    assert _follow(small_bank.customers[1], "daming").state == "counter_qr"
    welcome = db.session.scalars(
        select(CustomerGroup).where(CustomerGroup.chat_id == small_bank.chats[0])
    ).one()
    assert welcome.name == "梧桐路·新客欢迎群🎉" and welcome.owner.userid == "xiaomei"
    assert {m.member_userid for m in welcome.members} == {"xiaomei", *small_bank.customers[:3]}
    run = latest_sync_run()
    assert run.status == "done" and run.finished_at is not None
    assert run.counts["customers"]["created"] == 6
    assert run.counts["follows"]["created"] == 7
    assert run.counts["groups"]["created"] == 2
    assert run.counts["tags"]["created"] == 3


def test_rerunning_the_sync_changes_nothing(app_ctx, runner, small_bank):
    assert runner.invoke(args=["scrm", "sync"]).exit_code == 0
    rows_before = db.session.scalar(select(func.count()).select_from(Follow))

    result = runner.invoke(args=["scrm", "sync"])

    assert result.exit_code == 0, result.output
    run = latest_sync_run()
    assert run.id == 2 and run.status == "done"
    assert _zero(run.counts), run.counts
    assert db.session.scalar(select(func.count()).select_from(Follow)) == rows_before


def test_edits_in_wecom_are_counted_as_updates(app_ctx, small_bank, sim):
    run_full_sync()
    db.session.commit()
    sim.operator.rm_edits_customer(
        "xiaomei",
        small_bank.customers[0],
        remark="王建國（已升級）",
        add_tags=[small_bank.tags["私行"]],
    )

    run = run_full_sync()

    follow = _follow(small_bank.customers[0], "xiaomei")
    assert follow.remark == "王建國（已升級）"
    assert {t.tag_name for t in follow.tags} == {"金卡", "私行"}
    assert run.counts["follows"] == {"created": 0, "updated": 1, "removed": 0}
    assert run.counts["customers"] == {"created": 0, "updated": 0, "removed": 0}


def test_what_wecom_no_longer_has_is_marked_removed(app_ctx, runner, small_bank, sim):
    assert runner.invoke(args=["scrm", "sync"]).exit_code == 0
    # Changes made in WeCom while nobody listened (no callback URL configured).
    sim.operator.rm_deletes_customer("xiaomei", small_bank.customers[2])
    sim.operator.dismiss_group(small_bank.chats[1])
    sim.operator.delete_tag_group(small_bank.tag_group)
    sim.operator.delete_user("lead01")

    result = runner.invoke(args=["scrm", "sync"])

    assert result.exit_code == 0, result.output
    gone = _follow(small_bank.customers[2], "xiaomei")
    assert gone.status == FOLLOW_NOT_LISTED and gone.removed_at is not None
    customer = db.session.scalars(
        select(Customer).where(Customer.external_userid == small_bank.customers[2])
    ).one()
    assert customer.removed_at is not None, "its only RM is gone, so it is nobody's customer"
    kept = db.session.scalars(
        select(Customer).where(Customer.external_userid == small_bank.customers[0])
    ).one()
    assert kept.removed_at is None
    groups = {g.chat_id: g for g in db.session.scalars(select(CustomerGroup))}
    assert groups[small_bank.chats[1]].removed_at is not None
    assert groups[small_bank.chats[0]].removed_at is None
    assert db.session.scalars(select(CorpTagGroup)).one().removed_at is not None
    assert all(t.removed_at is not None for t in db.session.scalars(select(CorpTag)))
    staff = db.session.scalars(select(Staff).where(Staff.userid == "lead01")).one()
    assert staff.removed_at is not None
    counts = latest_sync_run().counts
    assert counts["follows"]["removed"] == 1
    assert counts["customers"]["removed"] == 1
    assert counts["groups"]["removed"] == 1
    assert counts["staff"]["removed"] == 1
    assert counts["tag_groups"]["removed"] == 1 and counts["tags"]["removed"] == 3
    # The removed group's members stay as history.
    assert db.session.scalar(select(func.count()).select_from(GroupMember)) == 7


def test_customers_and_groups_span_several_pages(app, app_ctx, sim):
    app.config.update(SYNC_CUSTOMER_PAGE_SIZE=3, SYNC_GROUP_PAGE_SIZE=2)
    sim.add_department(1, "晨星银行（测试）")
    # 130 RMs: more than the 100 userids batch/get_by_user and owner_filter accept per call.
    rms = [f"rm{i:03d}" for i in range(130)]
    for userid in rms:
        sim.add_user(userid, f"客户经理{userid}", [1])
    for i in range(10):
        eid = sim.add_customer(f"wmpage{i:03d}", f"翻頁客戶{i}號")
        sim.add_follow("rm000", eid)  # ten customers of one RM: four pages of three
    sim.add_follow("rm129", "wmpage000")  # the same customer, in the second chunk of RMs
    for i in range(5):
        sim.add_group_chat(rms[i * 30], f"分頁群{i}", [("wmpage001", 2, 3)])

    run = run_full_sync()

    assert run.status == "done"
    assert run.counts["customers"]["created"] == 10
    assert run.counts["follows"]["created"] == 11
    assert run.counts["groups"]["created"] == 5
    batch_calls = sim.calls_to("externalcontact/batch/get_by_user")
    assert len(batch_calls) == 5  # chunk 1: four pages; chunk 2: one page
    assert all(c.errcode == 0 for c in batch_calls)
    list_calls = sim.calls_to("externalcontact/groupchat/list")
    # Owners rm000–rm099 own four groups (two pages of two); rm100–rm129 own one (one page).
    assert len(list_calls) == 3 and all(c.errcode == 0 for c in list_calls)
    assert db.session.scalar(select(func.count()).select_from(CustomerGroup)) == 5
