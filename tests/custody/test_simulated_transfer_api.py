"""The simulator answers the handover APIs with WeCom's documented limits and errcodes."""

from __future__ import annotations

import pytest
from custody_helpers import LEAD, LEAVING, TAKEOVER

from scrm.wecom.client import get_client
from scrm.wecom.endpoints.transfer import transfer_customers, transfer_groups
from scrm.wecom.errors import InvalidRequest


def test_more_than_100_customers_in_one_call_is_refused(bank, sim):
    client = get_client("contact")
    with pytest.raises(InvalidRequest) as refused:
        client.post(
            "externalcontact/transfer_customer",
            data={
                "handover_userid": LEAVING,
                "takeover_userid": TAKEOVER,
                "external_userid": [f"wm{i:03d}" for i in range(101)],
            },
        )
    assert refused.value.errcode == 40058


def test_takeover_needs_customer_contact_and_a_resigned_handover_needs_a_leaver(bank, sim):
    client = get_client("contact")
    with pytest.raises(InvalidRequest) as no_contact:
        transfer_customers(client, LEAVING, LEAD, bank["customers"][:1])
    assert no_contact.value.errcode == 84074
    with pytest.raises(InvalidRequest):
        transfer_customers(client, LEAVING, TAKEOVER, bank["customers"][:1], resigned=True)


def test_a_customer_already_in_handover_or_not_the_rms_answers_per_customer(bank, sim):
    client = get_client("contact")
    first = transfer_customers(client, LEAVING, TAKEOVER, bank["customers"][:1])
    again = transfer_customers(client, LEAVING, TAKEOVER, [bank["customers"][0], "wmNobody"])
    assert [o.errcode for o in first] == [0]
    assert [o.errcode for o in again] == [40129, 84061]


def test_groups_of_an_rm_still_here_move_only_with_onjob_transfer(bank, sim):
    client = get_client("contact")
    failed = transfer_groups(client, bank["groups"], TAKEOVER, resigned=True)
    assert {code for code, _ in failed.values()} == {90500}
    assert transfer_groups(client, bank["groups"], TAKEOVER, resigned=False) == {}
    assert all(sim.corp.chats[c].owner == TAKEOVER for c in bank["groups"])
