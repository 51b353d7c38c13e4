"""The WeCom client's retry policy against real failures served by the simulator: one
token refresh, bounded back-off on busy codes and 5xx, no retry on permission or IP errors,
and tokens shared between processes through the database."""

from __future__ import annotations

import pytest

from scrm.db import db
from scrm.wecom.client import WeComClient
from scrm.wecom.endpoints import reads as api
from scrm.wecom.errors import (
    InvalidCredential,
    IpNotAllowed,
    PermissionDenied,
    TokenExpired,
    WeComBusy,
    WeComUnavailable,
)
from scrm.wecom.tokens import DatabaseTokenStorage

FOLLOW_USERS = "externalcontact/get_follow_user_list"


def _client(app, **overrides) -> WeComClient:
    options = dict(
        api_base=app.config["WECOM_API_BASE"],
        session=DatabaseTokenStorage(db.engine),
        timeout=5,
        max_retries=3,
        backoff=0.001,
    )
    options.update(overrides)
    secret = options.pop("secret", app.config["WECOM_CONTACT_SECRET"])
    corp_id = options.pop("corp_id", app.config["WECOM_CORP_ID"])
    return WeComClient(corp_id, secret, **options)


@pytest.fixture
def rm(sim):
    sim.add_department(1, "总行")
    sim.add_user("zhaoliu", "赵六", [1])


def test_expired_token_is_refreshed_once_then_the_call_succeeds(contact, sim, rm):
    sim.faults.inject(FOLLOW_USERS, errcode=42001)
    assert api.list_follow_users(contact) == ["zhaoliu"]
    assert len(sim.calls_to("gettoken")) == 2
    assert [c.errcode for c in sim.calls_to(FOLLOW_USERS)] == [42001, 0]


def test_token_expiring_on_the_virtual_clock_is_refreshed(contact, sim, rm):
    api.list_follow_users(contact)
    sim.clock.advance(7201)
    assert api.list_follow_users(contact) == ["zhaoliu"]
    assert [c.errcode for c in sim.calls_to(FOLLOW_USERS)] == [0, 42001, 0]
    assert len(sim.calls_to("gettoken")) == 2


def test_expire_tokens_forces_exactly_one_refresh(contact, sim, rm):
    api.list_follow_users(contact)
    sim.expire_tokens()
    api.list_follow_users(contact)
    api.list_follow_users(contact)
    assert len(sim.calls_to("gettoken")) == 2


def test_persistently_invalid_token_refreshes_once_then_raises(contact, sim, rm):
    sim.faults.inject(FOLLOW_USERS, errcode=40014, times=50)
    with pytest.raises(TokenExpired) as err:
        api.list_follow_users(contact)
    assert err.value.errcode == 40014
    assert len(sim.calls_to("gettoken")) == 2
    assert len(sim.calls_to(FOLLOW_USERS)) == 2


@pytest.mark.parametrize("errcode", [-1, 45009, 45033])
def test_busy_wecom_is_retried_with_backoff_until_it_answers(contact, sim, rm, errcode):
    sim.faults.inject(FOLLOW_USERS, errcode=errcode, times=2)
    assert api.list_follow_users(contact) == ["zhaoliu"]
    assert [c.errcode for c in sim.calls_to(FOLLOW_USERS)] == [errcode, errcode, 0]


def test_busy_wecom_gives_up_after_max_retries(contact, sim, rm, app):
    sim.faults.inject(FOLLOW_USERS, errcode=45009, times=50)
    with pytest.raises(WeComBusy):
        api.list_follow_users(contact)
    assert len(sim.calls_to(FOLLOW_USERS)) == app.config["WECOM_MAX_RETRIES"] + 1


def test_untrusted_ip_is_not_retried(contact, sim, rm):
    sim.faults.inject(FOLLOW_USERS, errcode=60020, times=5)
    with pytest.raises(IpNotAllowed):
        api.list_follow_users(contact)
    assert len(sim.calls_to(FOLLOW_USERS)) == 1


def test_agent_app_calling_customer_contact_is_denied_without_retry(agent, sim, rm):
    with pytest.raises(PermissionDenied) as err:
        api.list_follow_users(agent)
    assert err.value.errcode == 48002
    assert [(c.app, c.errcode) for c in sim.calls_to(FOLLOW_USERS)] == [("agent", 48002)]


def test_contact_app_may_not_send_app_messages(contact, sim, rm):
    with pytest.raises(PermissionDenied):
        contact.post("message/send", data={"touser": "zhaoliu", "msgtype": "text"})


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried(contact, sim, rm, status):
    sim.faults.inject(FOLLOW_USERS, http_status=status)
    assert api.list_follow_users(contact) == ["zhaoliu"]
    assert [c.errcode for c in sim.calls_to(FOLLOW_USERS)] == [None, 0]


def test_wecom_down_for_good_raises_unavailable_after_bounded_retries(app_ctx, sim, rm):
    client = _client(app_ctx, max_retries=2)
    sim.faults.inject("*", http_status=503, times=50)
    with pytest.raises(WeComUnavailable):
        api.list_follow_users(client)
    # the token fetch itself fails each time: one gettoken per attempt, three attempts
    assert len(sim.calls_to("gettoken")) == 3


def test_slow_wecom_times_out_and_the_retry_succeeds(app_ctx, sim, rm):
    client = _client(app_ctx, timeout=0.2)
    api.list_follow_users(client)  # fetch the token before slowing things down
    sim.faults.inject(FOLLOW_USERS, latency=0.6)
    assert api.list_follow_users(client) == ["zhaoliu"]


def test_slow_wecom_every_time_raises_unavailable(app_ctx, sim, rm):
    client = _client(app_ctx, timeout=0.1, max_retries=1)
    api.list_follow_users(client)
    sim.faults.inject(FOLLOW_USERS, latency=0.4, times=5)
    with pytest.raises(WeComUnavailable) as err:
        api.list_follow_users(client)
    assert "Timeout" in err.value.errmsg


def test_token_is_shared_between_clients_through_the_database(app_ctx, sim, rm):
    first, second = _client(app_ctx), _client(app_ctx)
    api.list_follow_users(first)
    api.list_follow_users(second)
    assert len(sim.calls_to("gettoken")) == 1
    assert [c.errcode for c in sim.calls_to(FOLLOW_USERS)] == [0, 0]


def test_wrong_secret_names_the_credential_problem(app_ctx, sim, rm):
    with pytest.raises(InvalidCredential) as err:
        api.list_follow_users(_client(app_ctx, secret="不对的密钥"))
    assert err.value.errcode == 40001
    with pytest.raises(InvalidCredential) as err:
        api.list_follow_users(_client(app_ctx, corp_id="ww-wrong-corp"))
    assert err.value.errcode == 40013
