"""Import the bank's customer records (客户号, tier, AUM, risk, products) from a CSV or XLSX
export of the core system, upserting by customer number.

Columns (header row, any order): 客户号, 姓名, 手机号, 客户等级, 资产规模, 风险等级, 客户类型
(several, separated by 、 or ,), 归属机构 (a department id). Every line is checked first; when
any line is wrong nothing is imported and each error names the line and the fix. The mobile
number is kept only as its sha256 and a masked form (138****1234).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select

from scrm.customers.identity.models import (
    AUM_BAND_NAMES,
    AUM_BANDS,
    CUSTOMER_TYPE_NAMES,
    RISK_LEVELS,
    TIER_NAMES,
    BankCustomer,
    BankCustomerType,
)
from scrm.db import db, utcnow
from scrm.directory.models import Department
from scrm.errors import ScrmError

COLUMNS = ("客户号", "姓名", "手机号", "客户等级", "资产规模", "风险等级", "客户类型", "归属机构")
REQUIRED = ("客户号", "姓名")
#: Lower bounds in yuan of each AUM band, in AUM_BANDS order.
AUM_LOWER_BOUNDS = (0, 50_000, 500_000, 6_000_000, 30_000_000)
MOBILE = re.compile(r"^1\d{10}$")
CIF = re.compile(r"^[0-9A-Za-z]{4,32}$")
_TIERS = {**{v: k for k, v in TIER_NAMES.items()}, **{k: k for k in TIER_NAMES}}
_BANDS = {**{v: k for k, v in AUM_BAND_NAMES.items()}, **{k: k for k in AUM_BANDS}}
_TYPES = {**{v: k for k, v in CUSTOMER_TYPE_NAMES.items()}, **{k: k for k in CUSTOMER_TYPE_NAMES}}


class BankImportError(ScrmError, ValueError):
    """The file cannot be read at all (format, header); the message names the fix."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def mobile_sha256(mobile: str) -> str:
    """sha256 hex of the 11 digits (as bulk add matches them)."""
    return hashlib.sha256(mobile.encode("ascii")).hexdigest()


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """The file's rows as ``{column: text}`` (CSV in UTF-8 with or without BOM, or XLSX).

    :raise BankImportError: unknown extension, unreadable file, missing columns.
    """
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).active
        values = [
            ["" if c is None else str(c).strip() for c in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    elif path.suffix.lower() == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise BankImportError(f"{path.name} is not UTF-8; save it as CSV UTF-8") from None
        values = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise BankImportError(f"{path.name}: use a .csv (UTF-8) or .xlsx file")
    if not values:
        raise BankImportError(f"{path.name} is empty; the first row must name the columns")
    header = values[0]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BankImportError(
            f"{path.name} line 1: missing column {', '.join(missing)}; "
            f"columns are {', '.join(COLUMNS)}"
        )
    return [dict(zip(header, row, strict=False)) for row in values[1:] if any(row)]


def _aum_band(text: str) -> str | None:
    if text in _BANDS:
        return _BANDS[text]
    cleaned = text.replace(",", "").replace("，", "").replace("元", "")
    scale = 10_000 if cleaned.endswith("万") else 1
    try:
        amount = Decimal(cleaned.rstrip("万")) * scale
    except InvalidOperation:
        raise ValueError(
            f"资产规模 {text!r} is neither an amount (e.g. 120000 or 12万) nor a band "
            f"({', '.join(AUM_BAND_NAMES.values())})"
        ) from None
    band = AUM_BANDS[0]
    for name, low in zip(AUM_BANDS, AUM_LOWER_BOUNDS, strict=True):
        if amount >= low:
            band = name
    return band


def _parse(row: dict[str, str], departments: set[int]) -> dict:
    cif, name = row.get("客户号", ""), row.get("姓名", "")
    if not CIF.match(cif):
        raise ValueError(f"客户号 {cif!r} must be 4 to 32 letters or digits")
    if not name:
        raise ValueError("姓名 is empty; give the customer's name")
    mobile = row.get("手机号", "").replace(" ", "").replace("-", "")
    if mobile and not MOBILE.match(mobile):
        raise ValueError(f"手机号 {mobile!r} must be an 11-digit mainland mobile starting with 1")
    tier = row.get("客户等级", "")
    if tier and tier not in _TIERS:
        raise ValueError(f"客户等级 {tier!r} is not one of {', '.join(TIER_NAMES.values())}")
    risk = row.get("风险等级", "").upper()
    if risk and risk not in RISK_LEVELS:
        raise ValueError(f"风险等级 {risk!r} must be one of {', '.join(RISK_LEVELS)}")
    types = [t.strip() for t in re.split(r"[、,，]", row.get("客户类型", "")) if t.strip()]
    unknown = [t for t in types if t not in _TYPES]
    if unknown:
        raise ValueError(
            f"客户类型 {'、'.join(unknown)} unknown; use {'、'.join(CUSTOMER_TYPE_NAMES.values())}"
        )
    department = row.get("归属机构", "")
    if department and (not department.isdigit() or int(department) not in departments):
        raise ValueError(f"归属机构 {department!r} is not a department id in scrm; run `scrm sync`")
    return {
        "cif_no": cif,
        "name": name[:64],
        "mobile": mobile or None,
        "tier": _TIERS.get(tier),
        "aum_band": _aum_band(row["资产规模"]) if row.get("资产规模") else None,
        "risk_level": risk or None,
        "types": sorted({_TYPES[t] for t in types}),
        "department_id": int(department) if department else None,
    }


def import_bank_customers(path: str | Path) -> ImportReport:
    """Check every line, then (only when all are right) upsert each by 客户号.

    :return: counts, or the errors by line when nothing was imported.
    :raise BankImportError: the file itself cannot be read.
    """
    rows = read_rows(path)
    departments = set(db.session.scalars(select(Department.id)))
    report, parsed, seen = ImportReport(), [], {}
    for number, row in enumerate(rows, start=2):
        try:
            record = _parse(row, departments)
        except ValueError as error:
            report.errors.append(f"line {number}: {error}")
            continue
        if record["cif_no"] in seen:
            report.errors.append(
                f"line {number}: 客户号 {record['cif_no']} repeats line {seen[record['cif_no']]}; "
                "keep one line per customer"
            )
        seen[record["cif_no"]] = number
        parsed.append(record)
    if report.errors:
        return report
    for record in parsed:
        _upsert(record, report)
    db.session.flush()
    return report


def _upsert(record: dict, report: ImportReport) -> None:
    customer = db.session.scalar(
        select(BankCustomer).where(BankCustomer.cif_no == record["cif_no"])
    )
    if customer is None:
        customer = BankCustomer(cif_no=record["cif_no"])
        db.session.add(customer)
        report.created += 1
    else:
        report.updated += 1
    mobile = record["mobile"]
    customer.name = record["name"]
    customer.mobile_sha256 = mobile_sha256(mobile) if mobile else None
    customer.mobile_masked = f"{mobile[:3]}****{mobile[-4:]}" if mobile else None
    customer.tier, customer.aum_band = record["tier"], record["aum_band"]
    customer.risk_level, customer.department_id = record["risk_level"], record["department_id"]
    customer.updated_at = utcnow()
    wanted = set(record["types"])
    customer.types = [t for t in customer.types if t.type in wanted]
    have = {t.type for t in customer.types}
    customer.types += [BankCustomerType(type=t) for t in sorted(wanted - have)]
