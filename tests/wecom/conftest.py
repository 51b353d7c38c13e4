"""Fixtures for the WeCom gateway tests: the real clients of both apps, and a small
fictional bank seeded in the simulator."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest
from wechatpy.enterprise import WeChatCrypto
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from scrm.wecom.client import get_client

CORP_ID = "wwscrm0test0corp01"  # the corp id tests/conftest.py gives the simulator


@pytest.fixture
def contact(app_ctx):
    """The 客户联系 app's client, exactly as scrm code gets it."""
    return get_client("contact")


@pytest.fixture
def agent(app_ctx):
    """The self-built (agent) app's client."""
    return get_client("agent")


@dataclass
class Bank:
    """Ids of the seeded fictional bank, for assertions."""

    rm: str
    rm2: str
    customers: list[str]
    tag_group: str
    tags: list[str]
    chat: str


@pytest.fixture
def bank(sim) -> Bank:
    """总行 → 上海分行 → 陆家嘴支行, two RMs, three customers, a tag group and a group."""
    sim.add_department(1, "星河银行总行")
    sim.add_department(2, "上海分行", parent_id=1, order=10)
    sim.add_department(3, "陆家嘴支行", parent_id=2)
    sim.add_department(4, "香港分行（測試）", parent_id=1)
    sim.add_user("zhangsan", "张三", [3], position="客户经理", mobile="13800000001")
    sim.add_user("lisi", "李四🌟", [4], email="lisi@example.com")
    sim.add_user("wangwu", "王五", [1], follow=False)
    group_id, tags = sim.add_tag_group("客户等级", ["高净值", "私人银行", "ＶＩＰ"])
    customers = [
        sim.add_customer(name="王小明", unionid="ou_wangxm"),
        sim.add_customer(name="陳大文", type=2, corp_name="測試貿易有限公司"),
        sim.add_customer(name="🐼熊猫"),
    ]
    sim.add_follow("zhangsan", customers[0], remark="王总", state="lujiazui-qr", tag_ids=tags[:2])
    sim.add_follow("zhangsan", customers[1], description="港股客户")
    sim.add_follow("lisi", customers[0], add_way=2)
    sim.add_follow("lisi", customers[2])
    chat = sim.add_group_chat(
        "zhangsan", "理财沙龙🎉", [("lisi", 1, 1), (customers[0], 2, 3), (customers[2], 2, 2)]
    )
    return Bank("zhangsan", "lisi", customers, group_id, tags, chat)


class Receiver:
    """A stand-in callback endpoint: records every request and answers from a script
    (an HTTP status, or a number of seconds to stall before answering 200)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.script: list[int | float] = []  # int: answer that status; float: sleep first
        self.echo_answer: str | None = None  # override the GET verification answer
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/wecom/callback"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _app(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.requests.append((request.method, dict(request.args), request.get_data()))
            step = self.script.pop(0) if self.script else 200
        if isinstance(step, float):
            time.sleep(step)
            step = 200
        body = ""
        if request.method == "GET":
            crypto = WeChatCrypto(RECEIVER_TOKEN, RECEIVER_AES_KEY, CORP_ID)
            args = request.args
            body = crypto.check_signature(
                args["msg_signature"], args["timestamp"], args["nonce"], args["echostr"]
            )
            body = self.echo_answer if self.echo_answer is not None else body
        return Response(body, status=step)(environ, start_response)

    def posts(self) -> list[tuple[dict[str, str], bytes]]:
        return [(args, body) for method, args, body in self.requests if method == "POST"]

    @staticmethod
    def decrypt(args: dict[str, str], body: bytes) -> str:
        """One POSTed callback decrypted with wechatpy, which checks the signature."""
        crypto = WeChatCrypto(RECEIVER_TOKEN, RECEIVER_AES_KEY, CORP_ID)
        return crypto.decrypt_message(body, args["msg_signature"], args["timestamp"], args["nonce"])

    def decrypt_all(self) -> list[str]:
        return [self.decrypt(args, body) for args, body in self.posts()]


RECEIVER_TOKEN = "receiverToken令牌"
RECEIVER_AES_KEY = "c2NybS10ZXN0LWFlcy1rZXktMzItYnl0ZXMtbG9uZyE"


@pytest.fixture
def receiver(sim):
    """A callback endpoint the simulator's pusher is configured to deliver to."""
    server = Receiver()
    server._thread.start()
    sim.pusher.configure(url=server.url, token=RECEIVER_TOKEN, aes_key=RECEIVER_AES_KEY)
    yield server
    server._server.shutdown()
    server._thread.join(5)
