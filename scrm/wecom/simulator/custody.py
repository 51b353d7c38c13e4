"""The simulator's custody state: members who left, customers in handover (在职继承 / 离职继承)
and how WeCom settles a handover 24 hours after it starts.

The state hangs off the :class:`~scrm.wecom.simulator.state.Corp`, so ``Simulator.reset()``
(which builds a new corp) empties it with everything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scrm.wecom.simulator.state import Corp

#: WeCom completes a handover this many seconds after it started, unless the customer refuses.
SETTLE_AFTER = 24 * 3600
#: A customer may be handed over at most twice in 90 days (on-job and resigned together).
TRANSFER_WINDOW = 90 * 86400
MAX_TRANSFERS_IN_WINDOW = 2
#: WeCom's errcodes for one customer of a transfer_customer call. 40128 ("客户转接过于频繁")
#: is taken from the global errcode list (doc 90313) as remembered, not verified against a
#: live corp; 40129 ("当前客户正在转接中") is documented with the on-job transfer API.
ERR_TOO_OFTEN = 40128
ERR_IN_TRANSFER = 40129
ERR_SAME_MEMBER = 40130
ERR_NOT_CONTACT = 84061
#: transfer_result statuses.
DONE, WAITING, REFUSED, AT_LIMIT, NO_RECORD = 1, 2, 3, 4, 5
#: The groups of one original owner that may be given away per day (groupchat/transfer).
GROUPS_PER_DAY = 300
CHINA_UTC_OFFSET = 8 * 3600


@dataclass
class Handover:
    """One customer being handed from ``handover`` to ``takeover`` (kind onjob | resigned)."""

    kind: str
    handover: str
    takeover: str
    external_userid: str
    started_at: float
    status: int = WAITING
    takeover_time: int = 0


@dataclass
class CustodyState:
    resigned: dict[str, int] = field(default_factory=dict)  # userid → dimission_time
    handovers: list[Handover] = field(default_factory=list)
    transfer_times: dict[str, list[float]] = field(default_factory=dict)  # by external_userid
    refusing: set[str] = field(default_factory=set)  # customers who will refuse
    at_limit: set[str] = field(default_factory=set)  # takeover members whose list is full
    groups_given: dict[tuple[str, int], int] = field(default_factory=dict)  # (owner, day) → n
    # Callback plaintexts of settled handovers, pushed by the operator (never from an API
    # answer: pushing there would call scrm back while scrm waits for that answer).
    unpushed: list[str] = field(default_factory=list)


def custody_of(corp: Corp) -> CustodyState:
    """The custody state of ``corp``, created on first use."""
    state = getattr(corp, "_custody", None)
    if state is None:
        state = CustodyState()
        corp._custody = state
    return state


def open_handover(state: CustodyState, external_userid: str) -> Handover | None:
    return next(
        (h for h in state.handovers if h.external_userid == external_userid and h.status == 2),
        None,
    )


def recent_transfers(state: CustodyState, external_userid: str, now: float) -> int:
    times = state.transfer_times.get(external_userid, [])
    return sum(1 for t in times if t > now - TRANSFER_WINDOW)


def settle(sim, event_xml) -> None:
    """Settle every handover whose 24 hours have passed (call with ``sim.lock`` held).

    Done: the handover member's relation ends (on-job: ``del_external_contact`` with
    ``Source=DELETE_BY_TRANSFER`` to them) and the takeover member gets the customer
    (``add_external_contact``). Refused (3) or at the limit (4): ``transfer_fail`` to the
    takeover member. The plaintexts wait in ``unpushed``.
    """
    corp, state, now = sim.corp, custody_of(sim.corp), sim.clock.now()
    for h in state.handovers:
        if h.status != WAITING or h.started_at + SETTLE_AFTER > now:
            continue
        contact = [("UserID", h.takeover), ("ExternalUserID", h.external_userid)]
        if h.external_userid in state.refusing or h.takeover in state.at_limit:
            h.status = REFUSED if h.external_userid in state.refusing else AT_LIMIT
            reason = "customer_refused" if h.status == REFUSED else "customer_limit_exceed"
            fields = [*contact, ("FailReason", reason)]
            state.unpushed.append(event_xml("change_external_contact", "transfer_fail", fields))
            continue
        h.status, h.takeover_time = DONE, int(h.started_at + SETTLE_AFTER)
        old = corp.follows.pop((h.handover, h.external_userid), None)
        if (h.takeover, h.external_userid) not in corp.follows:
            follow = corp.add_follow(h.takeover, h.external_userid, add_way=202)
            if old is not None:
                follow.remark, follow.description = old.remark, old.description
                follow.tag_ids = list(old.tag_ids)
        if h.kind == "onjob":
            state.unpushed.append(
                event_xml(
                    "change_external_contact",
                    "del_external_contact",
                    [
                        ("UserID", h.handover),
                        ("ExternalUserID", h.external_userid),
                        ("Source", "DELETE_BY_TRANSFER"),
                    ],
                )
            )
        state.unpushed.append(event_xml("change_external_contact", "add_external_contact", contact))
