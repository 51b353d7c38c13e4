"""The JSON shapes of the sidebar API: scripts and materials."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from scrm.db import db
from scrm.sidebar.models import SidebarMaterial, SidebarScript
from scrm.sidebar.scripts import link_problems


def active_materials() -> list[SidebarMaterial]:
    """The materials in use, by category."""
    return list(
        db.session.scalars(
            select(SidebarMaterial)
            .where(SidebarMaterial.active.is_(True))
            .order_by(SidebarMaterial.category, SidebarMaterial.id)
        )
    )


def script(row: SidebarScript) -> dict[str, Any]:
    """A script as JSON (its body unfilled)."""
    return {
        "id": row.id,
        "key": row.key,
        "category": row.category,
        "title": row.title,
        "body": row.body,
        "product_name": row.product_name,
        "material_key": row.material_key,
        "active": row.active,
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
        "updated_by": row.updated_by,
    }


def material(row: SidebarMaterial) -> dict[str, Any]:
    """A material as JSON, with the fields sendChatMessage takes for its kind; ``links_ok``
    is false for a row saved before links were checked (pages show it as invalid)."""
    return {
        "key": row.key,
        "kind": row.kind,
        "category": row.category,
        "title": row.title,
        "content": row.content,
        "links_ok": not link_problems(row.content or {}),
        "active": row.active,
    }
