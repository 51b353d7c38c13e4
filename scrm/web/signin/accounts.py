"""Local console accounts: create, check a password (counting wrong ones, locking), set a new
password, unlock, disable.

An account signs in as a member of staff, so the one permission table in :mod:`scrm.auth`
decides what it may do. ``create-admin`` without ``--staff`` gives the account its own staff
row, userid ``local:<username>`` — a colon never appears in a WeCom userid, so it cannot clash
with a synced member — holding the admin role. With ``--staff`` the account signs in as that
WeCom member, who is granted the admin role.

Guessing is slowed twice: per client address by the login page's throttle, and per account
here — ``LOGIN_MAX_FAILURES`` wrong passwords in a row lock it until ``scrm unlock-admin``.
Every refusal, lock and unlock is in the access audit. The form's answer is the same for an
unknown user, a wrong password, a disabled and a locked account (with or without the right
password), so it tells nobody which usernames exist or whether a guess was right.
"""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from scrm.audit.models import ACCOUNT_LOCKED, ACCOUNT_UNLOCKED, LOGIN_FAILED
from scrm.audit.services import record_sign_in_event
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.directory.services import get_staff, grant_role
from scrm.errors import ScrmError
from scrm.sessions.models import ACCOUNT_DISABLED, PASSWORD_CHANGED
from scrm.sessions.services import end_sessions_of
from scrm.web.signin.models import ConsoleAccount

#: Prefix of the staff userids that belong to local accounts (never a WeCom userid).
LOCAL_USERID_PREFIX = "local:"
MIN_PASSWORD_LENGTH = 12
_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
# Checked against when the username is unknown, so both answers take the same time.
_DUMMY_HASH = generate_password_hash("scrm-no-such-account")


class AccountError(ScrmError):
    """A console account cannot be created or used as asked."""


def is_local_userid(userid: str) -> bool:
    """True for the staff rows of local accounts (directory sync must leave them alone)."""
    return userid.startswith(LOCAL_USERID_PREFIX)


def create_console_account(
    username: str, password: str, *, staff_userid: str | None = None
) -> ConsoleAccount:
    """Create a local account with the admin role.

    :param username: 3–64 letters, digits, ``_ . -``.
    :param password: at least 12 characters; only its hash is stored.
    :param staff_userid: sign in as this synced WeCom member instead of a local staff row.
    :raise AccountError: bad username or password, a taken username, an unknown member.
    """
    if not _USERNAME.match(username):
        raise AccountError(
            f"username {username!r} is not allowed: use 3–64 letters, digits, '_', '.' or '-'"
        )
    _check_password_length(password)
    if get_console_account(username) is not None:
        raise AccountError(f"username {username!r} is taken; pick another or disable the old one")
    if staff_userid:
        staff = get_staff(staff_userid)
        if staff is None or staff.removed_at is not None:
            raise AccountError(
                f"no current member of staff has userid {staff_userid!r}; run "
                "`flask --app app scrm sync` first or leave out --staff"
            )
    else:
        userid = LOCAL_USERID_PREFIX + username
        staff = get_staff(userid) or Staff(userid=userid, name=f"本地管理员 {username}")
        staff.removed_at = None
        db.session.add(staff)
        db.session.flush()
    grant_role(staff, "admin")
    account = ConsoleAccount(
        username=username, password_hash=generate_password_hash(password), staff=staff
    )
    db.session.add(account)
    db.session.flush()
    return account


def get_console_account(username: str) -> ConsoleAccount | None:
    """The account named ``username`` (disabled or not), or ``None``."""
    query = select(ConsoleAccount).where(ConsoleAccount.username == username)
    return db.session.scalars(query).first()


def _check_password_length(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"the password has {len(password)} characters; use at least {MIN_PASSWORD_LENGTH}"
        )


def login_refused_message() -> str:
    """The one answer to every refused local sign-in (no username or right-guess oracle)."""
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    return (
        f"用户名或密码错误，或账号已停用或锁定（连续输错 {limit} 次密码会锁定账号）。"
        "请联系管理员：解锁用 `flask --app app scrm unlock-admin`，检查账号用 "
        "`flask --app app scrm create-admin`。"
        " (wrong username or password, or the account is disabled, or locked after "
        f"{limit} wrong passwords in a row; an admin unlocks it with "
        "`flask --app app scrm unlock-admin`)"
    )


def check_console_password(username: str, password: str, *, address: str | None) -> ConsoleAccount:
    """The enabled, unlocked account whose password is ``password``; notes the sign-in time and
    starts the count of wrong passwords again.

    A refusal is written to the access audit with its reason (unknown user, wrong password,
    disabled, locked) and ``address``; a wrong password counts towards the lock. Both are
    committed before the refusal is raised, since the 401 answer rolls the request back.

    :param address: the client's address, for the audit.
    :raise AccountError: (401) :func:`login_refused_message`, whatever the reason.
    """
    account = get_console_account(username)
    # The hash is checked whatever the account's state, so every answer takes the same time.
    right = check_password_hash(account.password_hash if account else _DUMMY_HASH, password)
    if account is not None and right and not account.disabled and account.locked_at is None:
        account.failed_attempts = 0
        account.last_signed_in_at = utcnow()
        db.session.flush()
        return account
    if account is None:
        # What was typed may be a password typed into the wrong field: not kept.
        record_sign_in_event(LOGIN_FAILED, None, {"reason": "unknown_user", "address": address})
    else:
        reason = "disabled" if account.disabled else "locked" if account.locked_at else None
        if reason is None:
            reason = "wrong_password"
            _count_wrong_password(account, address)
        what = {"username": account.username, "reason": reason, "address": address}
        record_sign_in_event(LOGIN_FAILED, account.staff, what)
    # Committed here, not by the request: the 401 below rolls the request back, and the count
    # and its audit rows must outlive the refusal they record.
    db.session.commit()
    raise AccountError(login_refused_message(), status_code=401)


def _count_wrong_password(account: ConsoleAccount, address: str | None) -> None:
    # One UPDATE each, so parallel guesses are all counted and the account locks once.
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    row = ConsoleAccount.__table__.c
    db.session.execute(
        update(ConsoleAccount)
        .where(row.id == account.id)
        .values(failed_attempts=row.failed_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    locked = db.session.execute(
        update(ConsoleAccount)
        .where(row.id == account.id, row.locked_at.is_(None), row.failed_attempts >= limit)
        .values(locked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(account)
    if locked.rowcount:
        what = {"username": account.username, "failures": account.failed_attempts}
        record_sign_in_event(ACCOUNT_LOCKED, account.staff, what | {"address": address})


def set_console_password(username: str, password: str) -> ConsoleAccount:
    """Give an account a new password and end every session of its member of staff. The count
    of wrong passwords starts again; a lock stays until ``scrm unlock-admin``.

    :raise AccountError: no such account, or a password under 12 characters.
    """
    account = _account(username)
    _check_password_length(password)
    account.password_hash = generate_password_hash(password)
    account.failed_attempts = 0
    db.session.flush()
    end_sessions_of(account.staff_id, PASSWORD_CHANGED)
    return account


def unlock_console_account(username: str, *, by: str) -> bool:
    """Unlock an account locked by wrong passwords, and write who did it to the access audit.

    :param by: who unlocks (the operator's name).
    :return: ``False`` when the account was not locked (nothing is changed or written).
    :raise AccountError: when no account has that username.
    """
    account = _account(username)
    if account.locked_at is None and not account.failed_attempts:
        return False
    account.locked_at = None
    account.failed_attempts = 0
    db.session.flush()
    record_sign_in_event(ACCOUNT_UNLOCKED, account.staff, {"username": username, "by": by})
    return True


def _account(username: str) -> ConsoleAccount:
    account = get_console_account(username)
    if account is None:
        raise AccountError(f"no console account is named {username!r}")
    return account


def disable_console_account(username: str) -> ConsoleAccount:
    """Disable an account and end every session of its member of staff at once.

    :raise AccountError: when no account has that username.
    """
    account = _account(username)
    account.disabled = True
    db.session.flush()
    end_sessions_of(account.staff_id, ACCOUNT_DISABLED)
    return account
