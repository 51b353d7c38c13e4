"""A small fictional bank seeded in the simulator for the sync tests."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest


@dataclass
class SmallBank:
    rms: list[str]
    customers: list[str]
    tag_group: str
    tags: dict[str, str]
    chats: list[str] = field(default_factory=list)


@pytest.fixture
def small_bank(sim) -> SmallBank:
    """HQ → branch → sub-branch, two RMs and a branch lead, six customers (one followed by
    both RMs), a tag group and two customer groups."""
    sim.add_department(1, "晨星银行（测试）")
    sim.add_department(2, "滨江分行", parent_id=1)
    sim.add_department(3, "梧桐路支行", parent_id=2)
    sim.add_user("xiaomei", "林小美", [3], position="客户经理")
    sim.add_user("daming", "陳大明", [3], position="客户经理")
    sim.add_user("lead01", "赵行长", [2], follow=False, position="分行负责人")
    group_id, tag_ids = sim.add_tag_group("资产等级", ["普通", "金卡", "私行"])
    tags = dict(zip(["普通", "金卡", "私行"], tag_ids, strict=True))
    names = ["王建国", "陳美玲", "🌸小雨", "ＡＬＥＸ陈", "張偉😎", "李娜"]
    customers = [sim.add_customer(f"wmtest{i:04d}", name) for i, name in enumerate(names)]
    for i, eid in enumerate(customers):
        rm = "xiaomei" if i % 2 == 0 else "daming"
        sim.add_follow(
            rm, eid, remark=f"{names[i]}·代发", state="counter_qr", tag_ids=[tags["金卡"]]
        )
    sim.add_follow("daming", customers[0], remark="王总（理财）", tag_ids=[tags["私行"]])
    chats = [
        sim.add_group_chat("xiaomei", "梧桐路·新客欢迎群🎉", [(c, 2, 3) for c in customers[:3]]),
        sim.add_group_chat(
            "daming", "梧桐路·理財沙龍群", [("xiaomei", 1, 1), (customers[3], 2, 1)]
        ),
    ]
    return SmallBank(["xiaomei", "daming"], customers, group_id, tags, chats)
