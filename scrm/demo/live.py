"""Live demo events: every few seconds someone does something in the fictional bank's WeCom.

Each action goes through the simulator's operator, which changes its state and pushes the
real encrypted callback to our ``/wecom/callback`` — exactly the path a real event takes.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

from scrm.demo.seed import CHANNELS, TAG_GROUPS, DemoBank, NameMaker
from scrm.wecom.simulator import Simulator

log = logging.getLogger(__name__)

_CAMPAIGN_TAGS = ("春季理财节", "养老金开户礼", "新市民服务", "周末沙龙", "数字人民币体验")


class LiveActions:
    """Random operator actions on the demo bank, chosen and described one at a time."""

    def __init__(self, sim: Simulator, bank: DemoBank, rng: random.Random | None = None):
        self.sim = sim
        self.bank = bank
        self.rng = rng or random.Random()
        self.names = NameMaker(self.rng)
        self.names.used.update(bank.customer_names.values())
        # Unique per demo start, so customers added live never collide with earlier runs'.
        self._prefix = f"wmxhlive{int(time.time()) % 1_000_000:06d}"
        self._added = 0

    def customer_adds_rm(self) -> str:
        """A new customer scans an RM's channel QR code (渠道活码) and adds the RM."""
        sub_id = self.rng.choice(sorted(self.bank.rms_by_sub_branch))
        userid = self.rng.choice(self.bank.rms_by_sub_branch[sub_id])
        self._added += 1
        eid, name = f"{self._prefix}{self._added:04d}", self.names.person()
        state = self.rng.choice(CHANNELS)
        self.sim.operator.customer_adds_rm(userid, external_userid=eid, name=name, state=state)
        self.bank.customer_names[eid] = name
        self.bank.customers_by_sub_branch[sub_id].append(eid)
        self.bank.follows[(userid, eid)] = set()
        return f"customer {name} added RM {userid} through channel {state}"

    def customer_joins_group(self) -> str:
        group = self.rng.choice(self.bank.groups)
        outside = [
            eid
            for eid in self.bank.customers_by_sub_branch[group.sub_branch]
            if eid not in group.customers
        ]
        if not outside:
            return self.customer_adds_rm()
        eid = self.rng.choice(outside)
        self.sim.operator.customer_joins_group(group.chat_id, eid, join_scene=3)
        group.customers.add(eid)
        return f"customer {self.bank.customer_names[eid]} joined {group.name}"

    def customer_leaves_group(self) -> str:
        candidates = [g for g in self.bank.groups if g.customers]
        if not candidates:
            return self.customer_joins_group()
        group = self.rng.choice(candidates)
        eid = self.rng.choice(sorted(group.customers))
        self.sim.operator.member_leaves_group(group.chat_id, eid, quit_scene=0)
        group.customers.discard(eid)
        return f"customer {self.bank.customer_names[eid]} left {group.name}"

    def rm_edits_customer(self) -> str:
        """An RM moves a customer to another asset tier (资产等级) and updates the remark."""
        (userid, eid), tag_ids = self.rng.choice(sorted(self.bank.follows.items()))
        tiers = self.bank.tags["资产等级"]
        tier = self.rng.choice(TAG_GROUPS["资产等级"])
        remove = sorted(t for t in tag_ids if t in tiers.values() and t != tiers[tier])
        name = self.bank.customer_names[eid]
        self.sim.operator.rm_edits_customer(
            userid, eid, remark=f"{name[:8]}·{tier}", add_tags=[tiers[tier]], remove_tags=remove
        )
        tag_ids.difference_update(remove)
        tag_ids.add(tiers[tier])
        return f"RM {userid} moved {name} to asset tier {tier}"

    def create_tag(self) -> str:
        """HQ operations adds a campaign tag (活动标签)."""
        name = f"{self.rng.choice(_CAMPAIGN_TAGS)}{self.rng.randint(1, 999)}"
        self.sim.operator.create_tag("活动标签", name)
        return f"HQ added the campaign tag {name}"

    def random_action(self) -> str:
        """Perform one action, chosen with weights; returns what happened in one line."""
        actions: list[tuple[Callable[[], str], int]] = [
            (self.customer_adds_rm, 30),
            (self.customer_joins_group, 25),
            (self.customer_leaves_group, 15),
            (self.rm_edits_customer, 25),
            (self.create_tag, 5),
        ]
        action = self.rng.choices([a for a, _ in actions], weights=[w for _, w in actions])[0]
        return action()


def run_live_events(
    actions: LiveActions,
    stop: threading.Event,
    *,
    interval: float,
    echo: Callable[[str], None],
) -> None:
    """Perform a random action every ``interval`` seconds until ``stop`` is set.

    A failed action is reported and the loop goes on: the demo must outlive one bad event.
    """
    while not stop.wait(interval):
        try:
            echo(f"[live] {actions.random_action()}")
        except Exception as exc:  # noqa: BLE001 — keep the demo running, say what failed
            log.exception("live demo action failed")
            echo(f"[live] an action failed: {type(exc).__name__}: {exc}")
