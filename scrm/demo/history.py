"""The demo bank's compliance history, so the archive and the review queue have something in
them from the first minute.

Two halves, both through the real paths: sidebar sends through the one gate (some pass, some
warn and are sent with a reason, some are blocked), and chats typed in the WeCom client that
the simulator's conversation archive (real RSA) hands to the real ingest. Written once: a
rerun over a database that already holds an archive adds nothing.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import replace

from flask import Flask, current_app
from sqlalchemy import func, select

from scrm.archive.chain.models import ArchivedMessage
from scrm.archive.ingest.models import ArchiveCursor
from scrm.archive.ingest.services import pull_conversation_archive
from scrm.archive.ingest.source import archive_source
from scrm.compliance.gateway import CLIENT_SEND, OutboundMessage, submit
from scrm.db import commits, db
from scrm.demo.seed import DemoBank
from scrm.demo.settings import ARCHIVE_SOURCE as DEMO_ARCHIVE_SOURCE
from scrm.wecom.simulator import Simulator
from scrm.wecom.simulator.msgaudit import enable_archive, msgaudit_of

Echo = Callable[[str], None]

#: (channel, text, the RM's reason when the gate warns) — what RMs sent from the sidebar.
SIDEBAR_SENDS = (
    ("single", "王女士您好，您的大额存单下周三到期，需要帮您预约续存吗？😊", None),
    ("single", "本产品不保本，过往业绩不代表未来表现。理财非存款、产品有风险、投资须谨慎。", None),
    ("group", "【早盘资讯】今日央行开展逆回购操作，市场流动性合理充裕📈", None),
    ("single", "这是我们行目前收益最高的一款稳健型产品，第一时间推荐给您", "客户主动询问收益排名"),
    ("single", "這款產品業績優良，名列前茅，歡迎了解", "引用第三方评级报告，已附来源"),
    ("group", "这款理财保本保收益，稳赚不赔，闭眼买！", None),
    ("group", "有需要的客户直接转到我个人账户，我帮您操作", None),
    ("moments", "新品发售：零風險，年化８％穩穩的💰", None),
)

#: (who, where, text): "rm"/"customer" in a 1v1 chat, or "group" (the owner in a group).
TYPED_CHATS = (
    ("rm", "single", "李先生早上好，今天基金净值已更新，需要我帮您看一下持仓吗？"),
    ("customer", "single", "这个产品保本吗？我不想亏钱😟"),
    ("rm", "single", "放心，这款产品保本保息，跟存款一样，不会亏的"),
    ("rm", "group", "各位好，本周六上午十点理财沙龙，主题：养老规划🌸"),
    ("rm", "group", "这只基金只涨不跌，错过再等一年！"),
    ("customer", "single", "好的，我下午去网点办理"),
    ("rm", "single", "您把验证码发我，我帮您在手机银行上操作"),
    ("rm", "group", "穩賺不賠的機會，名額有限，先到先得"),
    ("rm", "single", "身份证照片发我一下，我帮您填开户资料"),
    ("rm", "single", "收到，周三见👋"),
)


def enable_demo_archive(app: Flask, sim: Simulator) -> None:
    """Buy the simulator's archive licence and configure its private key on our side."""
    secret = "demo-archive-" + hashlib.sha256(b"scrm demo archive").hexdigest()[:30]
    audit = enable_archive(sim, secret)
    app.config.update(
        ARCHIVE_SOURCE=DEMO_ARCHIVE_SOURCE,
        WECOM_ARCHIVE_SECRET=secret,
        ARCHIVE_PRIVATE_KEYS={audit.publickey_ver: audit.private_key_pem()},
    )


@commits
def record_compliance_history(sim: Simulator, bank: DemoBank, *, echo: Echo) -> None:
    """Turn the demo archive on, send the sidebar history through the gate and ingest the
    typed chats (commits). Needs an app context; call it after the demo sync.
    """
    app = current_app._get_current_object()
    enable_demo_archive(app, sim)
    # The simulator is new each run but the database is not: WeCom's seqs go on from ours.
    cursor = db.session.get(ArchiveCursor, "conversation_archive")
    audit = msgaudit_of(sim)
    audit.next_seq = max(audit.next_seq, (cursor.last_seq if cursor else 0) + 1)
    if db.session.scalar(select(func.count()).select_from(ArchivedMessage)):
        echo("compliance history: the archive already has messages; nothing added")
        return
    rng = random.Random(bank.seed)
    outcomes = _send_sidebar_history(bank, rng)
    # commit in steps: before the pull's token fetch, which must not wait on our lock
    db.session.commit()
    _type_chats(sim, bank, rng)
    counts = pull_conversation_archive(archive_source(app))
    echo(
        f"compliance history: {len(outcomes)} sidebar sends through the gate "
        f"({', '.join(f'{n} {d}' for d, n in sorted(_tally(outcomes).items()))}); "
        f"{counts.get('archived', 0)} typed chats ingested, {counts.get('cases', 0)} review cases"
    )


def _tally(outcomes: list[str]) -> dict[str, int]:
    tally: dict[str, int] = {}
    for outcome in outcomes:
        tally[outcome] = tally.get(outcome, 0) + 1
    return tally


def _send_sidebar_history(bank: DemoBank, rng: random.Random) -> list[str]:
    decisions = []
    follows = sorted(bank.follows)
    for channel, text, reason in SIDEBAR_SENDS:
        if channel == "group":
            group = rng.choice(bank.groups)
            sender, recipients, chats = group.owner, (), (group.chat_id,)
        else:
            sender, customer = rng.choice(follows)
            recipients, chats = (customer,), ()
        message = OutboundMessage(
            channel=channel,
            origin="sidebar",
            sender_userid=sender,
            text=text,
            delivery_kind=CLIENT_SEND,
            recipients=recipients,
            chat_ids=chats,
        )
        result = submit(message)
        if result.needs_confirmation and reason:
            # The RM reads the warning and sends anyway, saying why: a second archived row.
            result = submit(replace(message, confirm_reason=reason))
        decisions.append(result.decision)
    return decisions


def _type_chats(sim: Simulator, bank: DemoBank, rng: random.Random) -> None:
    rm, customer = rng.choice(sorted(bank.follows))
    group = rng.choice([g for g in bank.groups if g.customers] or bank.groups)
    for who, where, text in TYPED_CHATS:
        if where == "group":
            sim.operator.rm_types_message(group.owner, roomid=group.chat_id, text=text)
        elif who == "customer":
            sim.operator.customer_types_message(customer, to=rm, text=text)
        else:
            sim.operator.rm_types_message(rm, to=[customer], text=text)
