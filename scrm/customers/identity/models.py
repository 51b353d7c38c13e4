"""Bank customers (the bank's own customer records, keyed by customer number) and the binding of
a WeCom external contact to one of them (机构内身份认证), with its audit trail.

A WeCom contact is only a WeChat account; the bank's customer number (客户号 / CIF) carries the
tier, AUM band, risk level and products. Segments read those through the binding; bulk add
matches imported phone numbers through ``mobile_sha256`` (the number itself is not kept).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrm.db import Base, UTCDateTime, utcnow
from scrm.directory.models import Staff

#: Customer tiers (客户等级), lowest first.
TIERS = ("mass", "gold", "platinum", "diamond", "private")
TIER_NAMES = {
    "mass": "大众客户",
    "gold": "金卡客户",
    "platinum": "白金客户",
    "diamond": "钻石客户",
    "private": "私行客户",
}
#: AUM bands (资产规模), lowest first; yuan bounds are [low, high).
AUM_BANDS = ("lt_50k", "50k_500k", "500k_6m", "6m_30m", "ge_30m")
AUM_BAND_NAMES = {
    "lt_50k": "5万以下",
    "50k_500k": "5万–50万",
    "500k_6m": "50万–600万",
    "6m_30m": "600万–3000万",
    "ge_30m": "3000万以上",
}
#: Risk assessment levels (风险测评等级) C1 (conservative) … C5 (aggressive).
RISK_LEVELS = ("C1", "C2", "C3", "C4", "C5")
#: Customer types (客户类型) by the products that brought them to the bank.
CUSTOMER_TYPES = ("payroll", "mortgage", "credit_card", "wealth", "social_security_card")
CUSTOMER_TYPE_NAMES = {
    "payroll": "代发",
    "mortgage": "按揭",
    "credit_card": "信用卡",
    "wealth": "理财",
    "social_security_card": "社保卡",
}

#: How a binding was verified.
BINDING_METHODS = ("counter", "mobile_sms", "video", "import")
BINDING_METHOD_NAMES = {
    "counter": "柜面核验",
    "mobile_sms": "手机号+短信验证",
    "video": "视频核验",
    "import": "批量导入（待核验）",
}


class BankCustomer(Base):
    """A customer of the bank as the core system knows them (客户号, tier, AUM, risk, products)."""

    __tablename__ = "bank_customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    cif_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    # sha256 of the 11-digit mainland mobile number, for matching; never the number itself.
    mobile_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    mobile_masked: Mapped[str | None] = mapped_column(String(16))  # 138****1234
    tier: Mapped[str | None] = mapped_column(String(16), index=True)
    aum_band: Mapped[str | None] = mapped_column(String(16), index=True)
    risk_level: Mapped[str | None] = mapped_column(String(4))
    # The branch or sub-branch that owns the customer (开户/归属机构).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    types: Mapped[list[BankCustomerType]] = relationship(
        back_populates="bank_customer", cascade="all, delete-orphan"
    )


class BankCustomerType(Base):
    """One customer type (代发, 按揭, 信用卡, 理财, 社保卡) a bank customer holds."""

    __tablename__ = "bank_customer_type"
    __table_args__ = (UniqueConstraint("bank_customer_id", "type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_customer_id: Mapped[int] = mapped_column(
        ForeignKey("bank_customer.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(24), index=True)

    bank_customer: Mapped[BankCustomer] = relationship(back_populates="types")


class CustomerBinding(Base):
    """The current binding of one WeCom external contact to one bank customer."""

    __tablename__ = "customer_binding"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), unique=True)
    bank_customer_id: Mapped[int] = mapped_column(ForeignKey("bank_customer.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    verified_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(String(200))

    bank_customer: Mapped[BankCustomer] = relationship()
    verified_by_staff: Mapped[Staff | None] = relationship()


class CustomerBindingAudit(Base):
    """One change to a binding (bind, change, unbind): who, how, why, from what to what."""

    __tablename__ = "customer_binding_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # bind | change | unbind
    old_cif_no: Mapped[str | None] = mapped_column(String(32))
    new_cif_no: Mapped[str | None] = mapped_column(String(32))
    method: Mapped[str | None] = mapped_column(String(16))
    by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    by_userid: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # For forms posted twice: the same key records (and changes) once.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)
