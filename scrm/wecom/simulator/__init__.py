"""A local fake of WeCom (企业微信) for the demo and the tests.

The real wechatpy-based client talks to it over HTTP on 127.0.0.1; it answers WeCom's
documented paths, JSON shapes, errcodes and limits, keeps corp state in memory, and pushes
real encrypted callbacks to the SCRM::

    sim = Simulator(corp_id, contact_secret=…, agent_secret=…, agent_id=…)
    server = SimulatorServer(sim).start()     # server.api_base → WECOM_API_BASE
    sim.pusher.configure(url=…/wecom/callback, token=…, aes_key=…)
    sim.operator.customer_adds_rm("zhangsan", name="王小明")
"""

from scrm.wecom.simulator.core import Call, Simulator
from scrm.wecom.simulator.pusher import Delivery
from scrm.wecom.simulator.server import SimulatorServer
from scrm.wecom.simulator.virtual_clock import VirtualClock

__all__ = ["Call", "Delivery", "Simulator", "SimulatorServer", "VirtualClock"]
