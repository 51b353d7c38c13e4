"""The demo's WeCom settings: fictional, fixed, and good for nothing but the simulator."""

from __future__ import annotations

import base64
import hashlib

#: The seed of the demo bank unless ``--seed`` says otherwise.
DEFAULT_SEED = 2026

#: The demo's ``ARCHIVE_SOURCE``: the simulator's archive, configured as a bank configures its
#: Finance SDK adapter.
ARCHIVE_SOURCE = "scrm.demo.archive_source:archive_source"


def _digest(label: str) -> bytes:
    return hashlib.sha256(f"scrm demo · {label}".encode()).digest()


def demo_settings() -> dict[str, str]:
    """Corp id, secrets, agent id, callback token and AES key for the demo corp.

    Derived from fixed labels, so every demo run (and its stored tokens) uses the same values.
    """
    return {
        "WECOM_CORP_ID": "ww" + _digest("corp").hex()[:16],
        "WECOM_CONTACT_SECRET": base64.urlsafe_b64encode(_digest("contact")).decode()[:43],
        "WECOM_AGENT_ID": "1000002",
        "WECOM_AGENT_SECRET": base64.urlsafe_b64encode(_digest("agent")).decode()[:43],
        "WECOM_CALLBACK_TOKEN": "scrmDemoToken2026",
        # 43 characters: base64 of 32 bytes without the trailing "=", as WeCom issues them.
        "WECOM_CALLBACK_AES_KEY": base64.b64encode(_digest("aes")).decode().rstrip("="),
    }
