"""The plumbing every operator action shares: its error, its outcome, and building and
pushing the callback."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from scrm.wecom.simulator.callbacks import Fields, event_xml
from scrm.wecom.simulator.pusher import Delivery

if TYPE_CHECKING:
    from scrm.wecom.simulator.core import Simulator


class OperatorError(ValueError):
    """An operator action that WeCom would not allow (unknown member, no such group …)."""


@dataclass(frozen=True)
class Outcome:
    """What an operator action did: the callback it pushed and the ids it created."""

    plaintext: str | None
    delivery: Delivery | None
    external_userid: str | None = None
    welcome_code: str | None = None
    chat_id: str | None = None
    tag_id: str | None = None
    group_id: str | None = None
    msgid: str | None = None
    moment_id: str | None = None
    code: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


class OperatorBase:
    """Shared plumbing: build the event under the lock, push it after releasing the lock
    (the receiver may call back into the simulator while handling the push)."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def _event(self, event: str, change_type: str | None, fields: Fields) -> str:
        return event_xml(self.sim.corp_id, self.sim.clock.timestamp(), event, change_type, fields)

    def _push(self, plaintext: str, **ids: Any) -> Outcome:
        return Outcome(plaintext, self.sim.pusher.push(plaintext), **ids)

    def _user(self, userid: str):
        user = self.sim.corp.users.get(userid)
        if user is None:
            raise OperatorError(f"no member {userid!r}; seed it with sim.add_user first")
        return user
