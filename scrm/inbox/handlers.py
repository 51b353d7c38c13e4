"""Apply WeCom callback events to scrm's data, idempotently.

:func:`apply_event` looks the event up in a table keyed by ``(Event, ChangeType)``. Every
handler can run twice, or after a later event, without harm: it either re-reads the truth from
WeCom or writes a state that does not depend on what was stored. A :class:`WeComError`
propagates so the inbox retries the event with backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from scrm.customers import services as customers
from scrm.customers.models import (
    FOLLOW_DELETED_BY_CUSTOMER,
    FOLLOW_DELETED_BY_RM,
    FOLLOW_TRANSFERRED,
)
from scrm.db import utcnow
from scrm.directory import services as directory
from scrm.groups import services as groups
from scrm.sop.tasks import materialise as sop_clock
from scrm.wecom.endpoints.reads import DepartmentInfo, MemberInfo
from scrm.wecom.events import (
    ContactChanged,
    ExternalChatChanged,
    ExternalContactChanged,
    ExternalTagChanged,
    MalformedEvent,
    WeComEvent,
)

log = logging.getLogger(__name__)

Handler = Callable[[WeComEvent], None]


def _field(event: WeComEvent, name: str) -> str | None:
    """A plain text field of the event, ``None`` when absent or empty."""
    value = event.raw.get(name)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _int_field(event: WeComEvent, name: str) -> int | None:
    value = _field(event, name)
    return int(value) if value is not None else None


# ---- change_contact: staff and departments (通讯录) ---------------------------------------


def _staff_changed(event: ContactChanged) -> None:
    userid = event.userid
    if not userid:
        raise MalformedEvent(f"{event.change_type} event has no UserID")
    target = event.new_userid or userid
    stored = directory.get_staff(userid) or directory.get_staff(target)
    if stored is None and _field(event, "Name") is None:
        # update_user carries only the fields that changed: learn the rest from WeCom
        # (before anything is written, so a token fetch never waits on our own write).
        stored = directory.ensure_staff(target)
    if target != userid:
        directory.rename_staff(userid, target)
        groups.rename_member(userid, target)
        userid = target
    departments = _field(event, "Department")
    department_ids = (
        tuple(int(d) for d in departments.split(",") if d.strip())
        if departments is not None
        else ((stored.department_id,) if stored and stored.department_id else ())
    )
    main = _int_field(event, "MainDepartment") or None  # 0: not given
    if main is None and departments is not None:
        main = department_ids[0] if department_ids else None
    if main is None and stored is not None:
        main = stored.department_id

    def pick(name: str, attr: str):
        # update_user carries only what changed: an absent field keeps the stored value,
        # a field sent empty was cleared.
        if name in event.raw:
            return _field(event, name)
        return getattr(stored, attr) if stored else None

    status = _int_field(event, "Status")
    info = MemberInfo(
        userid=userid,
        name=pick("Name", "name") or "",
        department_ids=department_ids,
        main_department=main,
        position=pick("Position", "position"),
        mobile=pick("Mobile", "mobile"),
        email=pick("Email", "email"),
        avatar=pick("Avatar", "avatar"),
        status=status if status is not None else (stored.status if stored else 1),
    )
    directory.upsert_staff(info)


def _staff_deleted(event: ContactChanged) -> None:
    if not event.userid:
        raise MalformedEvent("delete_user event has no UserID")
    directory.remove_staff(event.userid)
    # 离职继承: their customers and groups wait for the branch lead to name a takeover RM.
    # Imported late: custody reaches the compliance gate, which the hot path never needs.
    from scrm.custody.inheritance import plan_inheritance

    plan_inheritance(event.userid)


def _department_changed(event: ContactChanged) -> None:
    if event.department_id is None:
        raise MalformedEvent(f"{event.change_type} event has no Id")
    stored = directory.get_department(event.department_id)
    name = _field(event, "Name")
    parent = _int_field(event, "ParentId")
    if parent == 0:  # WeCom's "no parent": the root department
        parent = None
    elif parent is None and stored is not None:
        parent = stored.parent_id
    order = _int_field(event, "Order")
    directory.upsert_department(
        DepartmentInfo(
            id=event.department_id,
            name=name if name is not None else (stored.name if stored else ""),
            parent_id=parent,
            order=order if order is not None else (stored.order if stored else 0),
            name_en=stored.name_en if stored else None,
        )
    )


def _department_deleted(event: ContactChanged) -> None:
    if event.department_id is None:
        raise MalformedEvent("delete_party event has no Id")
    directory.remove_department(event.department_id)


def _staff_tag_changed(event: ContactChanged) -> None:
    # Imported late, like the archive pull below: the callback's hot path never needs them.
    from scrm.directory.staff_tags.services import refresh_staff_tag
    from scrm.wecom.client import get_client

    tagid = _int_field(event, "TagId")
    if tagid is None:
        raise MalformedEvent("update_tag event has no TagId")
    refresh_staff_tag(get_client("agent"), tagid)


# ---- change_external_contact: customers and their RMs (客户联系) --------------------------


def _customer_added(event: ExternalContactChanged) -> None:
    from scrm.acquisition.attribution import on_customer_added

    follow = customers.record_customer_added(
        event.external_userid,
        event.userid,
        state=event.state,
        half=event.change_type == "add_half_external_contact",
    )
    # Channel attribution, tags, welcome message (欢迎语) and bulk-add tasks.
    on_customer_added(event, follow)


def _customer_edited(event: ExternalContactChanged) -> None:
    customers.refresh_customer(event.external_userid)


def _rm_deleted_customer(event: ExternalContactChanged) -> None:
    by_transfer = event.source == "DELETE_BY_TRANSFER"
    status = FOLLOW_TRANSFERRED if by_transfer else FOLLOW_DELETED_BY_RM
    customers.mark_follow_removed(event.external_userid, event.userid, status, at=event.created_at)


def _customer_deleted_rm(event: ExternalContactChanged) -> None:
    customers.mark_follow_removed(
        event.external_userid, event.userid, FOLLOW_DELETED_BY_CUSTOMER, at=event.created_at
    )


def _transfer_failed(event: ExternalContactChanged) -> None:
    from scrm.custody.results import record_transfer_fail

    reason = event.fail_reason or "unknown"
    customers.record_transfer_failure(event.external_userid, event.userid, reason)
    record_transfer_fail(event.external_userid, event.userid, reason)


# ---- change_external_chat: customer groups (客户群) ---------------------------------------


def _group_refreshed(event: ExternalChatChanged) -> None:
    groups.refresh_group(event.chat_id)


def _group_created(event: ExternalChatChanged) -> None:
    group = groups.refresh_group(event.chat_id)
    if group is not None:  # None: dismissed before we ever saw it (the dismiss event says so)
        # A group assigned an SOP before WeCom told us of it (rare) gets its group_created steps.
        sop_clock.on_group_created(group, event.created_at or utcnow())


def _group_updated(event: ExternalChatChanged) -> None:
    if event.update_detail in ("add_member", "del_member"):
        group = groups.apply_member_change(event)
        if event.update_detail == "add_member" and group is not None:
            # member_joined SOP steps (e.g. a welcome); the task key holds the join time, so
            # applying the same event twice creates nothing new.
            for userid in event.member_changes:
                sop_clock.on_member_joined(group, userid, event.created_at or utcnow())
    else:  # change_owner / change_name / change_notice, and any detail WeCom adds later
        groups.refresh_group(event.chat_id)


def _group_dismissed(event: ExternalChatChanged) -> None:
    groups.dismiss_group(event.chat_id, event.created_at or utcnow())


# ---- change_external_tag: corp tags (企业标签) --------------------------------------------


def _tag_changed(event: ExternalTagChanged) -> None:
    if event.tag_type == "tag_group":
        customers.refresh_tags(group_ids=[event.tag_id])
    else:
        customers.refresh_tags(tag_ids=[event.tag_id])


def _tag_deleted(event: ExternalTagChanged) -> None:
    if event.tag_type == "tag_group":
        customers.remove_tag_group(event.tag_id)
    else:
        customers.remove_tag(event.tag_id)


def _tags_reordered(event: ExternalTagChanged) -> None:
    customers.refresh_tags()


# ---- msgaudit_notify: new messages in the conversation archive (会话内容存档) ----------------


def _archive_notified(event: WeComEvent) -> None:
    # Imported late: the scanner loads jieba, which the callback's hot path never needs.
    from scrm.archive.ingest.services import pull_configured_archive

    counts = pull_configured_archive()
    if counts is None:
        log.info("msgaudit_notify received but ARCHIVE_SOURCE is off; nothing pulled")
    else:
        log.info("conversation archive pulled on notify: %s", counts)


HANDLERS: dict[tuple[str, str], Handler] = {
    ("change_contact", "create_user"): _staff_changed,
    ("change_contact", "update_user"): _staff_changed,
    ("change_contact", "delete_user"): _staff_deleted,
    ("change_contact", "create_party"): _department_changed,
    ("change_contact", "update_party"): _department_changed,
    ("change_contact", "delete_party"): _department_deleted,
    ("change_contact", "update_tag"): _staff_tag_changed,
    ("change_external_contact", "add_external_contact"): _customer_added,
    ("change_external_contact", "add_half_external_contact"): _customer_added,
    ("change_external_contact", "edit_external_contact"): _customer_edited,
    ("change_external_contact", "del_external_contact"): _rm_deleted_customer,
    ("change_external_contact", "del_follow_user"): _customer_deleted_rm,
    ("change_external_contact", "transfer_fail"): _transfer_failed,
    ("change_external_chat", "create"): _group_created,
    ("change_external_chat", "update"): _group_updated,
    ("change_external_chat", "dismiss"): _group_dismissed,
    ("change_external_tag", "create"): _tag_changed,
    ("change_external_tag", "update"): _tag_changed,
    ("change_external_tag", "delete"): _tag_deleted,
    ("change_external_tag", "shuffle"): _tags_reordered,
    ("msgaudit_notify", ""): _archive_notified,
}


def apply_event(event: WeComEvent) -> bool:
    """Apply one callback event to the database (flushes; the caller commits).

    :return: ``True`` when a handler applied it, ``False`` when scrm has no handler for it (the
        event stays stored and is logged).
    :raise WeComError: when WeCom must be asked and fails; the inbox retries later.
    :raise MalformedEvent: when the event lacks the id it is about (retrying cannot help).
    """
    handler = HANDLERS.get((event.event or "", event.change_type or ""))
    if handler is None:
        log.info("no handler for %s event %s/%s", event.msg_type, event.event, event.change_type)
        return False
    handler(event)
    return True
