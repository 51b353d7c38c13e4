"""The moments domain's user-facing error."""

from __future__ import annotations

from scrm.errors import ScrmError


class CentralPostError(ScrmError):
    """A post that cannot be made as asked; the message names the fix."""
