"""Local console accounts: create, check a password, disable.

An account signs in as a member of staff, so the one permission table in :mod:`scrm.auth`
decides what it may do. ``create-admin`` without ``--staff`` gives the account its own staff
row, userid ``local:<username>`` — a colon never appears in a WeCom userid, so it cannot clash
with a synced member — holding the admin role. With ``--staff`` the account signs in as that
WeCom member, who is granted the admin role.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.directory.services import get_staff, grant_role
from scrm.errors import ScrmError
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
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"the password has {len(password)} characters; use at least {MIN_PASSWORD_LENGTH}"
        )
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


def check_console_password(username: str, password: str) -> ConsoleAccount:
    """The enabled account whose password is ``password``; notes the sign-in time.

    :raise AccountError: (401) for an unknown user, a wrong password or a disabled account —
        one message for all three, so the form does not tell which usernames exist.
    """
    account = get_console_account(username)
    ok = check_password_hash(account.password_hash if account else _DUMMY_HASH, password)
    if account is None or not ok or account.disabled:
        raise AccountError(
            "wrong username or password, or the account is disabled; ask an admin to check "
            "it with `flask --app app scrm create-admin`",
            status_code=401,
        )
    account.last_signed_in_at = utcnow()
    db.session.flush()
    return account


def disable_console_account(username: str) -> ConsoleAccount:
    """Disable an account; its open sessions end on their next request.

    :raise AccountError: when no account has that username.
    """
    account = get_console_account(username)
    if account is None:
        raise AccountError(f"no console account is named {username!r}")
    account.disabled = True
    db.session.flush()
    return account
