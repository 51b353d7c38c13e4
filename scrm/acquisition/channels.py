"""Channel QR codes (渠道活码): create, edit and archive them, in scrm and in WeCom together.

A channel is one 联系我 configuration: type 1 for one RM, type 2 for several (WeCom picks one
per scan), scene 2 (a QR code), and a ``state`` that comes back with every add. Its welcome
text is scanned when it is saved: block-level text is refused, warn-level text needs the
owner's reason, so a code never goes out whose greeting the gate would stop. Writers flush;
the caller commits.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from scrm.acquisition.channel_checks import (
    ChannelError,
    check_group,
    check_tags,
    check_welcome,
    resolve_rms,
)
from scrm.acquisition.models import (
    CHANNEL_ACTIVE,
    CHANNEL_ARCHIVED,
    CHANNEL_KINDS,
    AcquisitionChannel,
)
from scrm.db import db, utcnow
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import contact_way as ways

MAX_STATE = ways.MAX_STATE_CHARS
_STATE_OK = re.compile(r"[A-Za-z0-9_\-.]{1,30}")


def get_channel(ref: int | str) -> AcquisitionChannel:
    """A channel by id or by state.

    :raise ChannelError: no such channel.
    """
    if isinstance(ref, int) or str(ref).isdigit():
        channel = db.session.get(AcquisitionChannel, int(ref))
    else:
        channel = channel_by_state(str(ref))
    if channel is None:
        raise ChannelError(f"no channel {ref!r}; see `scrm acquisition channel-list`")
    return channel


def channel_by_state(state: str | None) -> AcquisitionChannel | None:
    """The channel whose WeCom ``state`` this is (active or archived), or ``None``."""
    if not state:
        return None
    return db.session.scalar(select(AcquisitionChannel).where(AcquisitionChannel.state == state))


def create_channel(
    *,
    name: str,
    kind: str,
    created_by: str,
    userids: Sequence[str] = (),
    department_id: int | None = None,
    welcome_text: str | None = None,
    welcome_attachments: Sequence[Mapping[str, Any]] = (),
    confirm_reason: str | None = None,
    tag_ids: Sequence[str] = (),
    group_chat_id: str | None = None,
    skip_verify: bool = True,
    state: str | None = None,
) -> AcquisitionChannel:
    """Create a channel and its QR code in WeCom (``add_contact_way``; with a group, also
    ``groupchat/add_join_way``). Flushes; the caller commits.

    :param state: WeCom's state (≤30 letters, digits, ``-_.``); default ``ch-<id>-<kind>``.
    :raise ChannelError: bad input, named with its fix.
    :raise WeComError: what WeCom answered.
    """
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise ChannelError("give the channel a name of 1 to 64 characters")
    if kind not in CHANNEL_KINDS:
        raise ChannelError(f"kind must be one of {', '.join(CHANNEL_KINDS)}")
    if state is not None and (not _STATE_OK.fullmatch(state) or channel_by_state(state)):
        raise ChannelError(f"state {state!r} is taken or not 1–30 letters, digits, - _ .")
    rms = resolve_rms(userids, department_id)
    welcome_text = (welcome_text or "").strip() or None
    check_welcome(welcome_text, welcome_attachments, confirm_reason)
    channel = AcquisitionChannel(
        name=name,
        kind=kind,
        state=state or f"tmp-{secrets.token_hex(8)}",  # named after the id once it has one
        userids=[s.userid for s in rms],
        department_id=department_id,
        welcome_text=welcome_text,
        welcome_attachments=[dict(a) for a in welcome_attachments],
        welcome_confirm_reason=(confirm_reason or "").strip() or None,
        tag_ids=check_tags(tag_ids),
        group_chat_id=check_group(group_chat_id).chat_id if group_chat_id else None,
        skip_verify=skip_verify,
        created_by=created_by,
    )
    db.session.add(channel)
    db.session.flush()
    if state is None:
        channel.state = f"ch-{channel.id}-{kind}"
    client = get_client("contact")
    channel.config_id, channel.qr_code = ways.add_contact_way(
        client,
        users=channel.userids,
        state=channel.state,
        remark=name[: ways.MAX_REMARK_CHARS],
        skip_verify=skip_verify,
    )
    if channel.group_chat_id:
        channel.join_config_id = ways.add_join_way(
            client, chat_ids=[channel.group_chat_id], state=channel.state
        )
        channel.join_qr_code = ways.get_join_way(client, channel.join_config_id).qr_code
    db.session.flush()
    return channel


def update_channel(
    channel: AcquisitionChannel,
    *,
    name: str | None = None,
    userids: Sequence[str] | None = None,
    welcome_text: str | None = None,
    confirm_reason: str | None = None,
    tag_ids: Sequence[str] | None = None,
    skip_verify: bool | None = None,
) -> AcquisitionChannel:
    """Change a channel; the RMs and skip-verify go to WeCom (``update_contact_way``).

    :param welcome_text: the new text ("" removes it: the default welcome then applies).
    :raise ChannelError: an archived channel, or bad input.
    """
    if channel.status != CHANNEL_ACTIVE:
        raise ChannelError(f"channel {channel.id} is archived; create a new one instead")
    if welcome_text is not None:
        text = welcome_text.strip() or None
        check_welcome(text, channel.welcome_attachments, confirm_reason)
        channel.welcome_text = text
        channel.welcome_confirm_reason = (confirm_reason or "").strip() or None
    if tag_ids is not None:
        channel.tag_ids = check_tags(tag_ids)
    if name is not None:
        if not name.strip() or len(name.strip()) > 64:
            raise ChannelError("give the channel a name of 1 to 64 characters")
        channel.name = name.strip()
    if userids is not None:
        wanted = [s.userid for s in resolve_rms(userids, None)]
        if len(channel.userids) == 1 and len(wanted) > 1:
            # WeCom cannot turn a single (type 1) code into a multi one; its QR would change.
            raise ChannelError(
                f"channel {channel.id} is a one-RM code and WeCom cannot give it more RMs; "
                "create a new channel for several RMs"
            )
        channel.userids = wanted
    if skip_verify is not None:
        channel.skip_verify = skip_verify
    if userids is not None or skip_verify is not None or name is not None:
        ways.update_contact_way(
            get_client("contact"),
            channel.config_id,
            users=channel.userids if userids is not None else None,
            skip_verify=skip_verify,
            remark=channel.name[: ways.MAX_REMARK_CHARS] if name is not None else None,
        )
    channel.updated_at = utcnow()
    db.session.flush()
    return channel


def archive_channel(channel: AcquisitionChannel) -> AcquisitionChannel:
    """Retire a channel: its QR code (and group code) are deleted in WeCom and stop working.

    Adds already attributed stay; a late event with its state is still attributed to it.
    Archiving twice changes nothing.
    """
    if channel.status == CHANNEL_ARCHIVED:
        return channel
    client = get_client("contact")
    if channel.config_id:
        ways.del_contact_way(client, channel.config_id)
    if channel.join_config_id:
        ways.del_join_way(client, channel.join_config_id)
    channel.status = CHANNEL_ARCHIVED
    channel.archived_at = channel.updated_at = utcnow()
    db.session.flush()
    return channel


def list_channels(include_archived: bool = False) -> list[AcquisitionChannel]:
    """Channels, newest first."""
    query = select(AcquisitionChannel).order_by(AcquisitionChannel.id.desc())
    if not include_archived:
        query = query.where(AcquisitionChannel.status == CHANNEL_ACTIVE)
    return list(db.session.scalars(query))
