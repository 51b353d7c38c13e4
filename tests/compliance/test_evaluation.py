"""The labelled evaluation set: precision and recall of BLOCK decisions with the real lexicon.

``evaluation.tsv`` holds messages an RM could send, each labelled with what compliance policy
requires on its channel. The figures are printed to the terminal (``capsys.disabled()``) so
every CI run shows them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from scrm.compliance.lexicon.active import load_lexicon
from scrm.compliance.scanning.scanner import scan
from scrm.compliance.vocabulary import BLOCK, CHANNELS, DECISIONS

HERE = Path(__file__).parent
LEXICON_DIR = HERE.parents[1] / "sensitive_words"
MINIMUM = 0.98


def _labelled() -> list[tuple[int, str, str, str, str]]:
    rows = []
    lines = (HERE / "evaluation.tsv").read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines, start=1):
        if not line or line.startswith("#") or line.startswith("channel\t"):
            continue
        channel, expected, text, note = line.split("\t", 3)
        rows.append((number, channel, expected, text, note))
    return rows


def test_the_evaluation_set_is_large_and_covers_every_channel_and_decision():
    rows = _labelled()
    assert len(rows) >= 300
    assert {channel for _, channel, *_ in rows} == set(CHANNELS)
    assert {expected for _, _, expected, *_ in rows} == set(DECISIONS)
    assert len({(channel, text) for _, channel, _, text, _ in rows}) == len(rows), "duplicates"


def test_block_decisions_reach_the_bar_on_the_labelled_messages(capsys):
    lexicon = load_lexicon(LEXICON_DIR)
    confusion: Counter[tuple[str, str]] = Counter()
    misses = []
    for number, channel, expected, text, note in _labelled():
        decided = scan(text, channel, lexicon).decision
        confusion[expected, decided] += 1
        if (expected == BLOCK) != (decided == BLOCK):
            misses.append(
                f"  line {number} [{channel}] expected {expected}, got {decided}: {text}  ({note})"
            )
    true_blocks = confusion[BLOCK, BLOCK]
    decided_blocks = sum(n for (_, decided), n in confusion.items() if decided == BLOCK)
    expected_blocks = sum(n for (expected, _), n in confusion.items() if expected == BLOCK)
    precision = true_blocks / decided_blocks
    recall = true_blocks / expected_blocks
    report = [
        f"compliance evaluation: {sum(confusion.values())} messages, "
        f"lexicon {lexicon.version[:12]}",
        f"  block precision {precision:.3f}, recall {recall:.3f} "
        f"({true_blocks} of {decided_blocks} blocks right, {expected_blocks} expected)",
        "  expected → decided: "
        + ", ".join(f"{e}→{d} {n}" for (e, d), n in sorted(confusion.items())),
        *misses,
    ]
    with capsys.disabled():  # shown on the terminal in every run, not only on failure
        print("\n" + "\n".join(report))
    assert precision >= MINIMUM and recall >= MINIMUM, "\n".join(report)


@pytest.mark.parametrize("channel", CHANNELS)
def test_each_channel_blocks_something_and_passes_something(channel):
    lexicon = load_lexicon(LEXICON_DIR)
    decided = {scan(text, c, lexicon).decision for _, c, _, text, _ in _labelled() if c == channel}
    assert {BLOCK, "pass"} <= decided
