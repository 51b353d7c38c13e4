"""One gate: no code path reaches a WeCom send endpoint except gate → outbox → send call.

Checked on the source tree with ``ast``: which modules name a send endpoint, which call the
send functions, and which queue a delivery. Each check is also run on a planted bypass, so a
check that can no longer see anything fails too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from scrm.wecom.endpoints import send as send_api
from scrm.wecom.simulator.endpoints import REGISTRY

SCRM = Path(__file__).resolve().parents[1] / "scrm"

#: WeCom server API paths that put content in front of customers or staff.
#: Not here: ``remind_groupmsg_send`` (提醒成员群发) carries only a msgid; WeCom shows the RM
#: its own reminder of a mass message that already passed the gate.
SEND_ENDPOINTS = (
    "externalcontact/add_msg_template",  # 客户群发 (1v1 and groups)
    "externalcontact/send_welcome_msg",  # 欢迎语
    "externalcontact/add_moment_task",  # 客户朋友圈
    "externalcontact/group_welcome_template/add",  # 入群欢迎语素材
    "externalcontact/group_welcome_template/edit",
    "externalcontact/message/send",  # the retired 1v1 send
    "message/send",  # 应用消息
    "appchat/send",  # 应用群聊
    "linkedcorp/message/send",  # 互联企业消息
    "kf/send_msg",  # 微信客服
    "kf/send_msg_on_event",
)
#: The one module that calls WeCom's send endpoints, and the fake WeCom that serves them.
MAY_NAME_SEND_ENDPOINTS = ("scrm/wecom/endpoints/send.py", "scrm/wecom/simulator/")
MAY_CALL_SEND_FUNCTIONS = ("scrm/outbox/",)
MAY_ENQUEUE = ("scrm/compliance/gateway.py",)
OUTBOX_WRITER = "scrm/outbox/services.py"  # defines enqueue_delivery and writes Delivery rows


def _sources() -> list[tuple[str, str]]:
    return [
        (path.relative_to(SCRM.parent).as_posix(), path.read_text(encoding="utf-8"))
        for path in sorted(SCRM.rglob("*.py"))
    ]


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


#: A literal that is a send path: alone, at the end of a URL, or before a query string.
_AS_PATH = [(e, re.compile(rf"(^|/){re.escape(e)}/?(\?|$)")) for e in SEND_ENDPOINTS]


def naming_send_endpoints(path: str, source: str) -> list[str]:
    """``path:line endpoint`` for every string literal (not a docstring) that is a send path."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            for endpoint, pattern in _AS_PATH:
                if pattern.search(node.value.strip()):
                    found.append(f"{path}:{node.lineno} {endpoint}")
    return found


def writing_deliveries(path: str, source: str) -> list[str]:
    """``path:line`` wherever a module that imports the outbox model builds or inserts a row."""
    tree = ast.parse(source)
    local = {
        a.asname or a.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "scrm.outbox.models"
        for a in node.names
        if a.name == "Delivery"
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        called = ast.unparse(node.func)
        target = ast.unparse(node.args[0]).split(".")[0] if node.args else ""
        if called in local or (called.endswith("insert") and target in local):
            found.append(f"{path}:{node.lineno} {called}({target or '…'})")
    return found


def send_functions() -> set[str]:
    """The functions of ``send_api`` whose body names a send endpoint."""
    tree = ast.parse(Path(send_api.__file__).read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and naming_send_endpoints("send_api", ast.unparse(node))
    }


def reaching(path: str, source: str, module: str, names: set[str]) -> list[str]:
    """``path:line name`` wherever ``source`` imports or uses one of ``module``'s ``names``."""
    tree = ast.parse(source)
    package, _, leaf = module.rpartition(".")
    aliases = set()  # local names bound to the module itself
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases.update(a.asname for a in node.names if a.name == module and a.asname)
        elif isinstance(node, ast.ImportFrom) and node.module == package:
            aliases.update(a.asname or a.name for a in node.names if a.name == leaf)
        elif isinstance(node, ast.ImportFrom) and node.module == module:
            found += [f"{path}:{node.lineno} {a.name}" for a in node.names if a.name in names]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in names:
            base = ast.unparse(node.value)
            if base in aliases or base == module:
                found.append(f"{path}:{node.lineno} {node.attr}")
    return found


def _outside(allowed: tuple[str, ...], path: str) -> bool:
    return not any(path == a or (a.endswith("/") and path.startswith(a)) for a in allowed)


def test_the_outbox_sends_through_every_endpoint_the_simulator_serves():
    served = {path for path in REGISTRY if path in SEND_ENDPOINTS}
    assert served >= {
        "externalcontact/add_msg_template",
        "externalcontact/send_welcome_msg",
        "externalcontact/add_moment_task",
        "message/send",
    }
    assert served <= set(send_api.SEND_PATHS), "a served send endpoint is not in SEND_PATHS"
    assert set(send_api.SEND_PATHS) <= set(SEND_ENDPOINTS)


def test_only_the_send_calls_name_a_send_endpoint():
    offenders = [
        hit
        for path, source in _sources()
        if _outside(MAY_NAME_SEND_ENDPOINTS, path)
        for hit in naming_send_endpoints(path, source)
    ]
    assert offenders == [], f"WeCom send endpoints named outside the send calls: {offenders}"


def test_only_the_outbox_calls_the_send_functions():
    names = send_functions()
    assert names >= {"add_msg_template", "send_welcome_msg", "add_moment_task"}
    offenders = [
        hit
        for path, source in _sources()
        if _outside(MAY_CALL_SEND_FUNCTIONS, path)
        for hit in reaching(path, source, "scrm.wecom.endpoints.send", names)
    ]
    assert offenders == [], f"send functions reached outside the outbox: {offenders}"


def test_only_the_gate_queues_deliveries():
    offenders = []
    for path, source in _sources():
        if path == OUTBOX_WRITER:
            continue
        hits = reaching(path, source, "scrm.outbox.services", {"enqueue_delivery"})
        if _outside(MAY_ENQUEUE, path):
            offenders += hits
        offenders += writing_deliveries(path, source)  # a row written past enqueue_delivery
    assert offenders == [], f"deliveries queued outside the compliance gate: {offenders}"


def test_the_gate_is_what_queues_deliveries():
    gate = (SCRM / "compliance/gateway.py").read_text(encoding="utf-8")
    hits = reaching("gateway", gate, "scrm.outbox.services", {"enqueue_delivery"})
    assert hits, "the gate no longer queues deliveries: messages it releases go nowhere"


def test_the_checks_catch_a_planted_bypass():
    bypass = """
from scrm.wecom.endpoints import send as s
from scrm.wecom.endpoints.send import add_moment_task
from scrm.outbox.services import enqueue_delivery
import scrm.outbox.services as outbox
from scrm.outbox.models import Delivery

def shortcut(client):
    client.post("externalcontact/add_msg_template", data={})
    client.post(f"{base}/cgi-bin/message/send?debug=1", data={})
    db.session.add(Delivery(kind="moment"))
    db.session.execute(insert(Delivery.__table__).values(kind="moment"))
    s.send_welcome_msg(client, {})
    outbox.enqueue_delivery("moment", {}, idempotency_key="k", archived_message_id=1)
"""
    assert len(naming_send_endpoints("x.py", bypass)) == 2
    assert len(writing_deliveries("x.py", bypass)) == 2
    assert naming_send_endpoints("x.py", 'log("message/send has no record")') == []
    sends = reaching("x.py", bypass, "scrm.wecom.endpoints.send", send_functions())
    assert {hit.split()[-1] for hit in sends} == {"add_moment_task", "send_welcome_msg"}
    queued = reaching("x.py", bypass, "scrm.outbox.services", {"enqueue_delivery"})
    assert len(queued) == 2
