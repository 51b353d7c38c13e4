"""Context rules: when the words around a term change what it means.

保本 said of a deposit is a fact — deposits are principal-protected and insured up to
500,000 yuan (存款保险条例) — so ``大额存单保本保息`` is not a promise about an investment. The
rule is narrow on purpose: it applies only when a deposit word stands in the same clause as the
term and no investment word does (结构性存款 sold as 保本理财 was a named abuse of the 2019
整治通知, so 结构性 keeps the block). The hit is kept, as a flag, so the archive and the review
queue still see it.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrm.compliance.scanning.normalize import BARRIERS, normalise
from scrm.compliance.vocabulary import FLAG


@dataclass(frozen=True)
class ContextRule:
    """``terms`` take ``action`` when a clause has one of ``when_any`` and none of
    ``unless_any``."""

    terms: frozenset[str]
    when_any: tuple[str, ...]
    unless_any: tuple[str, ...]
    action: str
    why: str


RULES = (
    ContextRule(
        terms=frozenset(normalise(t) for t in ("保本", "保本保息")),
        when_any=("存款", "大额存单", "存单", "定期", "活期", "储蓄", "国债"),
        unless_any=(
            "理财",
            "基金",
            "净值",
            "信托",
            "资管",
            "保险产品",
            "结构性",
            "产品收益",
            "投资",
        ),
        action=FLAG,
        why="deposits are principal-protected by law (存款保险条例)",
    ),
)
_BY_TERM = {term: rule for rule in RULES for term in rule.terms}


def adjusted_action(action: str, key: str, text: str, start: int) -> str:
    """The action for a hit of the normalised term ``key`` at ``start`` of the normalised text.

    :param action: the term's action on the channel
    :param key: the normalised term
    :param text: the normalised message (clauses end at one of :data:`BARRIERS`)
    :param start: where the hit starts in ``text``
    """
    rule = _BY_TERM.get(key)
    if rule is None:
        return action
    clause_start = max(text.rfind(b, 0, start) for b in BARRIERS) + 1
    ends = [i for i in (text.find(b, start) for b in BARRIERS) if i >= 0]
    clause = text[clause_start : min(ends, default=len(text))]
    if any(w in clause for w in rule.when_any) and not any(w in clause for w in rule.unless_any):
        return rule.action
    return action
