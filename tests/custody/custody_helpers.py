"""Names shared by the custody tests."""

from __future__ import annotations

from sqlalchemy import select

from scrm.db import db
from scrm.directory.models import Staff

LEAVING = "wang.lan"
TAKEOVER = "li.jie"
OTHER_RM = "zhou.min"
LEAD = "chen.hang"
BEIJING_RM = "zhao.bj"
CUSTOMER_NAMES = ("张伟", "陳美玲", "ＬＩＵ　Ｙａｎｇ", "王芳🌸", "趙大勇")


def staff(userid: str) -> Staff:
    return db.session.scalar(select(Staff).where(Staff.userid == userid))
