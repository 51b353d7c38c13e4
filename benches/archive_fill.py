"""Realistic archive rows for bench_archive: a bank of branches, RMs, customers and groups,
and Chinese banking chat generated from templates and vocabulary, bulk-loaded into the archive
with its real hash chain (executemany on SQLite, COPY on PostgreSQL)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, text

from scrm.archive.chain.hashing import GENESIS_HASH, content_hash
from scrm.archive.chain.models import ArchiveHead
from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.groups.models import CustomerGroup

BRANCHES = 50
SUB_BRANCHES = 4  # per branch
RMS = 1000
CUSTOMERS_PER_RM = 50
HIT_SHARE = 0.03
DAYS = 30
END = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)

NAMES = "王女士 李先生 张总 陈阿姨 刘老师 赵经理 孙小姐 周先生 吴女士 郑总".split()
PRODUCTS = (
    "稳健系列 天天利 朝朝宝 季季红 养老理财 大额存单 国债逆回购 黄金积存 基金定投 "
    "信用卡分期 个人消费贷 外币理财 结构性存款 同业存单指数基金 现金管理类产品"
).split()
DETAILS = (
    "起购金额一万元 风险等级R2 期限九十天 详情请看附件 过往业绩不代表未来表现 "
    "今天下午三点截止 额度有限 可以在手机银行购买 需要先做风险评估 到期自动赎回"
).split()
TOPICS = "存款利率 保险规划 子女教育金 养老规划 税收优惠 房贷提前还款 外汇汇率 基金净值".split()
PLACES = "陆家嘴支行 南京西路支行 徐家汇支行 静安寺支行 五角场支行".split()
EMOJI = ["📈", "🧧", "😀", "👍", "🌹", ""]
OUTBOUND_TEMPLATES = (
    "{name}您好，本周{product}开放申购，{detail}。{emoji}",
    "{name}，{product}的七日年化是{rate}%，{detail}。",
    "{name}您好，明天{hour}点在{place}等您，带上身份证原件。",
    "您关注的{product}今天开放，产品代码{code}，{detail}。",
    "{name}早上好{emoji} 今天的市场速递：{topic}有新变化，{product}净值稳定。",
    "過往業績不代表未來表現，投資需謹慎。{product}詳情請看附件。",
    "ＡＢＣ银行提醒：{topic}相关业务请到{place}办理{emoji}",
)
INBOUND_TEMPLATES = (
    "请问{product}现在还能买吗？",
    "{product}赎回几天到账？",
    "我想了解一下{topic}{emoji}",
    "好的，谢谢{emoji}",
    "產品代碼{code}的收益怎麼樣？",
    "明天{hour}点我去{place}办{topic}",
)
HITS = (
    ("保本保息，{product}稳赚不赔！", "guaranteed_return", "保本", "block"),
    ("{product}零风险高收益，收益率保证{rate}%", "guaranteed_return", "零风险", "block"),
    ("{product}保证收益，{detail}", "guaranteed_return", "保证收益", "warn"),
    ("这是内部消息，{product}肯定涨", "misleading", "内部消息", "warn"),
)


def seed_bank(groups: int) -> dict:
    """HQ, 50 branches of 4 sub-branches, 1,000 RMs and ``groups`` customer groups."""
    db.session.add(Department(id=1, name="星河银行"))
    db.session.flush()
    branches = list(range(100, 100 + BRANCHES))
    db.session.execute(
        insert(Department), [{"id": b, "name": f"第{b - 99}分行", "parent_id": 1} for b in branches]
    )
    subs = [1000 + b * 10 + k for b in branches for k in range(SUB_BRANCHES)]
    db.session.execute(
        insert(Department),
        [{"id": s, "name": f"支行{s}", "parent_id": (s - 1000) // 10} for s in subs],
    )
    rms = [f"rm{n:04d}" for n in range(RMS)]
    db.session.execute(
        insert(Staff),
        [{"userid": u, "name": f"客户经理{n}", "department_id": subs[n % len(subs)]}
         for n, u in enumerate(rms)],
    )  # fmt: skip
    staff_ids = dict(db.session.execute(text("SELECT userid, id FROM staff")).all())
    chats = [f"wrBench{n:07d}" for n in range(groups)]
    for first in range(0, groups, 5000):
        db.session.execute(
            insert(CustomerGroup),
            [{"chat_id": c, "name": f"理财客户群{n:05d}", "owner_id": staff_ids[rms[n % RMS]]}
             for n, c in enumerate(chats[first : first + 5000], first)],
        )  # fmt: skip
    db.session.commit()
    return {"branches": branches, "subs": subs, "rms": rms, "chats": chats, "staff": staff_ids}


METRIC_COLUMNS = (
    "group_id day owner_id department_id members joins leaves active_speakers messages sop_due "
    "sop_on_time sop_late sop_missed checkins computed_at"
).split()


def seed_metrics(bank: dict, last_day: date) -> int:
    """``DAYS`` days of group metrics for every group (what the clock would have stored)."""
    group_ids = db.session.execute(text("SELECT id, owner_id FROM customer_group")).all()
    departments = dict(db.session.execute(text("SELECT id, department_id FROM staff")).all())
    rng, rows = random.Random(7), 0
    for back in range(DAYS):
        day = last_day - timedelta(days=back)
        batch = []
        for group_id, owner in group_ids:
            due = rng.randint(0, 3)
            on_time = rng.randint(0, due)
            batch.append(
                {"group_id": group_id, "day": day, "owner_id": owner,
                 "department_id": departments[owner], "members": rng.randint(20, 480),
                 "joins": rng.randint(0, 5), "leaves": rng.randint(0, 3),
                 "active_speakers": rng.randint(0, 40), "messages": rng.randint(0, 300),
                 "sop_due": due, "sop_on_time": on_time, "sop_late": (due - on_time) // 2,
                 "sop_missed": due - on_time - (due - on_time) // 2,
                 "checkins": rng.randint(0, 30), "computed_at": END}
            )  # fmt: skip
        bulk_insert("group_daily_metric", METRIC_COLUMNS, batch)
        rows += len(batch)
    db.session.commit()
    return rows


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        name=rng.choice(NAMES), product=rng.choice(PRODUCTS), detail=rng.choice(DETAILS),
        topic=rng.choice(TOPICS), place=rng.choice(PLACES), emoji=rng.choice(EMOJI),
        rate=f"{rng.randint(15, 80) / 10:.1f}", hour=rng.randint(9, 17),
        code=f"{rng.randint(0, 999999):06d}",
    )  # fmt: skip


def messages(count: int, bank: dict, seed: int = 1) -> Iterator[dict]:
    """``count`` archived-message rows with ids 1…count over the last ``DAYS`` days."""
    rng = random.Random(seed)
    rms, chats = bank["rms"], bank["chats"]
    step = timedelta(days=DAYS) / count
    start = END - timedelta(days=DAYS)
    for n in range(1, count + 1):
        rm_index = rng.randrange(RMS)
        rm = rms[rm_index]
        customer = f"wm{rm_index:04d}{rng.randrange(CUSTOMERS_PER_RM):03d}c"
        roll = rng.random()
        channel = "group" if roll < 0.6 else "single" if roll < 0.98 else "moments"
        inbound = channel != "moments" and rng.random() < 0.4
        hits, decision = [], "pass"
        if rng.random() < HIT_SHARE:
            template, category, term, action = rng.choice(HITS)
            body = _fill(template, rng)
            at = body.find(term)
            if at >= 0:
                hits = [{"kind": "lexicon", "category": category, "term": term,
                         "action": action, "start": at, "end": at + len(term),
                         "matched": term, "aligned": True}]  # fmt: skip
                decision = action
        else:
            body = _fill(rng.choice(INBOUND_TEMPLATES if inbound else OUTBOUND_TEMPLATES), rng)
        created = start + step * n
        if inbound:
            origin, outcome, sender = "conversation_archive", "ingested", customer
            recipients = [rm] if channel == "single" else []
        else:
            origin = rng.choice(("sidebar", "sop", "mass_message")) if channel != "moments" \
                else "moments"  # fmt: skip
            outcome = {"block": "blocked", "warn": "awaiting_confirmation"}.get(
                decision, "released"
            )
            sender, recipients = rm, [customer] if channel == "single" else []
        chat = [chats[(rm_index + RMS * rng.randrange(max(1, len(chats) // RMS))) % len(chats)]]
        yield {
            "id": n, "direction": "inbound" if inbound else "outbound", "channel": channel,
            "origin": origin, "sender": sender, "recipients": recipients,
            "chat_ids": chat if channel == "group" else [], "msgtype": "text", "text": body,
            "attachments": [], "decision": decision, "outcome": outcome, "hits": hits,
            "lexicon_version": "b" * 64, "confirmed_reason": None, "attempted_by": None,
            "idempotency_key": None, "wecom_msgid": f"bench{n}" if inbound else None,
            "seq": n if inbound else None,
            "sent_at": created - timedelta(minutes=1) if inbound else None,
            "created_at": created,
        }  # fmt: skip


COLUMNS = (
    "id direction channel origin sender recipients chat_ids msgtype text attachments decision "
    "outcome hits lexicon_version confirmed_reason attempted_by idempotency_key wecom_msgid seq "
    "sent_at created_at prev_hash content_hash"
).split()
_JSON = {"recipients", "chat_ids", "attachments", "hits"}


def load_archive(count: int, bank: dict, batch: int = 20000) -> None:
    """Append ``count`` messages with a real hash chain, straight into the table (the triggers
    stay on: they guard UPDATE and DELETE, and this only inserts)."""
    previous, rows, last = GENESIS_HASH, [], None
    for values in messages(count, bank):
        values["prev_hash"] = previous
        values["content_hash"] = previous = content_hash(values)
        rows.append(values)
        if len(rows) == batch:
            bulk_insert("archived_message", COLUMNS, rows)
            last, rows = rows[-1], []
    if rows:
        bulk_insert("archived_message", COLUMNS, rows)
        last = rows[-1]
    db.session.add(ArchiveHead(id=1, last_id=last["id"], last_hash=last["content_hash"],
                               updated_at=END))  # fmt: skip
    db.session.commit()


def _cell(name: str, value, postgres: bool):
    if name in _JSON:
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        naive = value.astimezone(UTC).replace(tzinfo=None)
        return naive if postgres else naive.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date) and not postgres:
        return value.isoformat()
    return value


def bulk_insert(table_name: str, columns: list[str], rows: list[dict]) -> None:
    """COPY on PostgreSQL, executemany on SQLite, in the session's transaction."""
    connection = db.session.connection().connection.dbapi_connection
    postgres = db.session.get_bind().dialect.name == "postgresql"
    cursor = connection.cursor()
    names = ", ".join(columns)
    if postgres:
        with cursor.copy(f"COPY {table_name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_cell(c, row[c], True) for c in columns])
    else:
        marks = ", ".join("?" for _ in columns)
        cursor.executemany(
            f"INSERT INTO {table_name} ({names}) VALUES ({marks})",
            [[_cell(c, row[c], False) for c in columns] for row in rows],
        )
    cursor.close()
