"""Typed calls for WeCom's sensitive-word intercept rules (聊天敏感词 / 敏感词拦截规则).

WeCom checks what a member types in the client against these rules and stops (type 1) or
only warns about (type 2) a message containing a rule's word. WeCom's limits: at most 100
rules per corp, 300 words per rule, 1–32 characters per word, rule names up to 20 characters.
Called with the 客户联系 app's client. wechatpy 1.8 has no wrapper for any of these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from scrm.db import from_timestamp
from scrm.wecom.client import WeComClient

MAX_RULES = 100
MAX_WORDS_PER_RULE = 300
MAX_WORD_CHARS = 32
MAX_RULE_NAME_CHARS = 20
WARN_AND_BLOCK = 1  # intercept_type: the message is not sent
WARN_ONLY = 2


@dataclass(frozen=True)
class InterceptRuleSummary:
    rule_id: str
    rule_name: str
    created_at: datetime | None


@dataclass(frozen=True)
class InterceptRule:
    rule_id: str
    rule_name: str
    words: tuple[str, ...]
    intercept_type: int
    semantics: tuple[int, ...] = ()  # 1 mobile, 2 email, 3 red packet
    user_ids: tuple[str, ...] = ()
    department_ids: tuple[int, ...] = ()


def _range(user_ids: Iterable[str], department_ids: Iterable[int]) -> dict:
    return {"user_list": list(user_ids), "department_list": [int(d) for d in department_ids]}


def add_intercept_rule(
    client: WeComClient,
    name: str,
    words: Sequence[str],
    *,
    intercept_type: int = WARN_AND_BLOCK,
    user_ids: Iterable[str] = (),
    department_ids: Iterable[int] = (),
    semantics: Iterable[int] = (),
) -> str:
    """Create a rule; returns its ``rule_id``.

    :raise scrm.wecom.errors.InvalidRequest: a limit broken, an unknown member or department.
    """
    body = {
        "rule_name": name,
        "word_list": list(words),
        "intercept_type": intercept_type,
        "applicable_range": _range(user_ids, department_ids),
    }
    if semantics:
        body["semantics_list"] = list(semantics)
    return client.post("externalcontact/add_intercept_rule", data=body)["rule_id"]


def list_intercept_rules(client: WeComClient) -> list[InterceptRuleSummary]:
    """Every intercept rule of the corp, whoever made it (ours, or an admin's in 管理后台)."""
    data = client.get("externalcontact/get_intercept_rule_list")
    return [
        InterceptRuleSummary(
            r["rule_id"], r.get("rule_name", ""), from_timestamp(r.get("create_time"))
        )
        for r in data.get("rule_list", [])
    ]


def get_intercept_rule(client: WeComClient, rule_id: str) -> InterceptRule:
    """One rule with its words and range. :raise InvalidRequest: for an unknown rule."""
    r = client.post("externalcontact/get_intercept_rule", data={"rule_id": rule_id})["rule"]
    scope = r.get("applicable_range") or {}
    return InterceptRule(
        rule_id=r["rule_id"],
        rule_name=r.get("rule_name", ""),
        words=tuple(r.get("word_list") or ()),
        intercept_type=int(r.get("intercept_type", WARN_AND_BLOCK)),
        semantics=tuple((r.get("extra_rule") or {}).get("semantics_list") or ()),
        user_ids=tuple(scope.get("user_list") or ()),
        department_ids=tuple(int(d) for d in scope.get("department_list") or ()),
    )


def update_intercept_rule(
    client: WeComClient,
    rule_id: str,
    *,
    name: str | None = None,
    words: Sequence[str] | None = None,
    intercept_type: int | None = None,
    semantics: Iterable[int] | None = None,
    add_user_ids: Iterable[str] = (),
    add_department_ids: Iterable[int] = (),
    remove_user_ids: Iterable[str] = (),
    remove_department_ids: Iterable[int] = (),
) -> None:
    """Change a rule. ``words`` replaces the whole word list; the range changes by difference.

    :raise InvalidRequest: a limit broken, an unknown rule, member or department.
    """
    body: dict = {"rule_id": rule_id}
    if name is not None:
        body["rule_name"] = name
    if words is not None:
        body["word_list"] = list(words)
    if intercept_type is not None:
        body["intercept_type"] = intercept_type
    if semantics is not None:
        body["extra_rule"] = {"semantics_list": list(semantics)}
    add = _range(add_user_ids, add_department_ids)
    if add["user_list"] or add["department_list"]:
        body["add_applicable_range"] = add
    remove = _range(remove_user_ids, remove_department_ids)
    if remove["user_list"] or remove["department_list"]:
        body["remove_applicable_range"] = remove
    client.post("externalcontact/update_intercept_rule", data=body)


def delete_intercept_rule(client: WeComClient, rule_id: str) -> None:
    """Delete a rule. :raise InvalidRequest: for an unknown rule."""
    client.post("externalcontact/del_intercept_rule", data={"rule_id": rule_id})
