"""The callback parser and the signed callback endpoint, fuzzed: whatever a validly signed
event holds (huge numbers, milliseconds, nothing, non-ASCII, emoji, entities, nested or
unknown elements, text that is not XML), ``parse_event`` returns an event or raises its one
documented error, and ``POST /wecom/callback`` answers 200 or 400, never a 500.

Bounded by the Hypothesis profile of tests/conftest.py (fixed seeds, no example database)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from hypothesis import example, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import select

from scrm.db import db
from scrm.inbox.models import InboundEvent
from scrm.wecom.events import MalformedEvent, WeComEvent, parse_event

FIELDS = (
    "ToUserName FromUserName CreateTime MsgType Event ChangeType UserID NewUserID "
    "ExternalUserID State WelcomeCode Source FailReason Id ChatId UpdateDetail JoinScene "
    "QuitScene MemChangeCnt LastMemVer CurMemVer TagType StrategyId Content MsgId AgentID"
).split()
EVENTS = ["change_contact", "change_external_contact", "change_external_chat"]
EVENTS += ["change_external_tag", "msgaudit_notify", "subscribe", ""]
NUMBERS = ["1767225600", "1767225600123", str(10**23), "-1", "0", "", " 17 ", "１７６７"]
NUMBERS += ["1e9", "0x10", "4294967296", "2147483648", "&#x31;&#x37;"]

odd_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(list("客戶理財ＡＢＣ１２３😀🎉\x00\x01\x1f<>&]")),
    ),
    max_size=24,
)


def _element(name: str, value: str, how: str) -> str:
    if how == "cdata" and "]]>" not in value:
        return f"<{name}><![CDATA[{value}]]></{name}>"
    if how == "raw":  # unescaped: may not be XML at all, which is the parser's to refuse
        return f"<{name}>{value}</{name}>"
    if how == "nested":
        return f"<{name}><Item>{escape(value)}</Item><Item/></{name}>"
    return f"<{name}>{escape(value)}</{name}>"


@st.composite
def callback_documents(draw) -> str:
    """A callback document: ``<xml>`` with known and unknown fields of any value."""
    values = st.one_of(st.sampled_from(NUMBERS), st.sampled_from(EVENTS), odd_text)
    fields = {"MsgType": draw(st.sampled_from(["event", "text", "", "事件"]))}
    fields["Event"] = draw(st.sampled_from(EVENTS))
    fields |= draw(st.dictionaries(st.sampled_from(FIELDS), values, max_size=10))
    fields |= draw(
        st.dictionaries(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True), values)
    )
    how = st.sampled_from(["escaped", "escaped", "cdata", "raw", "nested"])
    body = "".join(_element(name, value, draw(how)) for name, value in fields.items())
    root = draw(st.sampled_from(["xml", "xml", "xml", "XML", "root"]))
    return draw(st.one_of(st.just(f"<{root}>{body}</{root}>"), odd_text))


def _document(create_time: str, **fields: str) -> str:
    extra = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return (
        "<xml><ToUserName>wwscrm0test0corp01</ToUserName><FromUserName>sys</FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType>event</MsgType>"
        f"<Event>change_external_chat</Event><ChangeType>update</ChangeType>{extra}</xml>"
    )


KNOWN = [
    _document("1767225600123"),  # milliseconds: the year 57970
    _document(str(10**23)),
    _document("", JoinScene=str(10**23), MemChangeCnt="三"),
    _document("&#x31;&#x37;&#x36;&#x37;&#x32;&#x32;&#x35;&#x36;&#x30;&#x30;"),
    _document("1767225600", MemChangeList="<Item>wm😀</Item><Item>&amp;&lt;</Item>"),
]


@seed(20260311)
@given(document=callback_documents())
@example(document=KNOWN[0])
@example(document=KNOWN[1])
@example(document=KNOWN[2])
@example(document=KNOWN[3])
@example(document=KNOWN[4])
def test_the_parser_returns_an_event_or_its_one_documented_error(document):
    try:
        event = parse_event(document)
    except MalformedEvent:
        return
    assert isinstance(event, WeComEvent)


def test_the_signed_callback_endpoint_answers_200_or_400_never_500(app, client, sealer):
    stored: list[str] = []

    @seed(20260312)
    @settings(max_examples=4 * settings().max_examples)
    @given(document=callback_documents())
    @example(document=KNOWN[0])
    @example(document=KNOWN[1])
    @example(document=KNOWN[2])
    @example(document=KNOWN[3])
    def post(document):
        query, body = sealer(document)
        response = client.post("/wecom/callback", query_string=query, data=body)
        assert response.status_code in (200, 400), (document, response.status_code)
        if response.status_code == 200:
            stored.append(document)
        else:
            assert response.mimetype == "text/plain" and len(response.data) < 300

    post()
    # Whatever was stored reads back as the same event: nothing half-parsed went in.
    with app.app_context():
        payloads = set(db.session.scalars(select(InboundEvent.payload)))
        assert payloads == set(stored)
        for payload in payloads:
            parse_event(payload)
