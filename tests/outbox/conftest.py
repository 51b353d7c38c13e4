"""Fixtures for the outbox: a small bank in the simulator, archived decisions to deliver,
and helpers that move a delivery's clock the way time would."""

from __future__ import annotations

import itertools
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from scrm.archive.chain.models import OUTBOUND, RELEASED
from scrm.archive.chain.services import append_message
from scrm.db import db, utcnow
from scrm.outbox.models import Delivery
from scrm.outbox.services import enqueue_delivery

RM = "lin.xiaomei"
CUSTOMERS = ("wmoutbox0001", "wmoutbox0002", "wmoutbox0003")


@pytest.fixture
def bank(sim):
    """晨星银行: one branch, an RM with three customers and one customer group."""
    sim.add_department(1, "晨星银行（测试）")
    sim.add_department(2, "滨江支行", parent_id=1)
    sim.add_user(RM, "林小美", [2])
    sim.add_user("chen.daming", "陳大明", [2])
    for eid, name in zip(CUSTOMERS, ["王建国", "陳美玲", "🌸小雨"], strict=True):
        sim.add_customer(eid, name)
        sim.add_follow(RM, eid)
    chat = sim.add_group_chat(RM, "理财沙龙群💰", [(CUSTOMERS[0], 2, 1), (CUSTOMERS[1], 2, 1)])
    return {"rm": RM, "customers": list(CUSTOMERS), "chat_id": chat}


def mass_message(text: str = "本周理财早报：稳健型产品净值更新，详情请咨询您的客户经理。") -> dict:
    return {
        "chat_type": "single",
        "sender": RM,
        "external_userid": list(CUSTOMERS),
        "text": {"content": text},
    }


def moment(text: str = "晨星银行｜五一假期网点营业时间调整，敬请留意🌷") -> dict:
    return {
        "text": {"content": text},
        "attachments": [
            {"msgtype": "link", "link": {"title": "营业时间", "url": "https://b.cn/x"}}
        ],
        "visible_range": {"sender_list": {"user_list": [RM]}},
    }


def app_message(text: str = "提醒：客户王建国的定期存款明天到期，请及时联系。") -> dict:
    return {"touser": RM, "msgtype": "text", "text": {"content": text}}


_keys = itertools.count(1)


@pytest.fixture
def enqueue(app):
    """``enqueue(kind, payload, key=None)`` archives the decision, queues it, commits, and
    returns the delivery id — what the gate does for a message it lets through."""

    def _enqueue(kind: str, payload: dict, key: str | None = None) -> int:
        key = key or f"test-delivery-{next(_keys)}"
        text = (payload.get("text") or {}).get("content")
        with app.app_context():
            archived = append_message(
                direction=OUTBOUND,
                channel="moments" if kind == "moment" else "single",
                origin=kind,
                sender=RM,
                msgtype="text",
                text=text,
                decision="pass",
                outcome=RELEASED,
                idempotency_key=key,
            )
            row = enqueue_delivery(
                kind, payload, idempotency_key=key, archived_message_id=archived.id
            )
            db.session.commit()
            return row.id

    return _enqueue


@pytest.fixture
def delivery(app):
    """``delivery(id)`` reads a delivery as it is now in the database."""

    def _read(delivery_id: int) -> Delivery:
        with app.app_context():
            row = db.session.get(Delivery, delivery_id)
            db.session.expunge(row)
            return row

    return _read


@pytest.fixture
def time_passes(app):
    """``time_passes()``: every claim has expired and every backoff is over, as after a
    long enough wait, without sleeping."""

    def _pass() -> None:
        with app.app_context():
            past = utcnow() - timedelta(seconds=1)
            db.session.execute(
                update(Delivery).values(next_attempt_at=past).where(Delivery.status != "sent")
            )
            db.session.execute(
                update(Delivery)
                .where(Delivery.claimed_until.is_not(None))
                .values(claimed_until=past)
            )
            db.session.commit()

    return _pass


@pytest.fixture
def accepted(sim):
    """``accepted(path)``: how many calls to ``path`` WeCom accepted (errcode 0)."""

    def _count(path: str) -> int:
        return sum(1 for call in sim.calls_to(path) if call.errcode == 0)

    return _count


@pytest.fixture
def statuses(app):
    """``statuses()``: every delivery's status, oldest first."""

    def _statuses() -> list[str]:
        with app.app_context():
            return list(db.session.scalars(select(Delivery.status).order_by(Delivery.id)))

    return _statuses


@pytest.fixture
def payloads():
    """Payload builders for each kind, in the bank's words."""
    return SimpleNamespace(mass_message=mass_message, moment=moment, app_message=app_message)
