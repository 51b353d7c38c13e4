"""星河银行 for mass messages: 上海分行 with a sub-branch and 北京分行, three RMs, a dozen bound
customers with tiers, types and tags, synced from the simulator; the archive app licensed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from campaign_names import HQ, LEAD, A, B, C

from scrm.db import db
from scrm.directory.models import Staff
from scrm.wecom.simulator.msgaudit import enable_archive

ARCHIVE_SECRET = "archive-secret-for-tests-only-000000000015"
# external_userid: (name, RMs in the order they added the customer, tier, types, tags)
CUSTOMERS = {
    "wmZhangWei001": ("张伟", [A], "gold", ["payroll"], ["代发客户"]),
    "wmLiNa000002": ("李娜🌸", [A], "platinum", ["payroll", "wealth"], ["代发客户", "稳健理财"]),
    "wmWangFang03": ("王芳", [A], "diamond", ["payroll"], ["代发客户"]),
    "wmLiuYang004": ("劉洋", [A], "gold", ["payroll"], ["代发客户"]),
    "wmChenJing05": ("陈静", [B], "gold", ["payroll"], ["代发客户"]),
    "wmYangLei006": ("杨磊", [B], "private", ["payroll", "mortgage"], ["代发客户"]),
    "wmZhaoMin007": ("赵敏", [B], "mass", ["payroll"], ["代发客户"]),
    "wmHuangQ0008": ("黄强", [A], "gold", ["mortgage"], ["按揭客户"]),
    "wmZhouJie009": ("周杰", [C], "gold", ["payroll"], ["代发客户"]),
    "wmWuTing0010": ("吴婷（Ｗ）", [B, A], "gold", ["payroll"], ["代发客户"]),
    "wmNoBind0011": ("钱多多", [A], None, [], []),
    "wmSunLi00012": ("孙丽", [A], "gold", ["payroll"], ["代发客户"]),
}


@dataclass
class Bank:
    staff: dict[str, Staff]
    tag_ids: dict[str, str]
    chat_id: str


@pytest.fixture
def audit(sim):
    return enable_archive(sim, ARCHIVE_SECRET)


@pytest.fixture
def app_config(app_config, audit):
    return {**app_config, "WECOM_ARCHIVE_SECRET": ARCHIVE_SECRET}


@pytest.fixture
def bank(app_ctx, sim, sync_from_wecom, create_bank_customer) -> Bank:
    sim.add_department(1, "星河银行")
    sim.add_department(2, "上海分行", parent_id=1)
    sim.add_department(3, "陆家嘴支行", parent_id=2)
    sim.add_department(4, "北京分行", parent_id=1)
    sim.add_user(A, "林小美", [2], position="客户经理")
    sim.add_user(B, "王建国", [3], position="客户经理")
    sim.add_user(C, "赵北京", [4], position="客户经理")
    sim.add_user(HQ, "宗运营", [1], follow=False)
    sim.add_user(LEAD, "陈行长", [2], follow=False)
    _, ids = sim.add_tag_group("客户来源", ["代发客户", "按揭客户"])
    _, more = sim.add_tag_group("投资偏好", ["稳健理财"])
    tag_ids = dict(zip(["代发客户", "按揭客户", "稳健理财"], ids + more, strict=True))
    base = int(sim.clock.timestamp()) - 90 * 86400
    for eid, (name, rms, _tier, _types, tags) in CUSTOMERS.items():
        sim.add_customer(eid, name)
        for i, rm in enumerate(rms):
            sim.add_follow(
                rm, eid, tag_ids=[tag_ids[t] for t in tags], createtime=base + 86400 * (i + 1)
            )
    chat_id = sim.add_group_chat(A, "上海分行·代发客户群", [("wmZhangWei001", 2, 1)])
    staff = sync_from_wecom(roles={HQ: "hq_ops", LEAD: "branch_lead"})
    for n, (eid, (name, _rms, tier, types, _tags)) in enumerate(CUSTOMERS.items()):
        if tier is not None:
            create_bank_customer(
                f"CIF{n:08d}",
                name,
                tier=tier,
                aum_band="500k_6m",
                department_id=2,
                types=types,
                bound_to=eid,
            )
    db.session.commit()
    return Bank(staff=staff, tag_ids=tag_ids, chat_id=chat_id)
