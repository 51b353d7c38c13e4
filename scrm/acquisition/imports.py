"""Reading and checking a bulk-add file (批量加好友): CSV or XLSX, Chinese or English headers.

Columns: 手机号/phone (required), 姓名/name, 客户号/cif_no, 客户经理/rm_userid (required).
Every row is checked and every problem is reported with its line number and the fix; the file
is read whole, nothing is written here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import PurePath

from sqlalchemy import select

from scrm.acquisition.models import AddTask
from scrm.acquisition.sealing import mask_mobile, mobile_sha256, normalise_mobile
from scrm.db import db
from scrm.directory.models import Staff
from scrm.errors import ScrmError

HEADERS = {
    "mobile": ("手机号", "手机号码", "手机", "phone", "mobile"),
    "name": ("姓名", "客户姓名", "name"),
    "cif_no": ("客户号", "cif_no", "cif"),
    "rm_userid": ("客户经理", "客户经理userid", "rm_userid", "rm"),
}
MAX_ROWS = 50_000


class ImportFileError(ScrmError, ValueError):
    """The file as a whole cannot be read (format, encoding, headers)."""


@dataclass(frozen=True)
class GoodRow:
    line: int
    mobile: str
    name: str
    cif_no: str | None
    staff: Staff


@dataclass
class CheckedFile:
    """The rows that may be imported and the problems of the others, by line."""

    total: int = 0
    good: list[GoodRow] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def read_rows(filename: str, data: bytes) -> list[tuple[int, list[str]]]:
    """``(line number, cells)`` of every row, the header row first.

    :raise ImportFileError: not CSV/XLSX, or unreadable.
    """
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_rows(data)
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):  # Excel saves Chinese CSV as GBK
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportFileError(f"{filename}: not UTF-8 or GBK text; save it as CSV UTF-8")
        return [(i, row) for i, row in enumerate(csv.reader(io.StringIO(text)), start=1)]
    raise ImportFileError(f"{filename}: use a .csv or .xlsx file")


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged file
        raise ImportFileError(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    sheet = book.worksheets[0]
    rows = []
    for i, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        rows.append((i, ["" if v is None else str(v) for v in values]))
    book.close()
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    found = {}
    for key, aliases in HEADERS.items():
        for alias in aliases:
            if alias.lower() in names:
                found[key] = names.index(alias.lower())
                break
    missing = [
        HEADERS[k][0] + "/" + HEADERS[k][-1] for k in ("mobile", "rm_userid") if k not in found
    ]
    if missing:
        raise ImportFileError(
            f"line 1: no column {', '.join(missing)}; the header row needs 手机号 and 客户经理 "
            "(or phone and rm_userid), optionally 姓名/name and 客户号/cif_no"
        )
    return found


def check_file(filename: str, data: bytes) -> CheckedFile:
    """Read and check every row of a bulk-add file.

    :raise ImportFileError: the file or its header row cannot be used at all.
    """
    rows = [
        (line, cells) for line, cells in read_rows(filename, data) if any(c.strip() for c in cells)
    ]
    if not rows:
        raise ImportFileError(f"{filename}: the file is empty; add a header row and rows")
    header_line, header = rows[0]
    columns = _columns(header)
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise ImportFileError(f"{len(body)} rows; import at most {MAX_ROWS} at a time")
    result = CheckedFile(total=len(body))

    def cell(cells: list[str], key: str) -> str:
        index = columns.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    wanted = {cell(c, "rm_userid") for _, c in body}
    staff = {s.userid: s for s in db.session.scalars(select(Staff).where(Staff.userid.in_(wanted)))}
    hashes = {}
    for line, cells in body:
        mobile = normalise_mobile(cell(cells, "mobile"))
        if mobile is not None:
            hashes.setdefault(mobile_sha256(mobile), line)
    existing = _existing_tasks(list(hashes))
    seen: dict[str, int] = {}
    for line, cells in body:
        problems = []
        raw_mobile = cell(cells, "mobile")
        mobile = normalise_mobile(raw_mobile)
        if mobile is None:
            problems.append(
                f"手机号 {raw_mobile!r} is not a mainland mobile; write 11 digits starting 13–19, "
                "e.g. 13812345678"
                if raw_mobile
                else "手机号 is empty; write the customer's 11-digit mobile"
            )
        else:
            digest = mobile_sha256(mobile)
            if digest in seen:
                problems.append(
                    f"{mask_mobile(mobile)} is also on line {seen[digest]}; keep one of the two"
                )
            elif digest in existing:
                problems.append(
                    f"{mask_mobile(mobile)} was already imported for {existing[digest]}; "
                    "remove the row"
                )
            seen.setdefault(digest, line)
        userid = cell(cells, "rm_userid")
        rm = staff.get(userid)
        if not userid:
            problems.append("客户经理 is empty; write the RM's WeCom userid")
        elif rm is None or rm.removed_at is not None:
            problems.append(f"客户经理 {userid!r} is not a member of staff; check the userid")
        elif not rm.is_follow_user:
            problems.append(
                f"客户经理 {userid!r} has no 客户联系 and cannot add customers; enable it in the "
                "WeCom admin or give the row to another RM"
            )
        name, cif_no = cell(cells, "name"), cell(cells, "cif_no") or None
        if len(name) > 64:
            problems.append("姓名 is over 64 characters; shorten it")
        if cif_no is not None and len(cif_no) > 32:
            problems.append("客户号 is over 32 characters; check it")
        if problems:
            result.problems.append((line, "; ".join(problems)))
        else:
            result.good.append(GoodRow(line, mobile, name, cif_no, rm))
    return result


def _existing_tasks(hashes: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(hashes), 500):
        chunk = hashes[start : start + 500]
        query = (
            select(AddTask.mobile_sha256, Staff.userid)
            .join(Staff, Staff.id == AddTask.staff_id)
            .where(AddTask.mobile_sha256.in_(chunk))
        )
        found.update(dict(db.session.execute(query).all()))
    return found
