"""Traditional → simplified Chinese, one character to one character.

Read once, at import, from the OpenCC dictionaries that the ``opencc-purepy`` package ships:
TSCharacters (traditional → simplified) plus TWVariantsRev and HKVariantsRev (Taiwan and Hong
Kong variant forms → standard traditional, then simplified), taking the first candidate of each
single-character entry. A character table rather than OpenCC's phrase conversion, because the
scanner needs one output character per input character to keep its offset map, and it
normalises the lexicon with the same table, so an ambiguous character (乾 → 干) maps the same
way on both sides. A variant key that is itself a simplified character (么) is left alone, or
ordinary simplified text would be rewritten.
"""

from __future__ import annotations

from importlib import resources

_DICTS = resources.files("opencc_purepy") / "dicts"


def _single_characters(name: str) -> dict[str, str]:
    table = {}
    for line in (_DICTS / name).read_text(encoding="utf-8").splitlines():
        key, _, candidates = line.partition("\t")
        first = candidates.split(" ")[0]
        if len(key) == 1 and len(first) == 1:
            table[key] = first
    return table


def _traditional_to_simplified() -> dict[str, str]:
    to_simplified = _single_characters("TSCharacters.txt")
    simplified = set(to_simplified.values())
    table = {k: v for k, v in to_simplified.items() if k != v}
    for variants in ("TWVariantsRev.txt", "HKVariantsRev.txt"):
        for variant, traditional in _single_characters(variants).items():
            target = to_simplified.get(traditional, traditional)
            if variant != target and variant not in table and variant not in simplified:
                table[variant] = target
    return table


#: Every traditional (or regional variant) character with its simplified form.
TRADITIONAL_TO_SIMPLIFIED: dict[str, str] = _traditional_to_simplified()
