"""RM notes on a customer (跟进记录): one row per note, and every earlier wording kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrm.customers.models import Customer
from scrm.db import Base, UTCDateTime, utcnow
from scrm.directory.models import Staff


class CustomerNote(Base):
    """A follow-up note an RM wrote about a customer; ``text`` is its current wording."""

    __tablename__ = "customer_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()
    author: Mapped[Staff] = relationship()
    revisions: Mapped[list[CustomerNoteRevision]] = relationship(
        back_populates="note", order_by="CustomerNoteRevision.version"
    )


class CustomerNoteRevision(Base):
    """An earlier wording of a note, written when the note was edited (append-only)."""

    __tablename__ = "customer_note_revision"
    __table_args__ = (UniqueConstraint("note_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("customer_note.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)  # the version this wording was
    text: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when this wording was written
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaced_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))

    note: Mapped[CustomerNote] = relationship(back_populates="revisions")
