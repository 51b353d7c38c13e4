"""A fictional bank — 星河银行（演示） — seeded inside the WeCom simulator.

Everything comes from ``random.Random(seed)``, so the same seed gives the same organisation,
customers, relations and groups (the simulator picks its own tag and chat ids). Every name,
id and number is plainly fictional: userids start ``xh``, customer ids ``wmxhdemo``, phone
numbers ``100…`` (no Chinese mobile number starts with 10). Benches reuse
:func:`seed_demo_bank` at other scales.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from scrm.demo.settings import DEFAULT_SEED
from scrm.wecom.simulator import Simulator

BANK_NAME = "星河银行（演示）"
HQ_ID = 1
#: branch id → (name, [(sub-branch id, name)])
BRANCHES = {
    2: ("东湖分行", [(4, "樱花路支行"), (5, "望江支行")]),
    3: ("西岭分行", [(6, "松林支行"), (7, "云杉路支行")]),
}
SUB_BRANCH_NAMES = {sub_id: name for _, subs in BRANCHES.values() for sub_id, name in subs}

TAG_GROUPS = {
    "客户类型": ["代发", "按揭", "信用卡", "理财", "社保卡"],
    "资产等级": ["普通", "金卡", "白金", "私行"],
    "风险等级": ["R1", "R2", "R3", "R4", "R5"],
}

GROUP_KINDS = (
    "新客欢迎群",
    "理财沙龙群",
    "代发工资群",
    "早盘资讯群",
    "信用卡权益群",
    "养老规划群",
    "亲子财商群",
    "私行尊享群",
    "按揭客户群",
    "社保卡服务群",
)

#: Channel codes (渠道活码 state) customers come through; ≤30 characters as WeCom requires.
CHANNELS = (
    "counter_qr",
    "salon_2026q1",
    "poster_metro",
    "payroll_ent",
    "mortgage_desk",
    "card_campaign",
    "app_banner",
    "referral",
)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_TRAD_SURNAMES = "陳楊黃趙吳週孫馬許傅沈曾彭呂葉蘇盧蔣鄭謝韓馮董蕭"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红梅子涵浩然欣怡宇轩雨桐思远"
_TRAD_GIVEN = "偉芳娜敏靜麗強磊軍洋勇艷傑娟濤明超秀霞華玉蘭國誌紅梅涵浩然欣怡軒雨桐遠"
_NICKNAMES = (
    "🌸小雨",
    "阿杰😎",
    "🍀好运连连",
    "晴天☀️",
    "🐼胖达",
    "Ｌｉｎｄａ林",
    "ＡＬＥＸ陈",
    "🎵音乐人",
)
_PRODUCTS = ("代发", "按揭", "信用卡", "理财", "社保卡")


@dataclass
class DemoGroup:
    chat_id: str
    name: str
    sub_branch: int
    owner: str
    customers: set[str] = field(default_factory=set)


@dataclass
class DemoBank:
    """What was seeded, for granting roles after the sync and for the live events."""

    seed: int
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rms_by_sub_branch: dict[int, list[str]] = field(default_factory=dict)
    customers_by_sub_branch: dict[int, list[str]] = field(default_factory=dict)
    customer_names: dict[str, str] = field(default_factory=dict)
    #: (rm userid, external userid) → corp tag ids the RM has put on the customer.
    follows: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    groups: list[DemoGroup] = field(default_factory=list)

    @property
    def rms(self) -> list[str]:
        return [u for users in self.rms_by_sub_branch.values() for u in users]

    @property
    def customer_count(self) -> int:
        return len(self.customer_names)


class NameMaker:
    """Distinct fictional Chinese names: simplified, traditional, full-width and emoji."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def person(self) -> str:
        for _ in range(1000):
            style = self.rng.random()
            if style < 0.6:
                name = self.rng.choice(_SURNAMES) + self._given(_GIVEN)
            elif style < 0.9:
                name = self.rng.choice(_TRAD_SURNAMES) + self._given(_TRAD_GIVEN)
            else:
                name = self.rng.choice(_NICKNAMES) + str(self.rng.randint(1, 99))
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("ran out of distinct demo names; widen the name lists")

    def _given(self, letters: str) -> str:
        return "".join(self.rng.choice(letters) for _ in range(self.rng.choice((1, 2, 2))))


def _seed_organisation(sim: Simulator, bank: DemoBank, names: NameMaker, rms: int) -> None:
    sim.add_department(HQ_ID, BANK_NAME)
    sim.add_user(HQ_OPS_USERID, names.person(), [HQ_ID], follow=False, position="总行运营")
    sim.add_user("xhcompliance01", names.person(), [HQ_ID], follow=False, position="合规专员")
    bank.roles[HQ_OPS_USERID] = ("hq_ops", "admin")
    bank.roles["xhcompliance01"] = ("compliance",)
    number = 1
    for branch_id, (branch_name, subs) in BRANCHES.items():
        sim.add_department(branch_id, branch_name, HQ_ID, order=branch_id)
        lead = f"xhlead{branch_id:02d}"
        sim.add_user(
            lead, names.person(), [branch_id], follow=False, position=f"{branch_name}负责人"
        )
        bank.roles[lead] = ("branch_lead",)
        for sub_id, sub_name in subs:
            sim.add_department(sub_id, sub_name, branch_id, order=sub_id)
            bank.rms_by_sub_branch[sub_id] = []
            bank.customers_by_sub_branch[sub_id] = []
            for i in range(1, rms + 1):
                userid = f"xh{sub_id:02d}rm{i}"
                sim.add_user(
                    userid,
                    names.person(),
                    [sub_id],
                    position="客户经理",
                    mobile=f"100{sub_id:02d}{number:06d}",
                    email=f"{userid}@xinghe-bank.example",
                )
                bank.rms_by_sub_branch[sub_id].append(userid)
                bank.roles[userid] = ("rm",)
                number += 1


def _seed_customers(sim: Simulator, bank: DemoBank, names: NameMaker, count: int) -> None:
    rng = random.Random(bank.seed + 1)
    subs = sorted(bank.rms_by_sub_branch)
    base = 1704067200  # 2024-01-01: fixed, so the same seed gives the same add dates
    for n in range(1, count + 1):
        sub_id = subs[n % len(subs)]
        name = names.person()
        company = rng.random() < 0.03
        eid = sim.add_customer(
            f"wmxhdemo{n:06d}",
            name,
            type=2 if company else 1,
            gender=rng.choice((0, 1, 2)),
            corp_name="云帆科技（演示）有限公司" if company else None,
        )
        bank.customer_names[eid] = name
        bank.customers_by_sub_branch[sub_id].append(eid)
        rms = bank.rms_by_sub_branch[sub_id]
        followers = [rms[n % len(rms)]]
        if rng.random() < 0.15:
            followers.append(rng.choice([u for u in rms if u not in followers] or followers))
        for userid in followers:
            product = rng.choice(_PRODUCTS)
            tag_ids = {
                bank.tags["资产等级"][rng.choice(TAG_GROUPS["资产等级"])],
                bank.tags["风险等级"][rng.choice(TAG_GROUPS["风险等级"])],
                bank.tags["客户类型"][product],
            }
            sim.add_follow(
                userid,
                eid,
                remark=f"{name[:8]}·{product}",
                description=f"{product}客户，{rng.choice(('偏好稳健', '关注收益', '需回访'))}",
                state=rng.choice(CHANNELS),
                add_way=rng.choice((1, 1, 2, 3)),
                tag_ids=sorted(tag_ids),
                createtime=base + rng.randrange(0, 700 * 86400),
            )
            bank.follows[(userid, eid)] = tag_ids


def _seed_groups(sim: Simulator, bank: DemoBank, count: int) -> None:
    rng = random.Random(bank.seed + 2)
    subs = sorted(bank.rms_by_sub_branch)
    for n in range(count):
        sub_id = subs[n % len(subs)]
        kind = GROUP_KINDS[(n // len(subs)) % len(GROUP_KINDS)]
        name = f"{SUB_BRANCH_NAMES[sub_id]}·{kind}"
        if n >= len(subs) * len(GROUP_KINDS):
            name += str(n // (len(subs) * len(GROUP_KINDS)) + 1)
        rms = bank.rms_by_sub_branch[sub_id]
        owner = rms[n % len(rms)]
        pool = bank.customers_by_sub_branch[sub_id]
        customers = set(rng.sample(pool, min(len(pool), rng.randint(8, 25))))
        members = [(u, 1, 1) for u in rms if u != owner][:1]
        members += [(eid, 2, rng.choice((1, 2, 3))) for eid in sorted(customers)]
        chat_id = sim.add_group_chat(owner, name, members)
        bank.groups.append(DemoGroup(chat_id, name, sub_id, owner, customers))


#: The HQ operations member who publishes SOP templates in the demo.
HQ_OPS_USERID = "xhops01"

#: When the demo corp's tags and groups were created: 2025-06-02 09:00 Asia/Shanghai.
SEEDED_AT = 1748826000


def seed_demo_bank(
    sim: Simulator,
    *,
    seed: int = DEFAULT_SEED,
    customers: int = 500,
    groups: int = 40,
    rms_per_sub_branch: int = 3,
) -> DemoBank:
    """Create the fictional bank inside the simulator (no callbacks are pushed).

    :param seed: the same seed gives the same bank.
    :param customers: how many customers, spread over the sub-branches' RMs.
    :param groups: how many customer groups, spread over the sub-branches.
    :param rms_per_sub_branch: RMs in each of the four sub-branches.
    """
    bank = DemoBank(seed=seed)
    names = NameMaker(random.Random(seed))
    # Stamp tags and groups with one fixed moment, so the same seed gives the same corp to
    # the second: a rerun's sync then finds nothing to update.
    sim.clock.set(SEEDED_AT)
    try:
        _seed_organisation(sim, bank, names, rms_per_sub_branch)
        for order, (group_name, tag_names) in enumerate(TAG_GROUPS.items()):
            _, ids = sim.add_tag_group(group_name, tag_names, order=order)
            bank.tags[group_name] = dict(zip(tag_names, ids, strict=True))
        _seed_customers(sim, bank, names, customers)
        _seed_groups(sim, bank, groups)
    finally:
        sim.clock.reset()
    return bank
