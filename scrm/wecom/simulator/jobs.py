"""WeCom-side jobs that outlive one call: welcome codes, mass-message tasks, moment tasks,
OAuth codes and JS-SDK tickets. Emptied with the rest of the simulator on reset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Marks an OAuth code issued to a non-member; the rest is their external_userid.
OUTSIDER = "outsider:"


@dataclass
class WelcomeCode:
    userid: str
    external_userid: str
    expires_at: float  # 20 s after the add event, on the virtual clock
    used: bool = False


@dataclass
class MassRecipient:
    """One customer (external_userid) or customer group (chat_id) of a mass message."""

    target: str
    userid: str
    status: int = 0  # 0 unsent, 1 sent, 2 not a friend, 3 already received one today
    send_time: int = 0


@dataclass
class MassMessage:
    msgid: str
    chat_type: str  # single | group
    creator: str | None
    create_time: int
    text: str
    attachments: list
    senders: dict[str, int] = field(default_factory=dict)  # userid → 0 unsent / 2 sent
    send_times: dict[str, int] = field(default_factory=dict)
    recipients: list[MassRecipient] = field(default_factory=list)


@dataclass
class MomentTask:
    jobid: str
    moment_id: str
    create_time: int
    text: str
    senders: dict[str, int] = field(default_factory=dict)  # userid → publish_status 0/1
    invalid_senders: list[str] = field(default_factory=list)
    attachments: list = field(default_factory=list)


@dataclass
class CorpJobs:
    welcome_codes: dict[str, WelcomeCode] = field(default_factory=dict)
    mass_messages: dict[str, MassMessage] = field(default_factory=dict)
    # (target, yyyy-mm-dd in China time) → msgid that used the day's quota
    daily_quota: dict[tuple[str, str], str] = field(default_factory=dict)
    moments: dict[str, MomentTask] = field(default_factory=dict)  # by jobid
    moment_creations: list[float] = field(default_factory=list)  # for 10 per minute
    oauth_codes: dict[str, tuple[str, float]] = field(default_factory=dict)  # code → userid
    sent_app_messages: list[dict] = field(default_factory=list)
    moment_reactions: list = field(default_factory=list)  # likes and comments on moments
    # What customers received as welcome messages (欢迎语), in order (api_contact_way).
    sent_welcome_messages: list[dict] = field(default_factory=list)
