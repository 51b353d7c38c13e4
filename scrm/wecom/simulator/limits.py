"""WeCom's documented request limits, as one table checked before every handler runs.

A row names the endpoint, a dotted field path in the JSON body (or ``?query`` for a query
argument), and the bound. Violations answer 40058 (invalid parameter) unless the row says
otherwise, with an errmsg naming the field and the bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrm.wecom.simulator.endpoints import ApiError


@dataclass(frozen=True)
class Limit:
    path: str
    field: str
    max_items: int | None = None
    max_chars: int | None = None
    max_bytes: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    errcode: int = 40058


#: A corp may hold at most this many corp tags (企业客户标签).
MAX_CORP_TAGS = 3000
#: A corp may hold at most this many intercept rules (敏感词拦截规则), each of at most
#: MAX_INTERCEPT_WORDS words of 1 to MAX_INTERCEPT_WORD_CHARS characters.
MAX_INTERCEPT_RULES = 100
MAX_INTERCEPT_WORDS = 300
MAX_INTERCEPT_WORD_CHARS = 32

EC = "externalcontact/"

LIMITS: tuple[Limit, ...] = (
    Limit(EC + "batch/get_by_user", "userid_list", max_items=100),
    Limit(EC + "batch/get_by_user", "limit", min_value=1, max_value=100),
    Limit(EC + "remark", "remark", max_chars=20),
    Limit(EC + "remark", "description", max_chars=150),
    Limit(EC + "remark", "remark_company", max_chars=20),
    Limit(EC + "add_corp_tag", "group_name", max_chars=30),
    Limit(EC + "add_corp_tag", "tag[].name", max_chars=30),
    Limit(EC + "edit_corp_tag", "name", max_chars=30),
    Limit(EC + "mark_tag", "add_tag", max_items=100),
    Limit(EC + "mark_tag", "remove_tag", max_items=100),
    Limit(EC + "groupchat/list", "limit", min_value=1, max_value=1000),
    Limit(EC + "groupchat/list", "owner_filter.userid_list", max_items=100),
    Limit(EC + "send_welcome_msg", "text.content", max_bytes=4000),
    Limit(EC + "send_welcome_msg", "attachments", max_items=9),
    Limit(EC + "add_msg_template", "external_userid", max_items=10000),
    Limit(EC + "add_msg_template", "chat_id_list", max_items=2000),
    Limit(EC + "add_msg_template", "text.content", max_bytes=4000),
    Limit(EC + "add_msg_template", "attachments", max_items=9),
    Limit(EC + "get_groupmsg_task", "limit", min_value=1, max_value=1000),
    Limit(EC + "get_groupmsg_send_result", "limit", min_value=1, max_value=1000),
    Limit(EC + "add_moment_task", "text.content", max_chars=2000),
    Limit(EC + "add_moment_task", "attachments", max_items=9),
    Limit(EC + "add_moment_task", "visible_range.sender_list.user_list", max_items=100000),
    Limit(EC + "get_moment_task", "limit", min_value=1, max_value=1000),
    Limit(EC + "add_intercept_rule", "rule_name", max_chars=20),
    Limit(EC + "add_intercept_rule", "word_list", max_items=MAX_INTERCEPT_WORDS),
    Limit(EC + "add_intercept_rule", "word_list[]", max_chars=MAX_INTERCEPT_WORD_CHARS),
    Limit(EC + "add_intercept_rule", "applicable_range.user_list", max_items=1000),
    Limit(EC + "add_intercept_rule", "applicable_range.department_list", max_items=1000),
    Limit(EC + "update_intercept_rule", "rule_name", max_chars=20),
    Limit(EC + "update_intercept_rule", "word_list", max_items=MAX_INTERCEPT_WORDS),
    Limit(EC + "update_intercept_rule", "word_list[]", max_chars=MAX_INTERCEPT_WORD_CHARS),
    Limit("user/list_id", "limit", min_value=1, max_value=10000),
)

BY_PATH: dict[str, tuple[Limit, ...]] = {}
for _limit in LIMITS:
    BY_PATH[_limit.path] = BY_PATH.get(_limit.path, ()) + (_limit,)


def _values(body: Any, dotted: str) -> list[Any]:
    """Every value at ``dotted`` (``a.b``; ``a[].b`` walks a list); absent values skipped."""
    current = [body]
    for part in dotted.split("."):
        many = part.endswith("[]")
        key = part[:-2] if many else part
        nxt = []
        for item in current:
            if isinstance(item, dict) and key in item and item[key] is not None:
                value = item[key]
                if many and isinstance(value, list):
                    nxt.extend(value)
                else:
                    nxt.append(value)
        current = nxt
    return current


def check_limits(path: str, body: dict[str, Any]) -> None:
    """:raise ApiError: for the first documented limit ``body`` breaks."""
    for limit in BY_PATH.get(path, ()):
        for value in _values(body, limit.field):
            problem = _problem(limit, value)
            if problem:
                raise ApiError(limit.errcode, f"invalid {limit.field}: {problem}")


def _problem(limit: Limit, value: Any) -> str | None:
    if limit.max_items is not None and isinstance(value, list) and len(value) > limit.max_items:
        return f"{len(value)} items, at most {limit.max_items}"
    if limit.max_chars is not None and isinstance(value, str) and len(value) > limit.max_chars:
        return f"{len(value)} characters, at most {limit.max_chars}"
    if limit.max_bytes is not None and isinstance(value, str):
        size = len(value.encode("utf-8"))
        if size > limit.max_bytes:
            return f"{size} bytes, at most {limit.max_bytes}"
    if limit.min_value is not None or limit.max_value is not None:
        try:
            number = int(value)
        except (TypeError, ValueError):
            return "not an integer"
        if limit.min_value is not None and number < limit.min_value:
            return f"{number} is below {limit.min_value}"
        if limit.max_value is not None and number > limit.max_value:
            return f"{number} is above {limit.max_value}"
    return None
