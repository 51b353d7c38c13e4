"""Mirror the lexicon's block terms into WeCom's own intercept rules (敏感词拦截).

What an RM types in the WeCom client never passes through scrm, so the only way to stop it
before it reaches a customer is WeCom's native rules. The sync owns every rule whose name
starts with ``scrm-`` and makes them match the lexicon exactly; rules an admin made by hand
in 管理后台 are never touched. WeCom matches words literally (no normalisation is documented),
so only the terms as written reach it; the scanner still checks every archived message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from scrm.compliance.vocabulary import BLOCK, CHANNELS, Lexicon, Term
from scrm.wecom.client import WeComClient
from scrm.wecom.endpoints import intercept as api

log = logging.getLogger(__name__)

RULE_PREFIX = "scrm-"
#: WeCom's root department (the whole corp) always has id 1.
ROOT_DEPARTMENT_ID = 1


class InterceptSyncError(Exception):
    """The lexicon cannot be mirrored within WeCom's limits; nothing was changed."""


@dataclass(frozen=True)
class PlannedRule:
    name: str
    category: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class InterceptPlan:
    """The rules the lexicon needs, and the block terms too long for WeCom (over 32 chars)."""

    rules: tuple[PlannedRule, ...]
    too_long: tuple[Term, ...]

    @property
    def word_count(self) -> int:
        return sum(len(r.words) for r in self.rules)


@dataclass
class InterceptSyncReport:
    lexicon_version: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    too_long: list[Term] = field(default_factory=list)
    words: int = 0
    foreign_rules: int = 0  # rules scrm does not own, left alone

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


def blocks_anywhere(term: Term) -> bool:
    """A term that blocks on at least one channel belongs in WeCom's intercept rules."""
    return any(term.actions[c] == BLOCK for c in CHANNELS)


def plan_intercept_rules(lexicon: Lexicon) -> InterceptPlan:
    """Group the block terms by category into rules of at most 300 words, named
    ``scrm-<category>-<n>`` within WeCom's 20 characters. Pure: no WeCom call."""
    by_category: dict[str, list[str]] = {}
    too_long: list[Term] = []
    seen: set[str] = set()
    for term in lexicon.terms:
        if not blocks_anywhere(term):
            continue
        if len(term.term) > api.MAX_WORD_CHARS:
            too_long.append(term)
        elif term.term not in seen:
            seen.add(term.term)
            by_category.setdefault(term.category, []).append(term.term)
    rules: list[PlannedRule] = []
    taken: set[str] = set()
    for index, (category, words) in enumerate(by_category.items(), start=1):
        chunks = [
            tuple(words[i : i + api.MAX_WORDS_PER_RULE])
            for i in range(0, len(words), api.MAX_WORDS_PER_RULE)
        ]
        names = _rule_names(category, len(chunks))
        if taken & set(names):  # two long categories cut to the same prefix
            names = _rule_names(f"c{index}", len(chunks))
        taken.update(names)
        rules.extend(PlannedRule(n, category, c) for n, c in zip(names, chunks, strict=True))
    return InterceptPlan(tuple(rules), tuple(too_long))


def _rule_names(label: str, count: int) -> list[str]:
    names = []
    for number in range(1, count + 1):
        suffix = f"-{number}"
        room = api.MAX_RULE_NAME_CHARS - len(RULE_PREFIX) - len(suffix)
        names.append(f"{RULE_PREFIX}{label[:room]}{suffix}")
    return names


def sync_intercept_rules(
    client: WeComClient,
    lexicon: Lexicon,
    *,
    department_id: int = ROOT_DEPARTMENT_ID,
    dry_run: bool = False,
) -> InterceptSyncReport:
    """Make the ``scrm-`` rules in WeCom match the lexicon's block terms exactly.

    Idempotent: a second run changes nothing. Deletes run first so the corp never needs more
    than 100 rules mid-way. After a failed call, rerunning finishes the job.

    :param department_id: the department the rules apply to (default: the whole corp).
    :param dry_run: report what would change without changing anything.
    :raise InterceptSyncError: when the rules would not fit in WeCom's 100 (before any change).
    :raise scrm.wecom.errors.WeComError: a WeCom call failed.
    """
    plan = plan_intercept_rules(lexicon)
    report = InterceptSyncReport(
        lexicon.version, too_long=list(plan.too_long), words=plan.word_count
    )
    existing = api.list_intercept_rules(client)
    ours = [r for r in existing if r.rule_name.startswith(RULE_PREFIX)]
    report.foreign_rules = len(existing) - len(ours)
    if report.foreign_rules + len(plan.rules) > api.MAX_RULES:
        raise InterceptSyncError(
            f"the lexicon's {plan.word_count} block terms need {len(plan.rules)} intercept "
            f"rules and {report.foreign_rules} rules not made by scrm already exist, but WeCom "
            f"allows {api.MAX_RULES} per corp; nothing was changed. Turn some block terms into "
            "warn, or delete unused rules in 管理后台 → 客户联系 → 聊天敏感词"
        )
    current: dict[str, api.InterceptRuleSummary] = {}
    obsolete = []
    wanted = {r.name for r in plan.rules}
    for rule in ours:
        if rule.rule_name in wanted and rule.rule_name not in current:
            current[rule.rule_name] = rule
        else:  # no longer needed, or a duplicate left by an interrupted run
            obsolete.append(rule)
    for rule in obsolete:
        if not dry_run:
            api.delete_intercept_rule(client, rule.rule_id)
        report.deleted.append(rule.rule_name)
    for planned in plan.rules:
        found = current.get(planned.name)
        if found is None:
            if not dry_run:
                api.add_intercept_rule(
                    client,
                    planned.name,
                    planned.words,
                    intercept_type=api.WARN_AND_BLOCK,
                    department_ids=[department_id],
                )
            report.created.append(planned.name)
        elif _update(client, found.rule_id, planned, department_id, dry_run):
            report.updated.append(planned.name)
        else:
            report.unchanged.append(planned.name)
    if report.changed and not dry_run:
        log.info(
            "intercept rules synced to lexicon %s: %d created, %d updated, %d deleted",
            lexicon.version[:12],
            len(report.created),
            len(report.updated),
            len(report.deleted),
        )
    return report


def _update(
    client: WeComClient, rule_id: str, planned: PlannedRule, department_id: int, dry_run: bool
) -> bool:
    """Bring one of our rules in line with its plan; False when it already matches."""
    rule = api.get_intercept_rule(client, rule_id)
    same_words = sorted(rule.words) == sorted(planned.words)
    extra_departments = [d for d in rule.department_ids if d != department_id]
    same_range = (
        not rule.user_ids and not extra_departments and department_id in rule.department_ids
    )
    if same_words and same_range and rule.intercept_type == api.WARN_AND_BLOCK:
        return False
    if not dry_run:
        api.update_intercept_rule(
            client,
            rule_id,
            words=None if same_words else planned.words,
            intercept_type=api.WARN_AND_BLOCK,
            add_department_ids=[] if department_id in rule.department_ids else [department_id],
            remove_user_ids=rule.user_ids,
            remove_department_ids=extra_departments,
        )
    return True
