"""Lexicon versions seen by scrm (词库版本). The lexicon lives in files and is versioned by the
sha256 of its content; this table keeps each version's content once, so two versions can be
diffed after the files have moved on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from scrm.db import Base, UTCDateTime


class LexiconSnapshot(Base):
    """The canonical content of one lexicon version, recorded the first time it was seen."""

    __tablename__ = "lexicon_snapshot"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[dict] = mapped_column(JSON)  # {"terms": [...], "allow": [...]}
    terms: Mapped[int] = mapped_column(Integer)
    allow_phrases: Mapped[int] = mapped_column(Integer)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
