"""Fixtures: a real database (SQLite, or PostgreSQL when ``SCRM_TEST_DATABASE_URI`` is set),
the WeCom simulator on loopback, the app, and a live server the simulator pushes callbacks to;
``sign_in_as`` for the test client; and factories (fixtures that return a function) for the
bank's departments, staff, customers, groups and sidebar content.

The schema is built once per run by the real migrations; each test then gets its own copy
(SQLite: a copy of the migrated file; PostgreSQL: the tables are emptied after each test).

A scenario the tests of one directory share (a whole bank with its people, customers and
groups) is a fixture in that directory's conftest.py, built from these factories; the two that
more than one directory uses, ``sidebar_bank`` and ``dashboard_bank``, are at the end of this
file (who is who in sidebar_names.py and dashboard_names.py). Plain values and functions test
modules import (the CSRF token, ``wait_until``, ``shanghai``) are in helpers.py.
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from dashboard_names import BEFORE, D1, D2, HALF, HIT, LI, MOVED, SUN_C, ZHANG, ZHAO_C
from dashboard_names import WANG as DASHBOARD_WANG
from helpers import CSRF_TOKEN, shanghai
from hypothesis import HealthCheck, settings
from sidebar_names import BEIJING_CUSTOMER, CUSTOMER, HQ, LEAD, LIN, SECOND, SOP_TEXT, WANG, ZHAO_BJ
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from werkzeug.serving import WSGIRequestHandler, make_server

from scrm import create_app
from scrm.archive.chain.models import INBOUND, INGESTED, OUTBOUND
from scrm.archive.chain.services import append_message
from scrm.customers.identity.models import BankCustomer, BankCustomerType, CustomerBinding
from scrm.customers.models import CorpTag, CorpTagGroup, Customer, Follow, FollowTag
from scrm.dashboards.services import compute_rm_daily_metrics
from scrm.db import Base, db, utcnow
from scrm.directory.models import ROLES, Department, Staff
from scrm.directory.services import get_staff, grant_role
from scrm.groups.models import MEMBER_CUSTOMER, MEMBER_STAFF, CustomerGroup, GroupMember
from scrm.moments.models import MomentFollowUp, MomentInteraction, MomentPost, MomentPublication
from scrm.sessions.services import open_session
from scrm.sidebar.library_yaml import SEED_FILE, import_library
from scrm.sidebar.scripts import save_material, save_script
from scrm.sop.metrics.models import GroupDailyMetric
from scrm.sop.models import GroupRoleHolder, SopAssignment, SopTask, SopTemplate
from scrm.sync.services import run_full_sync
from scrm.wecom.simulator import Simulator, SimulatorServer

CORP_ID = "wwscrm0test0corp01"
CONTACT_SECRET = "contact-secret-for-tests-only-0000000000001"
AGENT_SECRET = "agent-secret-for-tests-only-00000000000002"
AGENT_ID = 1000002
CALLBACK_TOKEN = "scrmTestToken2026"
# 43 characters, as WeCom issues them (base64 of 32 bytes without the trailing "=").
CALLBACK_AES_KEY = "c2NybS10ZXN0LWFlcy1rZXktMzItYnl0ZXMtbG9uZyE"

POSTGRES_URI = os.environ.get("SCRM_TEST_DATABASE_URI")

# Hypothesis (the fuzz tests): "ci", the default, is bounded and writes no example database
# into the checkout; HYPOTHESIS_PROFILE=deep explores longer on a developer's machine.
settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    database=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile("deep", settings.get_profile("ci"), max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _migrate(uri: str) -> None:
    from flask_migrate import upgrade

    from scrm.db import MIGRATIONS_DIR

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "TESTING": True})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """The URI of a database at the latest migration (a template file on SQLite)."""
    if POSTGRES_URI:
        _migrate(POSTGRES_URI)
        yield POSTGRES_URI
        return
    template = tmp_path_factory.mktemp("db") / "template.sqlite3"
    _migrate(f"sqlite:///{template}")
    yield str(template)


@pytest.fixture
def database_uri(migrated_database, tmp_path):
    """A database for one test, at the latest schema and empty."""
    if POSTGRES_URI:
        yield POSTGRES_URI
        _truncate_all(POSTGRES_URI)
        return
    path = tmp_path / "scrm.sqlite3"
    shutil.copyfile(migrated_database, path)
    yield f"sqlite:///{path}"


def _truncate_all(uri: str, attempts: int = 5) -> None:
    engine = create_engine(uri)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    try:
        for attempt in range(1, attempts + 1):
            try:
                with engine.begin() as conn:
                    # The archive's triggers refuse TRUNCATE, as they should for everyone but
                    # this fixture.
                    conn.execute(text("SET LOCAL session_replication_role = replica"))
                    conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                return
            except OperationalError:
                # A request a browser test left in flight may still hold a table (PostgreSQL
                # then picks the TRUNCATE as the deadlock victim): wait for it to finish.
                if attempt == attempts:
                    raise
                time.sleep(0.5 * attempt)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def simulator_server():
    """One WeCom simulator on 127.0.0.1 for the whole run; reset before every test."""
    sim = Simulator(
        CORP_ID, contact_secret=CONTACT_SECRET, agent_secret=AGENT_SECRET, agent_id=AGENT_ID
    )
    server = SimulatorServer(sim).start()
    yield server
    server.stop()


@pytest.fixture
def sim(simulator_server) -> Simulator:
    """The simulator, emptied: no corp data, no faults, no tokens, clock at real time."""
    simulator_server.simulator.reset()
    return simulator_server.simulator


@pytest.fixture
def app_config(database_uri, simulator_server, tmp_path):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-0123456789abcdef0123456789abcdef",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "WECOM_CORP_ID": CORP_ID,
        "WECOM_CONTACT_SECRET": CONTACT_SECRET,
        "WECOM_AGENT_ID": str(AGENT_ID),
        "WECOM_AGENT_SECRET": AGENT_SECRET,
        "WECOM_CALLBACK_TOKEN": CALLBACK_TOKEN,
        "WECOM_CALLBACK_AES_KEY": CALLBACK_AES_KEY,
        "WECOM_API_BASE": simulator_server.api_base,
        "WECOM_RETRY_BACKOFF": 0.01,
        "WECOM_HTTP_TIMEOUT": 5,
        "INBOX_RETRY_BACKOFF": 0,
        # Every test gets a new app and engine; without a pool no connection outlives its use,
        # even one a live-server thread hands back after the test's engine was disposed.
        "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool} if POSTGRES_URI else {},
    }


@pytest.fixture
def app(app_config, sim):
    app = create_app(app_config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class _OneRequestPerConnection(WSGIRequestHandler):
    protocol_version = "HTTP/1.0"


class LiveServer:
    def __init__(self, app):
        # HTTP/1.0: one request per connection, so no thread waits on a browser's idle
        # keep-alive socket past the end of a test (and returns its database connection late).
        self._server = make_server(
            "127.0.0.1", 0, app, threaded=True, request_handler=_OneRequestPerConnection
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@pytest.fixture
def live_server(app, sim):
    """The app served over HTTP; the simulator pushes its callbacks here."""
    server = LiveServer(app).start()
    sim.pusher.configure(
        url=server.url + "/wecom/callback", token=CALLBACK_TOKEN, aes_key=CALLBACK_AES_KEY
    )
    yield server
    server.stop()


# ---- signing in ------------------------------------------------------------------------------


@pytest.fixture
def sign_in_as(client):
    """``sign_in_as(staff)`` signs the test client in as a member of staff (a ``Staff``, or a
    userid scrm knows) and returns the CSRF token API writes send (helpers.CSRF_HEADERS);
    ``sign_in_as(None)`` signs it out (the session keeps only the token). Every call starts a
    new session, as a real sign-in does: a committed ``web_session`` row (other threads and
    test clients see it) named by the cookie. ``client=`` signs another test client in."""

    def sign_in_as(staff: Staff | str | None, *, client=client) -> str:
        if isinstance(staff, str):
            userid, staff = staff, get_staff(staff)
            if staff is None:
                raise LookupError(f"no member of staff {userid!r} in scrm; create or sync first")
        session_id = None
        if staff is not None:
            session_id = open_session(staff.id)
            db.session.commit()
        with client.session_transaction() as session:
            session.clear()
            session["csrf_token"] = CSRF_TOKEN
            if session_id is not None:
                session["sid"] = session_id
                session.permanent = True
        return CSRF_TOKEN

    return sign_in_as


# ---- factories -------------------------------------------------------------------------------
# Each factory writes rows in the test's app context and flushes (so ids are known); the test
# or the scenario fixture commits. ``in_wecom=True`` also adds the department or member to the
# WeCom simulator, for tests that sign in through it.


def _id_of(row_or_id):
    return getattr(row_or_id, "id", row_or_id)


@pytest.fixture
def create_department(sim):
    """``create_department(id, name, parent=None, *, in_wecom=False)`` → ``Department``;
    ``parent`` is a ``Department`` or its id. Depth 1 is HQ, 2 a branch, 3+ a sub-branch."""

    def create_department(
        id: int, name: str, parent: Department | int | None = None, *, in_wecom: bool = False
    ) -> Department:
        department = Department(id=id, name=name, parent_id=_id_of(parent))
        db.session.add(department)
        db.session.flush()
        if in_wecom:
            sim.add_department(id, name, parent_id=department.parent_id)
        return department

    return create_department


@pytest.fixture
def create_staff(sim):
    """``create_staff(userid, name="", department=None, *, roles=(), in_wecom=False, **fields)``
    → ``Staff`` holding ``roles`` (scrm roles: rm, branch_lead, compliance, hq_ops, admin);
    ``fields`` are further ``Staff`` columns (``is_follow_user``, ``status``, …)."""

    def create_staff(
        userid: str,
        name: str = "",
        department: Department | int | None = None,
        *,
        roles: Iterable[str] = (),
        in_wecom: bool = False,
        **fields: Any,
    ) -> Staff:
        staff = Staff(userid=userid, name=name, department_id=_id_of(department), **fields)
        db.session.add(staff)
        db.session.flush()
        for role in roles:
            grant_role(staff, role)
        if in_wecom:
            sim.add_user(userid, name, [staff.department_id])
        return staff

    return create_staff


@pytest.fixture
def create_tag():
    """``create_tag(group, name)`` → the corp tag (企业标签) ``name`` in the tag group called
    ``group``, each created on first use with a made-up WeCom id."""
    numbers = itertools.count(1)

    def create_tag(group: str, name: str) -> CorpTag:
        tag_group = db.session.scalar(select(CorpTagGroup).where(CorpTagGroup.name == group))
        if tag_group is None:
            tag_group = CorpTagGroup(wecom_id=f"etTestGroup{next(numbers):04d}", name=group)
            db.session.add(tag_group)
            db.session.flush()
        tag = db.session.scalar(
            select(CorpTag).where(CorpTag.group_id == tag_group.id, CorpTag.name == name)
        )
        if tag is None:
            tag = CorpTag(wecom_id=f"etTestTag{next(numbers):04d}", group=tag_group, name=name)
            db.session.add(tag)
            db.session.flush()
        return tag

    return create_tag


@pytest.fixture
def create_follow(create_tag):
    """``create_follow(customer, staff, *, tags=(), **fields)`` → the ``Follow`` of ``staff``
    serving ``customer``; ``tags`` are ``CorpTag`` rows or ``"group/name"`` (see create_tag);
    ``fields`` are further ``Follow`` columns (``followed_at``, ``status``, ``remark``, …)."""

    def create_follow(
        customer: Customer, staff: Staff, *, tags: Iterable[CorpTag | str] = (), **fields: Any
    ) -> Follow:
        follow = Follow(customer_id=customer.id, staff_id=staff.id, **fields)
        db.session.add(follow)
        db.session.flush()
        for tag in tags:
            if isinstance(tag, str):
                tag = create_tag(*tag.split("/", 1))
            db.session.add(
                FollowTag(
                    follow_id=follow.id,
                    tag_key=tag.wecom_id,
                    corp_tag_id=tag.id,
                    group_name=tag.group.name,
                    tag_name=tag.name,
                )
            )
        db.session.flush()
        return follow

    return create_follow


@pytest.fixture
def create_customer(create_follow):
    """``create_customer(external_userid, name="", *, followed_by=(), tags=(), **fields)`` →
    ``Customer`` (外部联系人) served by each member of staff in ``followed_by``, with ``tags`` on
    each of those follows (see create_follow); ``fields`` are further ``Customer`` columns."""

    def create_customer(
        external_userid: str,
        name: str = "",
        *,
        followed_by: Iterable[Staff] = (),
        tags: Iterable[CorpTag | str] = (),
        **fields: Any,
    ) -> Customer:
        customer = Customer(external_userid=external_userid, name=name, **fields)
        db.session.add(customer)
        db.session.flush()
        for staff in followed_by:
            create_follow(customer, staff, tags=tags)
        return customer

    return create_customer


@pytest.fixture
def create_bank_customer():
    """``create_bank_customer(cif_no, name="", *, types=(), bound_to=None, method="counter",
    verified_by=None, **fields)`` → ``BankCustomer`` (the core system's 客户号) holding
    ``types`` (payroll, mortgage, …), bound to the ``Customer`` ``bound_to`` (or its
    external_userid) when given; ``fields`` are further columns (tier, aum_band, …)."""

    def create_bank_customer(
        cif_no: str,
        name: str = "",
        *,
        types: Iterable[str] = (),
        bound_to: Customer | str | None = None,
        method: str = "counter",
        verified_by: Staff | None = None,
        **fields: Any,
    ) -> BankCustomer:
        bank_customer = BankCustomer(
            cif_no=cif_no, name=name, types=[BankCustomerType(type=t) for t in types], **fields
        )
        db.session.add(bank_customer)
        db.session.flush()
        if bound_to is not None:
            if isinstance(bound_to, str):
                bound_to = db.session.scalar(
                    select(Customer).where(Customer.external_userid == bound_to)
                )
            db.session.add(
                CustomerBinding(
                    customer_id=bound_to.id,
                    bank_customer_id=bank_customer.id,
                    method=method,
                    verified_by_staff_id=_id_of(verified_by),
                )
            )
            db.session.flush()
        return bank_customer

    return create_bank_customer


@pytest.fixture
def create_group():
    """``create_group(owner, name, *, chat_id=None, members=(), **fields)`` → an open
    ``CustomerGroup`` (客户群) owned by ``owner``; ``members`` are ``Staff``, ``Customer`` or
    external userids; ``fields`` are further columns (``created_at``, ``status``, …)."""
    numbers = itertools.count(1)

    def create_group(
        owner: Staff,
        name: str,
        *,
        chat_id: str | None = None,
        members: Iterable[Staff | Customer | str] = (),
        **fields: Any,
    ) -> CustomerGroup:
        chat_id = chat_id or f"wrOgQhDgAA{next(numbers):06d}"
        group = CustomerGroup(chat_id=chat_id, name=name, owner_id=owner.id, **fields)
        db.session.add(group)
        db.session.flush()
        for member in members:
            if isinstance(member, Staff):
                userid, kind = member.userid, MEMBER_STAFF
            else:
                userid, kind = getattr(member, "external_userid", member), MEMBER_CUSTOMER
            db.session.add(GroupMember(group_id=group.id, member_userid=userid, member_type=kind))
        db.session.flush()
        return group

    return create_group


@pytest.fixture
def create_script():
    """``create_script(key, body, *, category="开场问候", title=None, by="zong.yunying", **fields)``
    → a sidebar script (话术) saved as HQ ops save it (``product_name``, ``material_key``,
    ``order``, ``active`` as further fields)."""

    def create_script(
        key: str,
        body: str,
        *,
        category: str = "开场问候",
        title: str | None = None,
        by: str = "zong.yunying",
        **fields: Any,
    ):
        data = {"key": key, "category": category, "title": title or key, "body": body}
        return save_script(data | fields, by=by)

    return create_script


@pytest.fixture
def create_material():
    """``create_material(key, kind, content, *, category="产品资料", title=None,
    by="zong.yunying")`` → a sidebar material (素材: image, link, miniprogram or file) saved as
    HQ ops save it; ``content`` carries the kind's fields (a link: link, title, …)."""

    def create_material(
        key: str,
        kind: str,
        content: Mapping[str, Any],
        *,
        category: str = "产品资料",
        title: str | None = None,
        by: str = "zong.yunying",
    ):
        data = {"key": key, "kind": kind, "category": category, "title": title or key}
        return save_material(data | {"content": dict(content)}, by=by)

    return create_material


@pytest.fixture
def sync_from_wecom(app_ctx):
    """``sync_from_wecom(roles={userid: role or roles})`` runs the full sync from the simulator
    (departments, staff, tags, customers, groups), then grants the scrm roles WeCom knows
    nothing of; returns the staff by userid. The caller commits."""

    def sync_from_wecom(roles: Mapping[str, str | Iterable[str]] | None = None) -> dict:
        run_full_sync()
        staff = {s.userid: s for s in db.session.scalars(select(Staff))}
        for userid, held in (roles or {}).items():
            for role in [held] if isinstance(held, str) else held:
                grant_role(staff[userid], role)
        return staff

    return sync_from_wecom


# ---- scenarios more than one test directory uses ---------------------------------------------

SIDEBAR_BRANCHES = Path(__file__).resolve().parent / "sidebar" / "branches.yaml"


@pytest.fixture
def sidebar_bank(app_ctx, sim, sync_from_wecom, create_bank_customer) -> dict:
    """The bank the sidebar tests share (names in sidebar_names.py): 上海分行 with two RMs in
    陆家嘴支行, its branch lead, HQ ops and 北京分行's RM; corp tags, customers, groups and a CIF
    binding in the WeCom simulator, synced into scrm; the seed script library with the branch
    addresses; today's SOP to-do in 林小美's group; and archived chats in both directions."""
    sim.add_department(1, "星河银行")
    sim.add_department(2, "上海分行", parent_id=1)
    sim.add_department(3, "陆家嘴支行", parent_id=2)
    sim.add_department(4, "北京分行", parent_id=1)
    sim.add_user(LIN, "林小美", [3])
    sim.add_user(WANG, "王建国", [3])
    sim.add_user(ZHAO_BJ, "赵北京", [4])
    sim.add_user(LEAD, "陈行长", [2], follow=False)
    sim.add_user(HQ, "宗运营", [1], follow=False)
    _, level = sim.add_tag_group("客户等级", ["高净值", "潛力客戶"])
    _, interest = sim.add_tag_group("兴趣偏好", ["基金", "保险", "黄金🥇"])
    sim.add_customer(CUSTOMER, "王建國🌸", gender=1)
    sim.add_customer(SECOND, "张阿姨", gender=2)
    sim.add_customer(BEIJING_CUSTOMER, "李女士", gender=2)
    sim.add_follow(LIN, CUSTOMER, remark="王总", state="ch_lujiazui_2026", tag_ids=[interest[0]])
    sim.add_follow(WANG, CUSTOMER, tag_ids=[level[1]])
    sim.add_follow(LIN, SECOND)
    sim.add_follow(ZHAO_BJ, BEIJING_CUSTOMER)
    chat_id = sim.add_group_chat(LIN, "陆家嘴·理财沙龙群", [(CUSTOMER, 2, 3), (SECOND, 2, 1)])
    beijing_chat = sim.add_group_chat(ZHAO_BJ, "北京·新客群", [(BEIJING_CUSTOMER, 2, 1)])
    staff = sync_from_wecom(roles={LEAD: "branch_lead", HQ: "hq_ops"})
    create_bank_customer(
        "C20260009876",
        "王建國",
        tier="private",
        aum_band="6m_30m",
        risk_level="C3",
        bound_to=CUSTOMER,
        verified_by=staff[LIN],
    )
    import_library(SEED_FILE, by=HQ)
    import_library(SIDEBAR_BRANCHES, by=HQ)
    group = db.session.scalar(select(CustomerGroup).where(CustomerGroup.chat_id == chat_id))
    task = _sop_todo_today(group, staff[LIN])
    for sender, to, words in (
        (CUSTOMER, LIN, "林经理，上次说的大额存单还有额度吗？"),
        (LIN, CUSTOMER, "王总您好，三年期大额存单还有额度，我把办理步骤发您。"),
        (LIN, SECOND, "张阿姨您好，您的借记卡快到期了。"),
        (WANG, CUSTOMER, "王先生您好，我是王建国。"),
    ):
        append_message(
            direction="inbound" if sender.startswith("wm") else "outbound",
            channel="single",
            origin="conversation_archive",
            sender=sender,
            msgtype="text",
            text=words,
            decision="pass",
            outcome="ingested",
            recipients=[to],
        )
    db.session.commit()
    return {
        "staff": staff,
        "level": level,
        "interest": interest,
        "chat_id": chat_id,
        "beijing_chat": beijing_chat,
        "task_id": task.id,
    }


def _sop_todo_today(group: CustomerGroup, rm: Staff) -> SopTask:
    """A to-do of today's morning brief for ``rm`` as the group's 理财经理, due 5 minutes ago."""
    step = {
        "id": "morning_brief",
        "key": "salon_care/morning_brief",
        "role": "理财经理",
        "mode": "todo",
        "trigger": {"type": "day", "day": 1, "time": "09:00"},
        "content": {"text": SOP_TEXT},
        "grace_minutes": 24 * 60,
        "locked": False,
    }
    template = SopTemplate(
        name="salon_care",
        version=1,
        title="理财沙龙群陪伴",
        roles=["群主", "理财经理"],
        steps=[step],
        locked_steps=[],
        source_file="sop_templates/salon_care.yaml",
        content_hash="0" * 64,
    )
    now = utcnow()
    assignment = SopAssignment(group=group, template=template, start_date=now.date())
    db.session.add(GroupRoleHolder(group_id=group.id, role="理财经理", staff_id=rm.id))
    task = SopTask(
        assignment=assignment,
        group_id=group.id,
        step_key=step["key"],
        occurrence=now.strftime("%Y-%m-%dT%H:%M"),
        due_at=now - timedelta(minutes=5),
        mode="todo",
        role="理财经理",
        assignee_id=rm.id,
    )
    db.session.add(task)
    db.session.flush()
    return task


# group → day → members, joins, leaves, active_speakers, messages, sop_due, sop_on_time,
# sop_late, sop_missed, checkins
DASHBOARD_GROUP_DAYS = {
    "陆家嘴·理财沙龙群🎉": {
        D1: (10, 3, 1, 2, 5, 2, 1, 0, 1, 4),
        D2: (12, 2, 0, 0, 0, 1, 1, 0, 0, 0),
    },
    "陆家嘴·代發薪客戶群": {
        D1: (20, 0, 2, 1, 3, 0, 0, 0, 0, 0),
        D2: (19, 1, 2, 0, 0, 1, 0, 1, 0, 2),
    },
    "静安·新客欢迎群": {D1: (8, 1, 0, 0, 0, 1, 0, 0, 1, 0), D2: (9, 1, 0, 3, 7, 0, 0, 0, 0, 1)},
    "分行本部·ＶＩＰ群": {D1: (5, 0, 0, 1, 1, 0, 0, 0, 0, 0), D2: (5, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
    "朝阳·财富沙龙": {D1: (30, 5, 1, 4, 9, 2, 2, 0, 0, 3), D2: (33, 3, 0, 0, 0, 0, 0, 0, 0, 0)},
}
DASHBOARD_COLUMNS = (
    "members",
    "joins",
    "leaves",
    "active_speakers",
    "messages",
    "sop_due",
    "sop_on_time",
    "sop_late",
    "sop_missed",
    "checkins",
)


@pytest.fixture
def dashboard_bank(
    app_ctx, create_department, create_staff, create_group, create_customer, create_follow
) -> dict:
    """A small bank for the dashboards (names in dashboard_names.py), written straight to the
    database, with the RMs' daily metrics computed for D1 and D2.

    星河银行 (1) → 上海分行 (2) → 陆家嘴支行 (3) and 静安支行 (5); 北京分行 (4) → 朝阳支行 (6).
    林小美 (陆家嘴) runs two groups, 吴静安 (静安) one, 孙本部 sits in the 上海分行 office with
    one, 赵北京 (朝阳) one. Two days of group metrics (Monday D1, Tuesday D2), follows, central
    moments, likes and comments, follow-ups, and 1v1 chats read from the conversation archive.
    Returns the people by key (lin, wu, sun, zhao, lead, beijing_lead, hq, admin, compliance)
    and ``groups`` by name.
    """
    for number, name, parent in (
        (1, "星河银行", None),
        (2, "上海分行", 1),
        (3, "陆家嘴支行", 2),
        (4, "北京分行", 1),
        (5, "静安支行", 2),
        (6, "朝阳支行", 4),
    ):
        create_department(number, name, parent)
    bank: dict = {}
    for key, userid, name, department, role in (
        ("lin", "lin.xiaomei", "林小美", 3, "rm"),
        ("wu", "wu.jingan", "吴静安", 5, "rm"),
        ("sun", "sun.benbu", "孙本部", 2, "rm"),
        ("zhao", "zhao.bj", "赵北京", 6, "rm"),
        ("lead", "chen.hang", "陈行长", 2, "branch_lead"),
        ("beijing_lead", "qian.bj", "钱行长", 4, "branch_lead"),
        ("hq", "zong.yunying", "宗运营", 1, "hq_ops"),
        ("admin", "guan.li", "管理员", 1, "admin"),
        ("compliance", "he.gui", "何合规", 1, "compliance"),
    ):
        bank[key] = create_staff(userid, name, department, roles=[role])
    owners = {"陆家嘴": "lin", "静安": "wu", "分行本部": "sun", "朝阳": "zhao"}
    bank["groups"] = {
        name: create_group(bank[owners[name.split("·")[0]]], name, chat_id=f"wrDash{number:04d}")
        for number, name in enumerate(DASHBOARD_GROUP_DAYS, start=1)
    }
    _dashboard_group_metrics(bank)
    customers: dict[str, Customer] = {}

    def follow(staff, external_userid, since, *, status="active", removed=None) -> None:
        if external_userid not in customers:
            customers[external_userid] = create_customer(external_userid, external_userid[2:6])
        create_follow(
            customers[external_userid],
            staff,
            followed_at=since,
            status=status,
            removed_at=removed,
        )

    lin, wu, zhao = bank["lin"], bank["wu"], bank["zhao"]
    follow(lin, DASHBOARD_WANG, shanghai(BEFORE, 10))
    follow(lin, LI, shanghai(D1, 10))
    follow(lin, ZHANG, shanghai(BEFORE, 11), status="deleted_by_customer", removed=shanghai(D2, 9))
    follow(lin, HALF, shanghai(BEFORE, 12), status="half")
    follow(wu, ZHAO_C, shanghai(BEFORE, 10))
    follow(wu, MOVED, shanghai(BEFORE, 10), status="transferred", removed=shanghai(D1, 12))
    follow(zhao, SUN_C, shanghai(BEFORE, 10))
    _dashboard_moments(bank)
    _dashboard_conversations(bank)
    db.session.commit()
    for day in (D1, D2):
        compute_rm_daily_metrics(day)
    db.session.commit()
    return bank


def _dashboard_group_metrics(bank: dict) -> None:
    """The groups' daily metrics, as the SOP metrics job would have stored them."""
    for name, days in DASHBOARD_GROUP_DAYS.items():
        group = bank["groups"][name]
        owner = db.session.get(Staff, group.owner_id)
        for day, numbers in days.items():
            db.session.add(
                GroupDailyMetric(
                    group_id=group.id,
                    day=day,
                    owner_id=owner.id,
                    department_id=owner.department_id,
                    **dict(zip(DASHBOARD_COLUMNS, numbers, strict=True)),
                )
            )
    db.session.flush()


def _dashboard_moments(bank: dict) -> None:
    """Central moments on D1 and D2, their likes and comments, and the follow-ups."""
    lin, wu, zhao = bank["lin"], bank["wu"], bank["zhao"]
    for day, published in ((D1, (lin, zhao)), (D2, (lin,))):
        post = MomentPost(
            day=day,
            slot=1,
            text="🌸 春季理财节：稳健型产品专场，欢迎咨询您的客户经理",
            status="publishing",
            moment_id=f"mom{day:%m%d}",
            created_by="zong.yunying",
        )
        db.session.add(post)
        db.session.flush()
        for staff in (lin, wu, zhao):
            db.session.add(
                MomentPublication(post_id=post.id, staff_id=staff.id, published=staff in published)
            )
    for staff, customer, kind, at in (
        (lin, DASHBOARD_WANG, "like", shanghai(D1, 11)),
        (lin, LI, "like", shanghai(D1, 12)),
        (lin, DASHBOARD_WANG, "comment", shanghai(D1, 12, 30)),
        (lin, LI, "comment", shanghai(D2, 8)),
        (zhao, SUN_C, "like", shanghai(D1, 23, 59)),
    ):
        db.session.add(
            MomentInteraction(
                moment_id="mom0302",
                staff_userid=staff.userid,
                external_userid=customer,
                kind=kind,
                created_at=at,
            )
        )
    db.session.add_all(
        [
            MomentFollowUp(
                moment_id="mom0302",
                staff_id=lin.id,
                external_userid=DASHBOARD_WANG,
                status="done",
                created_at=shanghai(D1, 12, 31),
                done_at=shanghai(D1, 15),
                done_how="messaged",
            ),
            MomentFollowUp(
                moment_id="mom0302",
                staff_id=lin.id,
                external_userid=LI,
                status="open",
                created_at=shanghai(D2, 8, 1),
            ),
        ]
    )
    db.session.flush()


def _archived_chat(sender: str, to: str, at, text_: str, *, hits=(), room: str = "") -> None:
    """A message read back from WeCom's conversation archive."""
    customer_sends = sender.startswith("wm")
    append_message(
        direction=INBOUND if customer_sends else OUTBOUND,
        channel="group" if room else "single",
        origin="conversation_archive",
        sender=sender,
        msgtype="text",
        text=text_,
        decision="warn" if hits else "pass",
        outcome=INGESTED,
        recipients=[] if room else [to],
        chat_ids=[room] if room else [],
        hits=hits,
        wecom_msgid=f"msg-{sender}-{at.timestamp():.0f}",
        sent_at=at,
    )


def _dashboard_conversations(bank: dict) -> None:
    """林小美 answers 王先生 in 3, 10 and 45 minutes on Monday and 李女士 in 30 minutes
    across midnight; 吴静安 writes to 王先生 too, which answers nothing of 林小美's."""
    chat, wang = _archived_chat, DASHBOARD_WANG
    lin, wu = bank["lin"].userid, bank["wu"].userid
    old = D1 - timedelta(days=4)
    chat(wang, lin, shanghai(old, 10), "上周那笔理财还没到账")  # too old: beyond 72 hours
    chat(wang, lin, shanghai(D1, 9), "你好，请问我的理财到期了吗？")
    chat(wang, lin, shanghai(D1, 9, 2), "麻烦看一下")  # still waiting since 09:00
    chat(wu, wang, shanghai(D1, 9, 1), "王先生您好，我是静安支行的小吴")
    chat(lin, wang, shanghai(D1, 9, 3), "王先生您好，已到期，本金和收益已到账")
    chat(wang, lin, shanghai(D1, 10), "好的，那新产品有哪些？")
    chat(lin, wang, shanghai(D1, 10, 10), "稍后发您产品说明书")
    chat(lin, wang, shanghai(D1, 10, 11), "这款保本保收益，年化4%", hits=HIT)  # unprompted
    chat(wang, lin, shanghai(D1, 14), "说明书收到了，风险等级是？")
    chat(lin, wang, shanghai(D1, 14, 45), "R2 稳健型")
    chat(LI, lin, shanghai(D1, 23, 50), "林经理，明天能办理吗？")
    chat(lin, LI, shanghai(D2, 0, 20), "可以的，明早九点网点见")
    room = bank["groups"]["静安·新客欢迎群"].chat_id
    chat(wu, "", shanghai(D1, 16), "本产品保本保收益", hits=HIT, room=room)
    chat(wu, "", shanghai(D1, 16, 5), "欢迎各位新朋友", room=room)
    chat(wu, "", shanghai(D2, 9), "早上好", room=room)
    db.session.flush()


@pytest.fixture
def every_role(sidebar_bank) -> Staff:
    """林小美 of the sidebar's bank, holding every scrm role: every /api/ route lets her in, so
    a test reaches each route's own checks (the input tests and the API fuzz use her)."""
    lin = sidebar_bank["staff"][LIN]
    for role in ROLES:
        if role not in lin.role_names:
            grant_role(lin, role)
    db.session.commit()
    return lin
