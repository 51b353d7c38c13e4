"""Departments and staff written from WeCom's directory, against the real database and the
simulator."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from scrm.db import db
from scrm.directory import services
from scrm.directory.models import Department, Staff, StaffRole
from scrm.wecom.endpoints.reads import DepartmentInfo, MemberInfo
from scrm.wecom.errors import PermissionDenied

HQ = DepartmentInfo(1, "星海银行总行", None, 1)
BRANCH = DepartmentInfo(2, "深圳分行（南山）", 1, 2)


def _member(userid="lixiaolong", **kw) -> MemberInfo:
    values = dict(name="李小龍", department_ids=(2,), main_department=2, position="客户经理")
    values.update(kw)
    return MemberInfo(userid=userid, **values)


def test_department_tree_is_stored_and_applying_it_twice_changes_nothing(app_ctx):
    for _ in range(2):
        services.upsert_department(HQ)
        services.upsert_department(BRANCH)
        services.upsert_department(DepartmentInfo(3, "科技园支行🏦", 2, 1))
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Department)) == 3
    sub = db.session.get(Department, 3)
    assert (sub.name, sub.parent.name, sub.level) == (
        "科技园支行🏦",
        "深圳分行（南山）",
        "sub_branch",
    )


def test_sub_branch_announced_before_its_branch_keeps_its_parent(app_ctx):
    services.upsert_department(DepartmentInfo(7, "前海支行", 6, 0))
    db.session.commit()
    assert db.session.get(Department, 7).parent_id == 6
    services.upsert_department(DepartmentInfo(6, "前海分行", None, 0))
    db.session.commit()
    assert db.session.get(Department, 7).parent.name == "前海分行"


def test_removed_department_keeps_its_row_and_comes_back_when_recreated(app_ctx):
    services.upsert_department(HQ)
    services.remove_department(1)
    services.remove_department(1)
    services.remove_department(999)  # unknown: nothing to do
    db.session.commit()
    removed_at = db.session.get(Department, 1).removed_at
    assert removed_at is not None
    services.upsert_department(HQ)
    assert db.session.get(Department, 1).removed_at is None


def test_follow_user_becomes_an_rm_once(app_ctx):
    services.upsert_department(HQ)
    services.upsert_department(BRANCH)
    for _ in range(2):
        staff = services.upsert_staff(_member(), is_follow_user=True)
        db.session.commit()
    assert staff.role_names == {"rm"}
    assert staff.is_follow_user and staff.department.name == "深圳分行（南山）"
    assert db.session.scalar(select(func.count()).select_from(StaffRole)) == 1


def test_update_without_follow_flag_keeps_the_flag(app_ctx):
    services.upsert_staff(_member(), is_follow_user=True)
    staff = services.upsert_staff(_member(name="李小龙", position="高级客户经理"))
    assert staff.is_follow_user and staff.name == "李小龙" and staff.position == "高级客户经理"


def test_staff_removed_then_synced_again_is_back(app_ctx):
    services.upsert_staff(_member())
    services.remove_staff("lixiaolong")
    services.remove_staff("nobody")
    assert services.get_staff("lixiaolong").removed_at is not None
    assert services.upsert_staff(_member()).removed_at is None


def test_renamed_staff_keeps_the_same_row(app_ctx):
    staff_id = services.upsert_staff(_member(), is_follow_user=True).id
    services.rename_staff("lixiaolong", "li.xiaolong")
    services.rename_staff("lixiaolong", "li.xiaolong")  # applied twice
    db.session.commit()
    assert services.get_staff("lixiaolong") is None
    renamed = services.get_staff("li.xiaolong")
    assert renamed.id == staff_id and renamed.role_names == {"rm"}


def test_rename_to_a_userid_already_fetched_keeps_both_rows(app_ctx):
    services.upsert_staff(_member())
    services.upsert_staff(_member("li.xiaolong"))
    kept = services.rename_staff("lixiaolong", "li.xiaolong")
    assert kept.userid == "li.xiaolong"
    assert services.get_staff("lixiaolong").removed_at is not None


def test_unknown_staff_is_fetched_from_wecom_once(app_ctx, sim):
    sim.add_department(1, "星海银行总行")
    sim.add_department(2, "深圳分行", parent_id=1)
    sim.add_user("wangfang", "王芳　🌸", [2], position="理财经理", mobile="13800000001")
    staff = services.ensure_staff("wangfang")
    again = services.ensure_staff("wangfang")
    db.session.commit()
    assert again.id == staff.id
    assert (staff.name, staff.position, staff.department_id) == ("王芳　🌸", "理财经理", 2)
    assert len(sim.calls_to("user/get")) == 1


def test_staff_wecom_no_longer_knows_is_kept_as_removed(app_ctx, sim):
    staff = services.ensure_staff("left.the.bank")
    assert staff.removed_at is not None and staff.userid == "left.the.bank"


def test_wecom_refusing_to_say_who_someone_is_propagates(app_ctx, sim):
    sim.faults.inject("user/get", errcode=48002)
    with pytest.raises(PermissionDenied):
        services.ensure_staff("wangfang")
    assert db.session.scalar(select(func.count()).select_from(Staff)) == 0


def test_roles_are_granted_and_revoked_once(app_ctx):
    staff = services.upsert_staff(_member())
    services.grant_role(staff, "compliance")
    services.grant_role(staff, "compliance")
    services.grant_role(staff, "branch_lead")
    db.session.commit()
    assert staff.role_names == {"compliance", "branch_lead"}
    services.revoke_role(staff, "compliance")
    services.revoke_role(staff, "compliance")
    db.session.commit()
    assert staff.role_names == {"branch_lead"}


def test_unknown_role_names_the_valid_roles(app_ctx):
    staff = services.upsert_staff(_member())
    with pytest.raises(services.UnknownRole) as caught:
        services.grant_role(staff, "经理")
    assert "rm, branch_lead, compliance, hq_ops, admin" in caught.value.message
    with pytest.raises(services.UnknownRole):
        services.revoke_role(staff, "superuser")
    assert staff.role_names == set()
