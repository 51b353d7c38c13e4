"""客户联系 sensitive-word intercept rules (聊天敏感词 / 敏感词拦截规则): WeCom stops or warns
about a message typed in the client when it contains a rule's word.

The rules live beside the corp they belong to, so ``Simulator.reset()`` (which builds a new
``Corp``) empties them too without the corp knowing about them.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from scrm.wecom.simulator.endpoints import CONTACT, ApiError, endpoint
from scrm.wecom.simulator.limits import (
    MAX_INTERCEPT_RULES,
    MAX_INTERCEPT_WORD_CHARS,
)

INTERCEPT_TYPES = (1, 2)  # 1 warn and block, 2 warn only
SEMANTICS = (1, 2, 3)  # 1 mobile number, 2 email address, 3 red packet


@dataclass
class InterceptRule:
    rule_id: str
    rule_name: str
    word_list: list[str]
    intercept_type: int
    create_time: int
    semantics_list: list[int] = field(default_factory=list)
    user_list: list[str] = field(default_factory=list)
    department_list: list[int] = field(default_factory=list)


_RULES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def rules_of(sim) -> dict[str, InterceptRule]:
    """The corp's intercept rules by rule_id, in creation order (for tests and the operator)."""
    return _RULES.setdefault(sim.corp, {})


def intercepted_words(sim, userid: str, text: str) -> list[str]:
    """The rule words in ``text`` that would stop ``userid``'s message in the WeCom client."""
    user = sim.corp.users.get(userid)
    departments = set()
    for dept in user.department_ids if user else ():
        departments.update(_ancestors(sim, dept))
    hits = []
    for rule in rules_of(sim).values():
        if rule.intercept_type != 1:
            continue
        if userid in rule.user_list or departments & set(rule.department_list):
            hits.extend(w for w in rule.word_list if w in text)
    return hits


def _ancestors(sim, department_id: int) -> list[int]:
    chain, current = [], sim.corp.departments.get(department_id)
    while current is not None:
        chain.append(current.id)
        current = sim.corp.departments.get(current.parent_id) if current.parent_id else None
    return chain


def _rule(sim, req) -> InterceptRule:
    rule_id = req.field("rule_id", required=True)
    rule = rules_of(sim).get(rule_id)
    if rule is None:
        raise ApiError(40058, f"invalid rule_id {rule_id!r}: no such intercept rule")
    return rule


def _name(sim, name, exclude: str | None = None) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ApiError(40058, "rule_name may not be empty")
    if any(r.rule_name == name and r.rule_id != exclude for r in rules_of(sim).values()):
        raise ApiError(40058, f"rule_name {name!r} already exists")
    return name


def _words(value) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ApiError(40058, "word_list must list at least one word")
    for word in value:
        if not isinstance(word, str) or not 1 <= len(word) <= MAX_INTERCEPT_WORD_CHARS:
            raise ApiError(
                40058, f"invalid word_list: each word needs 1 to {MAX_INTERCEPT_WORD_CHARS} chars"
            )
    if len(set(value)) != len(value):
        raise ApiError(40058, "invalid word_list: a word is listed twice")
    return list(value)


def _type(value) -> int:
    if value not in INTERCEPT_TYPES:
        raise ApiError(40058, "intercept_type must be 1 (warn and block) or 2 (warn only)")
    return int(value)


def _semantics(value) -> list[int]:
    value = value or []
    if not isinstance(value, list) or any(v not in SEMANTICS for v in value):
        raise ApiError(40058, "semantics_list may hold only 1 (mobile), 2 (email), 3 (red packet)")
    return list(value)


def _range(sim, value, name: str) -> tuple[list[str], list[int]]:
    if value is None:
        return [], []
    if not isinstance(value, dict):
        raise ApiError(40058, f"{name} must be an object")
    users = list(value.get("user_list") or [])
    departments = list(value.get("department_list") or [])
    unknown_users = [u for u in users if u not in sim.corp.users]
    if unknown_users:
        raise ApiError(60111, f"{name}.user_list: userid not found: {unknown_users}")
    unknown = [d for d in departments if d not in sim.corp.departments]
    if unknown:
        raise ApiError(60003, f"{name}.department_list: department not found: {unknown}")
    return users, departments


@endpoint("POST", "externalcontact/add_intercept_rule", apps=CONTACT)
def add_intercept_rule(sim, req):
    rules = rules_of(sim)
    if len(rules) >= MAX_INTERCEPT_RULES:
        raise ApiError(40058, f"a corp may have at most {MAX_INTERCEPT_RULES} intercept rules")
    name = _name(sim, req.field("rule_name", required=True))
    words = _words(req.field("word_list"))
    kind = _type(req.field("intercept_type"))
    users, departments = _range(
        sim, req.field("applicable_range", required=True), "applicable_range"
    )
    if not users and not departments:
        raise ApiError(40058, "applicable_range needs a user_list or a department_list")
    rule = InterceptRule(
        sim.corp.new_id("ir"),
        name,
        words,
        kind,
        sim.clock.timestamp(),
        _semantics(req.field("semantics_list")),
        users,
        departments,
    )
    rules[rule.rule_id] = rule
    return {"rule_id": rule.rule_id}


@endpoint("GET", "externalcontact/get_intercept_rule_list", apps=CONTACT)
def get_intercept_rule_list(sim, req):
    return {
        "rule_list": [
            {"rule_id": r.rule_id, "rule_name": r.rule_name, "create_time": r.create_time}
            for r in rules_of(sim).values()
        ]
    }


@endpoint("POST", "externalcontact/get_intercept_rule", apps=CONTACT)
def get_intercept_rule(sim, req):
    rule = _rule(sim, req)
    return {
        "rule": {
            "rule_id": rule.rule_id,
            "rule_name": rule.rule_name,
            "word_list": list(rule.word_list),
            "extra_rule": {"semantics_list": list(rule.semantics_list)},
            "intercept_type": rule.intercept_type,
            "applicable_range": {
                "user_list": list(rule.user_list),
                "department_list": list(rule.department_list),
            },
        }
    }


@endpoint("POST", "externalcontact/update_intercept_rule", apps=CONTACT)
def update_intercept_rule(sim, req):
    rule = _rule(sim, req)
    # Validate everything before changing anything: a rejected update leaves the rule as it was.
    name = req.field("rule_name")
    name = rule.rule_name if name is None else _name(sim, name, exclude=rule.rule_id)
    words = req.field("word_list")
    words = rule.word_list if words is None else _words(words)
    kind = req.field("intercept_type")
    kind = rule.intercept_type if kind is None else _type(kind)
    extra = req.field("extra_rule")
    semantics = rule.semantics_list if extra is None else _semantics(extra.get("semantics_list"))
    add_users, add_depts = _range(sim, req.field("add_applicable_range"), "add_applicable_range")
    rm_users, rm_depts = _range(
        sim, req.field("remove_applicable_range"), "remove_applicable_range"
    )
    users = [u for u in dict.fromkeys(rule.user_list + add_users) if u not in rm_users]
    departments = [d for d in dict.fromkeys(rule.department_list + add_depts) if d not in rm_depts]
    if not users and not departments:
        raise ApiError(40058, "the rule would apply to nobody: keep a user or a department")
    rule.rule_name, rule.word_list, rule.intercept_type = name, list(words), kind
    rule.semantics_list, rule.user_list, rule.department_list = semantics, users, departments
    return {}


@endpoint("POST", "externalcontact/del_intercept_rule", apps=CONTACT)
def del_intercept_rule(sim, req):
    rule = _rule(sim, req)
    del rules_of(sim)[rule.rule_id]
    return {}
