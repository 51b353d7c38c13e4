"""会话内容存档 (msgaudit) in the simulator: the corp's message log, its RSA keys, the
``msgaudit/*`` server API, and a stand-in for the Finance SDK's GetChatData transport.

WeCom encrypts each archived message for the corp: a fresh random key, RSA-encrypted (PKCS#1
v1.5) with the public key the corp uploaded under a ``publickey_ver``, and the message
encrypted with that random key by a symmetric scheme Tencent does not document. The
simulator holds a REAL RSA key pair per version, so our private-key step and key-version
lookup are exercised truthfully; its symmetric step is its own (AES-256-GCM keyed by the
random key, the msgid as associated data), known only to the demo's archive source
(``scrm/demo/archive_source.py``).

The native SDK has its own transport to WeCom; here it is the simulator-only path
``finance/getchatdata`` (archive secret only), which real WeCom does not have.
"""

from __future__ import annotations

import base64
import json
import os
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from scrm.wecom.simulator.endpoints import ApiError, endpoint

if TYPE_CHECKING:
    from scrm.wecom.simulator.core import Simulator

#: Only the app holding the 会话内容存档 secret may call msgaudit (48002 otherwise).
ARCHIVE = frozenset({"archive"})
#: WeCom keeps archive data only a few days (community reports: 3–5); older seqs are gone.
RETENTION_SECONDS = 5 * 86400
#: GetChatData returns at most this many messages per call.
MAX_LIMIT = 1000
#: msgaudit_notify fires at most this often while new messages exist.
NOTIFY_INTERVAL = 15


@dataclass
class ArchivedEntry:
    """One message in WeCom's archive: its seq and the plaintext JSON WeCom would encrypt."""

    seq: int
    msgid: str
    message: dict[str, Any]
    stored_at: float  # virtual-clock seconds, for retention
    publickey_ver: int  # the corp's key when WeCom archived it; a later rotation keeps it


@dataclass
class MsgAudit:
    """One simulator's archive: keys survive ``reset()`` (they are corp configuration, like
    the secrets); the message log, agreements and notify timing do not."""

    keys: dict[int, rsa.RSAPrivateKey] = field(default_factory=dict)
    publickey_ver: int = 0
    secret: str | None = None
    entries: list[ArchivedEntry] = field(default_factory=list)
    next_seq: int = 1
    disagreed: set[tuple[str, str]] = field(default_factory=set)  # (userid, external_userid)
    last_notify: float | None = None
    corp: Any = None  # the Corp the log belongs to; a new one means the simulator was reset

    def rotate_key(self) -> int:
        """Generate a new RSA-2048 key pair and make it the current ``publickey_ver``."""
        self.publickey_ver += 1
        self.keys[self.publickey_ver] = rsa.generate_private_key(
            public_exponent=65537, key_size=2048
        )
        return self.publickey_ver

    def private_key_pem(self, version: int | None = None) -> str:
        """The private key of ``version`` (default: current) as PKCS#8 PEM, for OUR config."""
        key = self.keys[version or self.publickey_ver]
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def encrypt(self, entry: ArchivedEntry) -> dict[str, Any]:
        """One ``chatdata`` item as GetChatData returns it."""
        random_key = os.urandom(32)
        public = self.keys[entry.publickey_ver].public_key()
        nonce = os.urandom(12)
        plaintext = json.dumps(entry.message, ensure_ascii=False).encode("utf-8")
        sealed = AESGCM(random_key).encrypt(nonce, plaintext, entry.msgid.encode())
        return {
            "seq": entry.seq,
            "msgid": entry.msgid,
            "publickey_ver": entry.publickey_ver,
            "encrypt_random_key": base64.b64encode(
                public.encrypt(random_key, padding.PKCS1v15())
            ).decode(),
            "encrypt_chat_msg": base64.b64encode(nonce + sealed).decode(),
        }


_AUDITS: weakref.WeakKeyDictionary[Simulator, MsgAudit] = weakref.WeakKeyDictionary()


def msgaudit_of(sim: Simulator) -> MsgAudit:
    """The simulator's archive, created with one key pair on first use; its log starts over
    whenever the simulator was reset (a new corp)."""
    with sim.lock:
        audit = _AUDITS.get(sim)
        if audit is None:
            audit = _AUDITS[sim] = MsgAudit()
            audit.rotate_key()
        if audit.corp is not sim.corp:
            audit.corp = sim.corp
            audit.entries.clear()
            audit.disagreed.clear()
            audit.next_seq = 1
            audit.last_notify = None
        return audit


def enable_archive(sim: Simulator, secret: str) -> MsgAudit:
    """Buy the archive licence in the simulator: register the 会话内容存档 secret.

    :return: the archive, whose :meth:`MsgAudit.private_key_pem` goes in our
        ``ARCHIVE_PRIVATE_KEYS`` as a bank's would.
    """
    audit = msgaudit_of(sim)
    with sim.lock:
        if audit.secret and audit.secret != secret:
            sim.secrets.pop(audit.secret, None)
        audit.secret = secret
        sim.secrets[secret] = "archive"
    return audit


def new_msgid(external: bool) -> str:
    """A msgid shaped like WeCom's (base64 of opaque bytes), ``_external`` when a customer
    takes part. Random: msgids are unique for ever, across simulator runs too."""
    return base64.b64encode(os.urandom(20)).decode() + ("_external" if external else "")


def append_message(sim: Simulator, message: dict[str, Any], external: bool) -> ArchivedEntry:
    """Add a message to the archive log (under ``sim.lock``); fills msgid and seq."""
    audit = msgaudit_of(sim)
    seq = audit.next_seq
    audit.next_seq += 1
    msgid = new_msgid(external)
    entry = ArchivedEntry(
        seq, msgid, {"msgid": msgid, **message}, sim.clock.now(), audit.publickey_ver
    )
    audit.entries.append(entry)
    return entry


def notify_due(sim: Simulator) -> bool:
    """True when a ``msgaudit_notify`` may fire now (at most every 15 s); records it."""
    audit = msgaudit_of(sim)
    now = sim.clock.now()
    if audit.last_notify is not None and now - audit.last_notify < NOTIFY_INTERVAL:
        return False
    audit.last_notify = now
    return True


# ---- the Finance SDK's GetChatData, as a simulator-only path ---------------------------


@endpoint("POST", "finance/getchatdata", apps=ARCHIVE)
def get_chat_data(sim, req):
    """Messages with seq > ``seq``, oldest first, at most ``limit`` (≤1000). Messages older
    than the retention window are gone, so a slow puller sees a jump in seq."""
    seq = req.int_field("seq", 0)
    limit = req.int_field("limit", 100)
    if seq < 0 or not 1 <= limit <= MAX_LIMIT:
        raise ApiError(10000, f"invalid seq/limit: seq ≥ 0 and 1 ≤ limit ≤ {MAX_LIMIT}")
    audit = msgaudit_of(sim)
    cutoff = sim.clock.now() - RETENTION_SECONDS
    audit.entries = [e for e in audit.entries if e.stored_at >= cutoff]
    chunk = [e for e in audit.entries if e.seq > seq][:limit]
    return {"chatdata": [audit.encrypt(e) for e in chunk]}


# ---- msgaudit server API -----------------------------------------------------------------


@endpoint("POST", "msgaudit/get_permit_user_list", apps=ARCHIVE)
def get_permit_user_list(sim, req):
    """Members in the archive's scope: every active member with 客户联系 here."""
    kind = req.int_field("type", 0)
    if kind not in (0, 1, 2, 3):
        raise ApiError(40058, "type must be 1 (office), 2 (service) or 3 (enterprise)")
    return {"ids": [u.userid for u in sim.corp.users.values() if u.follow and u.status == 1]}


@endpoint("POST", "msgaudit/check_single_agree", apps=ARCHIVE)
def check_single_agree(sim, req):
    """Whether each customer agreed to have 1v1 chats archived (WeCom's field name is
    misspelled ``exteranalopenid`` and so is ours)."""
    info = req.field("info", required=True)
    if not isinstance(info, list) or not all(isinstance(i, dict) for i in info):
        raise ApiError(40058, "info must be a list of {userid, exteranalopenid}")
    audit = msgaudit_of(sim)
    result = []
    for item in info:
        userid, eid = item.get("userid"), item.get("exteranalopenid")
        if not userid or not eid:
            raise ApiError(40058, "each info item needs userid and exteranalopenid")
        follow = sim.corp.follows.get((userid, eid))
        status = "Disagree" if (userid, eid) in audit.disagreed else "Agree"
        result.append(
            {
                "userid": userid,
                "exteranalopenid": eid,
                "agree_status": status if follow else "Default_Agree",
                "status_change_time": follow.createtime if follow else 0,
            }
        )
    return {"agreeinfo": result}
