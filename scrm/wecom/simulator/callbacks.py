"""Callback plaintexts built like WeCom's documented samples.

Strings are wrapped in CDATA, numbers are bare, lists become ``<Item>`` children::

    <xml><ToUserName><![CDATA[corpid]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>
    <CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType>
    <Event><![CDATA[change_external_contact]]></Event>
    <ChangeType><![CDATA[add_external_contact]]></ChangeType>…</xml>
"""

from __future__ import annotations

from collections.abc import Iterable

Fields = Iterable[tuple[str, str | int | list[str] | None]]


def cdata(text: str) -> str:
    # "]]>" cannot appear inside one CDATA section: split it across two.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _element(name: str, value: str | int | list[str]) -> str:
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return f"<{name}>{value}</{name}>"
    if isinstance(value, list):
        items = "".join(f"<Item>{cdata(str(v))}</Item>" for v in value)
        return f"<{name}>{items}</{name}>"
    return f"<{name}>{cdata(str(value))}</{name}>"


def event_xml(
    corp_id: str, create_time: int, event: str, change_type: str | None, fields: Fields = ()
) -> str:
    """One ``MsgType=event`` plaintext; ``None`` field values are left out."""
    parts = [
        _element("ToUserName", corp_id),
        _element("FromUserName", "sys"),
        _element("CreateTime", int(create_time)),
        _element("MsgType", "event"),
        _element("Event", event),
    ]
    if change_type is not None:
        parts.append(_element("ChangeType", change_type))
    parts.extend(_element(name, value) for name, value in fields if value is not None)
    return "<xml>" + "".join(parts) + "</xml>"
