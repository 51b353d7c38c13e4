"""WeCom tokens are shared through the database and never block the caller's transaction."""

from sqlalchemy import select

from scrm.db import db
from scrm.directory.models import Department
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import reads as api
from scrm.wecom.models import WeComToken


def test_token_fetch_inside_an_open_write_transaction_does_not_lock_up(app_ctx, sim):
    sim.add_department(1, "星河银行（演示）总行")
    # The caller has written but not committed: on SQLite it holds the write lock.
    db.session.add(Department(id=99, name="未提交的支行"))
    db.session.flush()
    departments = api.list_departments(get_client("agent"))
    assert [d.name for d in departments] == ["星河银行（演示）总行"]
    db.session.rollback()
    assert db.session.get(Department, 99) is None


def test_a_fetched_token_is_stored_for_every_process(app_ctx, sim):
    sim.add_department(1, "总行")
    api.list_departments(get_client("agent"))
    rows = db.session.scalars(select(WeComToken)).all()
    assert len(rows) == 1 and rows[0].value


def test_a_rejected_token_is_not_read_back_from_the_table(app_ctx, sim):
    sim.add_department(1, "总行")
    client = get_client("agent")
    api.list_departments(client)
    first = client.session.get(client.access_token_key)
    sim.expire_tokens()
    api.list_departments(client)  # 42001 → one refresh → success
    second = client.session.get(client.access_token_key)
    assert second and second != first
    assert len(sim.calls_to("gettoken")) == 2
