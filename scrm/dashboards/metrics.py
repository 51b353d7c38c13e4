"""The dashboard metrics: their keys, Chinese labels, and how each is made from stored sums.

Three kinds of stored numbers feed them. Flows (joins, messages …) are summed over the days;
stocks (customers, groups, members) are the value on the range's last day; reply times are a
histogram merged over the rows. Everything shown is then computed from those sums, so a
parent's numbers are its children's sums (stocks and flows), or computed from its children's
sums (rates, averages, quantiles), never an average of averages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scrm.dashboards.response_times import quantile
from scrm.sop.metrics.models import GROUP_FLOWS

#: The groups' flows an RM's day row carries (summed over the RM's groups); speakers are left
#: out, the RM row counts active groups instead.
FROM_GROUPS = tuple(name for name in GROUP_FLOWS if name != "active_speakers")
#: Summed over the days of the range.
FLOWS = (
    "new_customers",
    "lost_customers",
    "active_groups",  # stored per day: summed, it is active group-days
    *FROM_GROUPS,
    "moments_published",
    "moment_likes",
    "moment_comments",
    "follow_ups_opened",
    "follow_ups_done",
    "responses",
    "sent_messages",
    "hit_messages",
    "groups",  # summed, it is group-days (for the active share)
)
#: Taken on the range's last day.
STOCKS = ("customers", "groups", "members")


@dataclass(frozen=True)
class Metric:
    key: str
    label: str  # Chinese, as the bank says it
    unit: str
    #: False for metrics the group level does not have (customers, moments, replies …).
    per_group: bool = True

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "unit": self.unit}


METRICS: tuple[Metric, ...] = (
    Metric("customers", "客户数", "人", per_group=False),
    Metric("new_customers", "新增客户", "人", per_group=False),
    Metric("lost_customers", "流失客户", "人", per_group=False),
    Metric("groups", "客户群数", "个"),
    Metric("members", "群成员数", "人"),
    Metric("joins", "入群", "人"),
    Metric("leaves", "退群", "人"),
    Metric("growth", "净增", "人"),
    Metric("active_groups", "日均活跃群", "个"),
    Metric("active_share", "活跃群占比", "%"),
    Metric("messages", "群消息", "条"),
    Metric("sop_due", "SOP应办", "项"),
    Metric("sop_on_time", "SOP按时", "项"),
    Metric("sop_late", "SOP迟办", "项"),
    Metric("sop_missed", "SOP未办", "项"),
    Metric("sop_completion", "SOP完成率", "%"),
    Metric("checkins", "打卡", "次"),
    Metric("moments_published", "朋友圈发布", "条", per_group=False),
    Metric("moment_likes", "朋友圈点赞", "个", per_group=False),
    Metric("moment_comments", "朋友圈评论", "条", per_group=False),
    Metric("follow_ups_done", "1对1跟进完成", "次", per_group=False),
    Metric("responses", "回复客户", "次", per_group=False),
    Metric("response_median", "响应时长中位数", "分钟", per_group=False),
    Metric("response_p90", "响应时长P90", "分钟", per_group=False),
    Metric("hits_per_1000", "合规命中/千条", "‰", per_group=False),
)
BY_KEY = {metric.key: metric for metric in METRICS}
KEYS = tuple(BY_KEY)


def empty_sums() -> dict[str, int]:
    """Zero for every stored sum (flows, and stocks under ``end_<name>``)."""
    return {name: 0 for name in FLOWS} | {f"end_{name}": 0 for name in STOCKS}


def add_sums(into: dict[str, int], sums: Mapping[str, int]) -> dict[str, int]:
    """Add ``sums`` into ``into`` (both as from :func:`empty_sums`) and return it."""
    for name, value in sums.items():
        into[name] = into.get(name, 0) + int(value or 0)
    return into


def finish(
    sums: Mapping[str, int], histogram: Mapping | None, days: int, *, per_group: bool = False
) -> dict:
    """Every metric of :data:`METRICS` from stored sums.

    :param sums: as from :func:`empty_sums`, filled.
    :param histogram: the merged reply-time histogram (bucket minute → count).
    :param days: the days in the range (for daily averages).
    :param per_group: a group's row: metrics groups do not have are ``None``.
    """
    due, done = sums["sop_due"], sums["sop_on_time"] + sums["sop_late"]
    group_days = sums["groups"]
    values = {
        "customers": sums["end_customers"],
        "new_customers": sums["new_customers"],
        "lost_customers": sums["lost_customers"],
        "groups": sums["end_groups"],
        "members": sums["end_members"],
        "joins": sums["joins"],
        "leaves": sums["leaves"],
        "growth": sums["joins"] - sums["leaves"],
        "active_groups": round(sums["active_groups"] / days, 2) if days else None,
        "active_share": _percent(sums["active_groups"], group_days),
        "messages": sums["messages"],
        "sop_due": due,
        "sop_on_time": sums["sop_on_time"],
        "sop_late": sums["sop_late"],
        "sop_missed": sums["sop_missed"],
        "sop_completion": _percent(done, due),
        "checkins": sums["checkins"],
        "moments_published": sums["moments_published"],
        "moment_likes": sums["moment_likes"],
        "moment_comments": sums["moment_comments"],
        "follow_ups_done": sums["follow_ups_done"],
        "responses": sums["responses"],
        "response_median": quantile(histogram or {}, 0.5),
        "response_p90": quantile(histogram or {}, 0.9),
        "hits_per_1000": (
            round(sums["hit_messages"] * 1000 / sums["sent_messages"], 2)
            if sums["sent_messages"]
            else None
        ),
    }
    if per_group:
        for metric in METRICS:
            if not metric.per_group:
                values[metric.key] = None
    return values


def _percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 2) if whole else None
