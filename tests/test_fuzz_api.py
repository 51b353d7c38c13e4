"""Every JSON API route under /api/, fuzzed: no request, however odd, gets a 500.

The routes come from ``app.url_map``, so a route added later is fuzzed without a change here.
One member of staff holds every role, so permission checks pass and the argument and body
parsers are reached. Each route gets query strings (the arguments the route was seen to read,
plus common and random ones; values: huge and negative numbers, dates far in the past and
future, control characters, Chinese, traditional, full-width and emoji) and, for writes,
JSON bodies (objects with the fields the route was seen to read, lists, wrong types, nulls),
with a valid CSRF header. The examples every route starts with are the known 500s of the
hardening issue (a millisecond time, from=0001-01-01, to=9999-12-31, before=10**23).

Bounded: ``max_examples`` per route comes from the Hypothesis profile (tests/conftest.py;
``HYPOTHESIS_PROFILE=deep SCRM_FUZZ_SECONDS=900 SCRM_FUZZ_SALT=1`` explores further),
and after ``FUZZ_SECONDS`` the routes not yet walked get only their explicit examples. Runs
against the test database (SQLite, or PostgreSQL with SCRM_TEST_DATABASE_URI).
"""

from __future__ import annotations

import json
import os
import re
import time
import traceback
import zlib
from collections import Counter, defaultdict
from urllib.parse import quote

import pytest
from flask import Request
from flask.json.provider import DefaultJSONProvider
from helpers import CSRF_HEADERS
from hypothesis import Phase, example, given, seed, settings
from hypothesis import strategies as st
from sidebar_names import LIN
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict

from scrm.archive.search.indexer import index_new_messages
from scrm.compliance.gateway import CLIENT_SEND, OutboundMessage, submit
from scrm.customers.models import CorpTag, Customer
from scrm.db import db
from scrm.directory.models import Staff
from scrm.groups.models import CustomerGroup
from scrm.payloads import BIG_ID_MAX, ID_MAX
from scrm.sidebar.models import SidebarMaterial
from scrm.sop.models import SopTemplate

#: After this many seconds the walk sends only each remaining route's explicit examples.
FUZZ_SECONDS = int(os.environ.get("SCRM_FUZZ_SECONDS", "90"))
#: Another salt explores other examples (a developer's long run); CI keeps the fixed seeds.
FUZZ_SALT = os.environ.get("SCRM_FUZZ_SALT", "")

#: The arguments and body fields each route was seen to read, filled in as the walk goes.
SEEN_ARGS: dict[str, set[str]] = {}
SEEN_FIELDS: dict[str, set[str]] = {}
_current: list[str] = [""]
#: The statuses each route answered, printed at the end: how deep the walk got.
ANSWERS: defaultdict[str, Counter] = defaultdict(Counter)

#: Names APIs commonly read, tried on every route beside those it was seen to read.
COMMON_NAMES = (
    "q from to before after limit offset day date start end id level branch status metric "
    "grain by order format mine all url staff action reason external_userid chat_id category "
    "age assignee group rm customer channel origin decision term kind text note verdict "
    "case_ids request_key phrase name filters segment_id slot target attachments tag_ids "
    "userid userids department_id message_id query cif_no method move template version "
    "selector start_date timezone replay archived_message_id handover_userid takeover_userid "
    "departed_userid external_userids include_groups confirm_reason key body title content "
    "active remark description welcome_text skip_verify customer_tag_ids chat_ids"
).split()

#: Words the APIs know (levels, formats, statuses, channels …), so enums are hit too.
WORDS = (
    "bank branch sub_branch rm group day week month top bottom json csv xlsx open closed "
    "claimed reviewed escalated search view export pass warn block single moments mine me "
    "none true false 1 0 violation false_positive needs_follow_up conversation pending added "
    "channel proposed accepted rejected active paused stopped done missed late counter "
    "mobile_sms image link miniprogram file outside_wecom no_chat"
).split()

SHANGHAI_DATES = [
    "0001-01-01",
    "9999-12-31",
    "1999-12-31",
    "2026-03-02",
    "2100-12-31",
    "2101-01-01",
    "2026-02-30",
    "2026-03-02T09:30:00+08:00",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
    "2026-W10-1",
    "20260302",
]
URLS = ["http://[x", "http://localhost/sidebar/app/", "https://例子.测试/页", "javascript:alert(1)"]
HUGE = [10**23, ID_MAX, ID_MAX + 1, BIG_ID_MAX, BIG_ID_MAX + 1, -(2**63) - 1, -1, 0]
HUGE += [1767225600123]

# Chinese, traditional, full-width, emoji, control characters, surrogates excluded (the test
# client cannot send them), quotes and operators.
odd_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(list("保本理財產品ＡＢＣ１２３０😀🎉👨‍👩‍👧\x00\x01\x1f\x7f\"'<>&%*:()")),
    ),
    max_size=30,
)
arg_text = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(SHANGHAI_DATES),
    st.sampled_from(URLS),
    st.sampled_from([str(n) for n in HUGE]),
    st.integers(min_value=-(10**6), max_value=10**6).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    odd_text,
)
json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(HUGE),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["保本\ud800", "\udfff", "跟进\x00记录"]),  # JSON may carry what no text holds
    arg_text,
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(COMMON_NAMES), inner)
    ),
    max_leaves=8,
)


class _SeenArgs(ImmutableMultiDict):
    """Query arguments that remember which names the view read."""

    def _see(self, key):
        SEEN_ARGS.setdefault(_current[0], set()).add(key)

    def get(self, key, default=None, type=None):
        self._see(key)
        return super().get(key, default, type)

    def __getitem__(self, key):
        self._see(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._see(key)
        return super().__contains__(key)

    def getlist(self, key, type=None):
        self._see(key)
        return super().getlist(key, type)


class _SeenFields(dict):
    """A JSON object body that remembers which fields the view read."""

    def _see(self, key):
        if isinstance(key, str):
            SEEN_FIELDS.setdefault(_current[0], set()).add(key)

    def get(self, key, default=None):
        self._see(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self._see(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._see(key)
        return super().__contains__(key)


class _SeenRequest(Request):
    parameter_storage_class = _SeenArgs


class _SeenJSON(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        return json.loads(s, object_pairs_hook=_SeenFields, **kwargs)


_PART = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def api_routes(app) -> list[tuple[str, str]]:
    """(method, rule) for every /api/ route."""
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


@pytest.fixture
def fuzz_bank(app, app_ctx, every_role):
    """The sidebar's bank, with 林小美 holding every role, an open review case and the archive
    indexed; returns the values each kind of path part can take."""
    submit(
        OutboundMessage(
            channel="single",
            origin="sidebar",
            sender_userid=LIN,
            text="稳赚不赔，保本保息",
            delivery_kind=CLIENT_SEND,
            recipients=["wmSidebarWangJianguo01"],
        )
    )
    db.session.commit()
    index_new_messages()
    db.session.commit()
    known = {
        "external_userid": list(db.session.scalars(select(Customer.external_userid))),
        "chat_id": list(db.session.scalars(select(CustomerGroup.chat_id))),
        "name": list(db.session.scalars(select(SopTemplate.name))) or ["salon_care"],
        "key": list(db.session.scalars(select(SidebarMaterial.key))) or ["x"],
        "userid": list(db.session.scalars(select(Staff.userid))),
        "tag_id": list(db.session.scalars(select(CorpTag.wecom_id))),
    }
    app.request_class = _SeenRequest
    app.json = _SeenJSON(app)
    return {"lin": every_role, "known": known}


def _path_part(converter: str | None, name: str, known: dict) -> st.SearchStrategy[str]:
    if converter in ("int", "bigid"):
        return st.one_of(
            st.integers(min_value=1, max_value=5), st.sampled_from(HUGE).filter(lambda n: n >= 0)
        ).map(str)
    values = known.get(name, [])
    strategies = [odd_text.filter(bool).map(lambda t: quote(t, safe=""))]
    if values:
        strategies.insert(0, st.sampled_from(values))
    return st.one_of(*strategies)


def _fill(rule: str, values: tuple[str, ...]) -> str:
    parts = iter(values)
    return _PART.sub(lambda match: next(parts), rule)


def _good_path(rule: str, known: dict) -> str:
    def fill(match):
        if match["converter"] in ("int", "bigid"):
            return "1"
        return (known.get(match["name"]) or ["x"])[0]

    return _PART.sub(fill, rule)


#: Query strings of the issue's known 500s; every route starts with each.
KNOWN_ARGS = [
    {"from": "0001-01-01"},
    {"to": "9999-12-31"},
    {"before": str(10**23)},
    {"after": str(10**23), "limit": str(10**23), "offset": str(10**23)},
    {"start": "0001-01-01", "end": "9999-12-31", "day": "9999-12-31", "date": "0001-01-01"},
]


def _plausible(known: dict) -> st.SearchStrategy:
    """Values a real request would carry: ids and names scrm holds, enum words, small ids,
    real dates, Chinese text, lists of those; so the walk gets past the first check."""
    words = st.sampled_from(sorted({v for values in known.values() for v in values} | set(WORDS)))
    leaf = st.one_of(
        words,
        words,
        st.integers(min_value=1, max_value=5),
        st.sampled_from(["2026-03-02", "2026-03-02T09:30:00+08:00"]),
        st.text(alphabet="理财保本稳健产品客户经理早上好😀ABC 123", min_size=1, max_size=20),
        st.booleans(),
    )
    return st.one_of(leaf, leaf, st.lists(leaf, min_size=1, max_size=3))


def _fuzz_route(
    client, method: str, rule: str, known: dict, *, examples: int, explicit_only: bool
) -> None:
    parts = list(_PART.finditer(rule))
    path = st.tuples(*(_path_part(m["converter"], m["name"], known) for m in parts)).map(
        lambda values: _fill(rule, values)
    )
    plausible = _plausible(known)
    seen_args = sorted(SEEN_ARGS.get(rule, set()))
    names = st.sampled_from(seen_args or COMMON_NAMES)
    query = st.dictionaries(
        st.one_of(names, names, st.sampled_from(COMMON_NAMES), odd_text),
        st.one_of(arg_text, plausible.filter(lambda v: isinstance(v, str))),
        max_size=5,
    )
    if method == "GET":
        body = st.none()
    else:
        seen = sorted(SEEN_FIELDS.get(rule, set()))
        anything = st.one_of(plausible, plausible, json_value)
        body = st.one_of(
            st.fixed_dictionaries({}, optional={name: anything for name in seen}),
            st.fixed_dictionaries({}, optional={name: anything for name in seen}),
            st.dictionaries(st.sampled_from(COMMON_NAMES), json_value, max_size=6),
            json_value,
        )
    good = _good_path(rule, known)
    body_example = {"day": "9999-12-31", "message_id": 10**23, "created": 1767225600123}

    @seed(zlib.crc32(f"{FUZZ_SALT}{method} {rule}".encode()))
    @settings(max_examples=examples, phases=(Phase.explicit,) if explicit_only else PHASES)
    @given(path=path, query=query, body=body)
    @example(path=good, query={}, body=None if method == "GET" else {})
    @example(path=good, query=KNOWN_ARGS[0], body=None if method == "GET" else body_example)
    @example(path=good, query=KNOWN_ARGS[1], body=None)
    @example(path=good, query=KNOWN_ARGS[2], body=None)
    @example(path=good, query=KNOWN_ARGS[3], body=None)
    @example(path=good, query=KNOWN_ARGS[4], body=None)
    def fuzz(path, query, body):
        _current[0] = rule
        kwargs = {"query_string": query, "headers": CSRF_HEADERS}
        if body is not None:
            kwargs["json"] = body
        response = client.open(path, method=method, **kwargs)
        ANSWERS[f"{method} {rule}"][response.status_code] += 1
        assert response.status_code < 500, (method, path, query, body, response.get_data()[:300])

    fuzz()


PHASES = tuple(phase for phase in Phase if phase != Phase.explain)


def _summary(error: BaseException) -> str:
    """Where in scrm it broke, what, and Hypothesis's smallest failing request."""
    if isinstance(error, BaseExceptionGroup):
        return "\n  ".join(_summary(e) for e in error.exceptions)
    cause = error
    while cause.__cause__ or cause.__context__:
        cause = cause.__cause__ or cause.__context__
    ours = [f for f in traceback.extract_tb(cause.__traceback__) if "/scrm/" in f.filename]
    where = f"{ours[-1].filename.split('/scrm/')[-1]}:{ours[-1].lineno}" if ours else "?"
    notes = "\n".join(n for n in getattr(error, "__notes__", []) if "Explanation" not in n)
    return f"{type(cause).__name__}: {str(cause)[:300]} at scrm/{where}\n{notes[:800]}"


@pytest.mark.timeout(FUZZ_SECONDS + 120)
def test_no_api_route_answers_500_to_any_query_or_body(app, client, fuzz_bank, sign_in_as):
    sign_in_as(fuzz_bank["lin"])
    routes = api_routes(app)
    assert len(routes) > 50  # the walk found the API
    # Two rounds: the first learns which arguments and fields each route reads, the second
    # fills them. Past the time bound, the remaining routes get only their explicit examples.
    stop_at = time.monotonic() + FUZZ_SECONDS
    failures = []
    rounds = [(10, route) for route in routes] + [(settings().max_examples, r) for r in routes]
    for examples, (method, rule) in rounds:
        try:
            explicit_only = time.monotonic() > stop_at
            _fuzz_route(
                client,
                method,
                rule,
                fuzz_bank["known"],
                examples=examples,
                explicit_only=explicit_only,
            )
        except Exception as error:  # noqa: BLE001 - every route is walked, then all are reported
            db.session.rollback()
            failures.append(f"{method} {rule}: {_summary(error)}")
    for route, statuses in sorted(ANSWERS.items()):
        print(route, dict(sorted(statuses.items())))
    assert not failures, "\n\n".join(failures)
