"""Directory tags (通讯录标签) come into scrm with every full sync: who carries each tag by
name, which departments carry it as a whole, and tags HR deleted in WeCom."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scrm.db import db
from scrm.directory.models import Staff
from scrm.directory.staff_tags.models import StaffTag
from scrm.directory.staff_tags.services import staff_ids_tagged, sync_staff_tags
from scrm.sync.services import run_full_sync
from scrm.wecom.client import get_client
from scrm.wecom.errors import WeComBusy
from scrm.wecom.simulator.api_staff_tags import add_staff_tag, staff_tags
from scrm.wecom.simulator.operator_staff_tags import hr_tags_staff


@pytest.fixture
def directory(app_ctx, sim):
    sim.add_department(1, "星河银行")
    sim.add_department(2, "梧桐路分行", parent_id=1)
    sim.add_department(3, "梧桐路·新華支行", parent_id=2)
    sim.add_user("lin.xiaomei", "林小美", [2])
    sim.add_user("chen.jing", "陈静", [3])
    sim.add_user("zhou.zhuli", "周助理", [1], follow=False)
    private = add_staff_tag(sim, "私行客户经理", userids=["lin.xiaomei"])
    branch = add_staff_tag(sim, "梧桐路团队🌳", department_ids=[2])
    run_full_sync()
    return {"private": private, "branch": branch}


def userids(staff_ids: set[int]) -> set[str]:
    return set(db.session.scalars(select(Staff.userid).where(Staff.id.in_(staff_ids))))


def test_the_full_sync_brings_tags_with_their_members_and_tagged_departments(directory):
    tags = {t.name: t for t in db.session.scalars(select(StaffTag))}
    assert set(tags) == {"私行客户经理", "梧桐路团队🌳"}
    assert [m.staff.userid for m in tags["私行客户经理"].members] == ["lin.xiaomei"]
    assert tags["梧桐路团队🌳"].department_ids == [2]
    assert userids(staff_ids_tagged([directory["private"]])) == {"lin.xiaomei"}
    # A tagged department includes its sub-branches.
    assert userids(staff_ids_tagged([directory["branch"]])) == {"lin.xiaomei", "chen.jing"}


def test_hr_retagging_and_deleting_a_tag_reach_scrm_on_the_next_sync(directory, sim):
    hr_tags_staff(sim, directory["private"], add=["chen.jing"], remove=["lin.xiaomei"])
    del staff_tags(sim)[directory["branch"]]
    counts = sync_staff_tags(get_client("agent"))
    db.session.commit()
    assert counts == {"tags": 1, "removed": 1}
    assert userids(staff_ids_tagged([directory["private"]])) == {"chen.jing"}
    with pytest.raises(LookupError, match=f"directory tags \\[{directory['branch']}\\]"):
        staff_ids_tagged([directory["branch"]])


def test_a_wecom_failure_during_the_tag_sync_writes_nothing(directory, sim):
    hr_tags_staff(sim, directory["private"], add=["zhou.zhuli"])
    sim.faults.inject("tag/get", errcode=-1, times=10)
    with pytest.raises(WeComBusy):
        sync_staff_tags(get_client("agent"))
    db.session.rollback()
    assert userids(staff_ids_tagged([directory["private"]])) == {"lin.xiaomei"}


def test_wecom_answers_an_unknown_tag_with_40068(directory, sim):
    from scrm.wecom.endpoints.staff_tags import get_staff_tag
    from scrm.wecom.errors import InvalidRequest

    with pytest.raises(InvalidRequest) as error:
        get_staff_tag(get_client("agent"), 4242)
    assert error.value.errcode == 40068


def test_one_tag_is_reread_after_wecom_reports_it_changed_or_gone(directory, sim):
    from scrm.directory.staff_tags.services import refresh_staff_tag

    hr_tags_staff(sim, directory["private"], add=["chen.jing"])
    tag = refresh_staff_tag(get_client("agent"), directory["private"])
    assert {m.staff.userid for m in tag.members} == {"lin.xiaomei", "chen.jing"}
    del staff_tags(sim)[directory["private"]]
    assert refresh_staff_tag(get_client("agent"), directory["private"]) is None
    db.session.commit()
    with pytest.raises(LookupError):
        staff_ids_tagged([directory["private"]])


def test_an_app_without_tag_access_still_syncs_everything_else(directory, sim):
    sim.faults.inject("tag/list", errcode=48002)
    hr_tags_staff(sim, directory["private"], add=["chen.jing"])
    assert sync_staff_tags(get_client("agent")) == {"tags": 0, "removed": 0}
    assert userids(staff_ids_tagged([directory["private"]])) == {"lin.xiaomei"}  # kept
