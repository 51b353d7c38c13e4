"""Customer data in a message: resident ID numbers, bank card numbers, mainland mobile numbers.

Numbers are found on a same-length copy of the message in which full-width, circled and other
styled digits read as ASCII and zero-width characters as spaces, so every span indexes the
original. A number may be written in groups separated by one space or dash
(``6217 0000 0000 0001 234``, ``138-0013-8000``). A run of such groups is tried whole and as
every stretch of consecutive groups, so two numbers side by side (``身份证 … 手机 …`` written
with only a space between) are both found; a stretch of digits never matches inside a longer
unseparated run, which keeps order numbers and serials out.

Overlaps are resolved by priority — resident ID > bank card > mobile — because an ID number
holds 11-digit runs that look like mobiles and 16–19 digit runs that look like cards.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from scrm.compliance.vocabulary import BLOCK, FLAG, WARN

RESIDENT_ID = "resident_id"
BANK_CARD = "bank_card"
MOBILE = "mobile"
CATEGORY = "泄露/索取客户信息"

#: What each kind of number does on each channel, and why:
#: - a resident ID (身份证号) is enough for identity fraud; KYC never needs one typed into a
#:   chat (it goes through the bank's own systems), and even in a 1v1 chat the recipient may
#:   not be its owner — block everywhere (PIPL; 商业银行法 第二十九条).
#: - a bank card number in a 1v1 chat is often the customer's own (代发 set-up, a transfer);
#:   the RM confirms with a reason — warn. In a group or on moments it is disclosed to
#:   other customers — block.
#: - a mobile number in a 1v1 chat is usually the RM's own or the customer's — flag, for
#:   review only. In a group or on moments it may be a customer's, or a hotline — warn.
ACTIONS: dict[str, dict[str, str]] = {
    RESIDENT_ID: {"single": BLOCK, "group": BLOCK, "moments": BLOCK},
    BANK_CARD: {"single": WARN, "group": BLOCK, "moments": BLOCK},
    MOBILE: {"single": FLAG, "group": WARN, "moments": WARN},
}
_PRIORITY = {RESIDENT_ID: 3, BANK_CARD: 2, MOBILE: 1}

#: Words near a number that say what it is (raise confidence).
_CONTEXT = {
    RESIDENT_ID: ("身份证", "证件号", "证件号码", "身份号码"),
    BANK_CARD: ("卡号", "银行卡", "账号", "帐号", "开户行", "户名", "转账", "储蓄卡", "信用卡"),
    MOBILE: ("手机", "电话", "联系", "致电", "号码", "微信"),
}
#: Words that say a long number is something else: no card, whatever its digits.
_NOT_A_CARD = ("订单", "单号", "流水号", "编号", "合同号", "快递", "运单", "工单", "批次")
_CONTEXT_WINDOW = 20  # characters either side of the number
_WEAK = 0.4  # an ID-shaped number whose checksum fails: kept only when named as an ID

# GB 11643-1999: province codes, ISO 7064 MOD 11-2 weights and check characters.
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# Groups of digits joined by at most one space or dash, an optional +86 / 0086 in front, and
# an X at the end (resident IDs); not glued to a letter or digit on either side.
# The separator inside the repeat is required, so the pattern has one way to read a run (no
# backtracking blow-up on a long digit string).
_NUMBER_RUN = re.compile(r"(?<![0-9A-Za-z+])\+?[0-9]+(?:[ -][0-9]+)*(?:[ -]?[Xx])?(?![0-9A-Za-z])")
_GROUP = re.compile(r"\+?[0-9]+|[Xx]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_PREFIXED_MOBILE = re.compile(r"\+?(?:00)?86(1[3-9][0-9]{9})")
#: Too few digits for any of the three kinds: most messages stop here, before any folding.
#: ``\d`` takes every decimal digit (full-width too); circled and parenthesised digits are
#: listed; up to two characters that are not letters or digits may separate them.
_DIGITISH = r"[\d\u2460-\u249b\u24ea-\u24ff\u2776-\u2793]"
_MAYBE_NUMBER = re.compile(_DIGITISH + r"(?:\W{0,2}" + _DIGITISH + "){10}")
_LONG_ENOUGH = re.compile(r"[0-9](?:[ -]?[0-9]){10}")


class _DigitTable(dict):
    """Same-length folding for the number search: styled digits → ASCII, invisibles → space."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char)
        category = unicodedata.category(char)
        if len(folded) == 1 and folded in "0123456789+Xx":
            value = folded
        elif category == "Pd" or folded == "-":
            value = "-"
        elif category in ("Zs", "Cf"):  # spaces of every width, zero-width characters
            value = " "
        else:
            value = char
        self[code] = value
        return value


_DIGITS = _DigitTable()


@dataclass(frozen=True)
class PersonalNumber:
    """A number found in a message: its kind, its span in the original text, how sure."""

    kind: str
    start: int
    end: int
    confidence: float

    def action(self, channel: str) -> str:
        """The action on ``channel``; a weak bank card (no Luhn, no context) one step lower."""
        action = ACTIONS[self.kind][channel]
        if self.confidence < 0.6:
            return {BLOCK: WARN, WARN: FLAG}.get(action, action)
        return action


def looks_like_resident_id(digits: str, today: date | None = None) -> bool:
    """True for 18 characters with a real province and birth date, whatever the checksum.

    :param digits: 17 digits and a check character (a digit or X, either case)
    :param today: the date a birth date must not be after (default: today)
    """
    if len(digits) != 18 or not digits[:17].isdigit() or digits[:2] not in _PROVINCES:
        return False
    if not (digits[17].isdigit() or digits[17] in "Xx"):
        return False
    try:
        born = date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return False
    return 1900 <= born.year and born <= (today or date.today())


def is_resident_id(digits: str, today: date | None = None) -> bool:
    """True for an 18-character resident ID with a real province, birth date and checksum.

    :param digits: 17 digits and a check character (a digit or X, either case)
    :param today: the date a birth date must not be after (default: today)
    """
    if not looks_like_resident_id(digits, today):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == digits[17].upper()


def passes_luhn(digits: str) -> bool:
    """The Luhn check most card numbers carry (some Chinese debit card ranges do not)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _classify(written: str) -> tuple[str, float] | None:
    """What a stretch of written digits is, if anything, with its base confidence."""
    if _PREFIXED_MOBILE.fullmatch(written):
        return MOBILE, 0.85
    if written.startswith("+"):
        return None
    if len(written) == 18 and looks_like_resident_id(written):
        # A failed checksum is usually a typo in a real ID: kept only when words around it
        # say it is one (see _with_context).
        return RESIDENT_ID, (0.85 if is_resident_id(written) else _WEAK)
    if not written.isdigit():
        return None
    if 16 <= len(written) <= 19 and written[0] in "3456":
        return BANK_CARD, (0.85 if passes_luhn(written) else 0.5)
    if len(written) == 11 and _MOBILE.fullmatch(written):
        return MOBILE, 0.85
    return None


def _stretches(run: re.Match) -> list[PersonalNumber]:
    """Every valid number made of consecutive groups of one run."""
    groups = [
        (run.start() + m.start(), run.start() + m.end(), m.group())
        for m in _GROUP.finditer(run.group())
    ]
    found = []
    for first, (start, _, _) in enumerate(groups):
        written = ""
        for _, end, piece in groups[first:]:
            written += piece
            if len(written) > 19:
                break
            kind = _classify(written)
            if kind is not None:
                found.append(PersonalNumber(kind[0], start, end, kind[1]))
    return found


def _with_context(text: str, number: PersonalNumber) -> PersonalNumber | None:
    """The number with its confidence adjusted by the words around it; None to drop it."""
    window = text[max(0, number.start - _CONTEXT_WINDOW) : number.end + _CONTEXT_WINDOW]
    named = any(word in window for word in _CONTEXT[number.kind])
    if number.confidence == _WEAK:
        return PersonalNumber(number.kind, number.start, number.end, 0.6) if named else None
    if number.kind == BANK_CARD and any(word in window for word in _NOT_A_CARD):
        return PersonalNumber(number.kind, number.start, number.end, 0.3)
    if named:
        confidence = min(1.0, number.confidence + 0.15)
        return PersonalNumber(number.kind, number.start, number.end, confidence)
    return number


def find_personal_numbers(text: str) -> list[PersonalNumber]:
    """Resident IDs, bank cards and mobiles in ``text``, without overlaps, in text order.

    :param text: the original message; spans index it directly
    """
    if _MAYBE_NUMBER.search(text) is None:
        return []
    view = text.translate(_DIGITS)
    if _LONG_ENOUGH.search(view) is None:
        return []
    candidates = []
    for run in _NUMBER_RUN.finditer(view):
        for number in _stretches(run):
            weighed = _with_context(text, number)
            if weighed is not None:
                candidates.append(weighed)
    # Highest priority first, then the longest (the whole written number over a piece of it).
    candidates.sort(key=lambda n: (-_PRIORITY[n.kind], n.start - n.end, n.start))
    chosen: list[PersonalNumber] = []
    for number in candidates:
        if all(number.end <= c.start or c.end <= number.start for c in chosen):
            chosen.append(number)
    chosen.sort(key=lambda n: n.start)
    return chosen
