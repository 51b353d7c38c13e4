"""Benchmark: the full compliance scanner against raw pyahocorasick on the same messages.

    python benches/bench_scan.py [--quick] [--messages N] [--terms N] [--strict]

Builds a 10,000-term lexicon — every term of ``sensitive_words/`` plus rarer words from jieba's
own dictionary (2–6 characters, outside its 30,000 most frequent words) standing in for a
bank's longer lists — and 100,000 chat messages of 20–200 characters made of
frequency-weighted jieba words, punctuation, numbers, ASCII and emoji. One message in ten gets
one or two lexicon terms, a third of them disguised (traditional characters, noise characters
between the characters, full-width forms). Then, in the same run and on the same texts:

- ``raw``: ``Automaton.iter`` over the raw text with the raw terms (what a bare automaton does);
- ``scanner``: ``scrm.compliance.scanning.scanner.scan`` (validation, normalisation, allow phrases,
  context rules, jieba alignment, personal numbers, decision).

The two are timed alternately, best of ``--rounds`` each. The automaton size is pyahocorasick's
``get_stats()['total_size']``; ``build_peak_mb`` is the tracemalloc peak while building it.
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
import tracemalloc
from pathlib import Path

import ahocorasick
import jieba

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scrm.compliance.lexicon.active import load_lexicon  # noqa: E402
from scrm.compliance.scanning.scanner import build_matcher, scan  # noqa: E402
from scrm.compliance.scanning.t2s_chars import TRADITIONAL_TO_SIMPLIFIED  # noqa: E402
from scrm.compliance.scanning.word_boundaries import forget_segments, prepare_segmenter  # noqa: E402
from scrm.compliance.vocabulary import BLOCK, CHANNELS, FLAG, WARN, Lexicon, Term  # noqa: E402

TARGET_RATIO = 0.5
TARGET_AUTOMATON_MB = 100.0
SEED = 20240618

PUNCTUATION = "，，，。。！？、：；…"
EMOJI = "😀🙏👍🎉💰📈🌹🔥✅😊"
ASCII_TOKENS = ("OK", "APP", "VIP", "ETF", "LPR", "T+1", "A股", "H股", "QDII", "http://t.cn/a1")
NOISE = "*·- _~.|"
# Simplified → one traditional form, to disguise inserted terms.
SIMPLIFIED_TO_TRADITIONAL: dict[str, str] = {}
for _traditional, _simplified in TRADITIONAL_TO_SIMPLIFIED.items():
    SIMPLIFIED_TO_TRADITIONAL.setdefault(_simplified, _traditional)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 messages, two rounds")
    parser.add_argument("--messages", type=int, help="messages (default 100,000)")
    parser.add_argument("--terms", type=int, default=10_000, help="lexicon size (default 10,000)")
    parser.add_argument("--rounds", type=int, help="timing rounds, best taken (default 3)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    args.messages = args.messages or (10_000 if args.quick else 100_000)
    args.rounds = args.rounds or (2 if args.quick else 3)
    return args


def jieba_words() -> list[tuple[str, int]]:
    """jieba's dictionary as (word, frequency), most frequent first, Chinese words only."""
    path = Path(jieba.__file__).parent / "dict.txt"
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word, freq, *_ = line.split(" ")
        if all("\u4e00" <= c <= "\u9fa5" for c in word):
            words.append((word, int(freq)))
    words.sort(key=lambda wf: -wf[1])
    return words


def build_lexicon(base: Lexicon, size: int, words: list[tuple[str, int]], rng) -> Lexicon:
    """``base``'s terms and allow phrases plus rare jieba words up to ``size`` terms."""
    seen = {t.term for t in base.terms}
    terms = list(base.terms)
    pool = [w for w, _ in words[30_000:] if 2 <= len(w) <= 6 and w not in seen]
    rng.shuffle(pool)
    for word in pool[: max(0, size - len(terms))]:
        action = rng.choices((BLOCK, WARN, FLAG), weights=(2, 3, 5))[0]
        terms.append(Term(word, "生成词", dict.fromkeys(CHANNELS, action), source="bench"))
    return Lexicon(f"bench-{size}-{SEED}", tuple(terms), base.allow, base.categories)


def disguise(term: str, rng) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return "".join(SIMPLIFIED_TO_TRADITIONAL.get(c, c) for c in term)
    if kind == 1:
        noise = rng.choice(NOISE)
        return noise.join(term)
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in term).upper()


def build_messages(count: int, lexicon: Lexicon, words, rng) -> list[str]:
    """``count`` chat messages of 20–200 characters; one in ten holds lexicon terms."""
    common = [w for w, _ in words[:60_000]]
    cumulative = list(itertools.accumulate(f for _, f in words[:60_000]))
    finance = [t.term for t in lexicon.terms if t.category != "生成词"]
    generated = [t.term for t in lexicon.terms if t.category == "生成词"]
    messages = []
    for _ in range(count):
        length = rng.randint(20, 200)
        parts: list[str] = []
        size = 0
        inserts = rng.randint(1, 2) if rng.random() < 0.1 else 0
        while size < length:
            roll = rng.random()
            if roll < 0.08:
                piece = rng.choice(PUNCTUATION)
            elif roll < 0.10:
                piece = rng.choice(ASCII_TOKENS)
            elif roll < 0.12:
                piece = str(rng.randint(1, 99999))
            elif roll < 0.13:
                piece = rng.choice(EMOJI)
            elif inserts and roll > 0.97:
                term = rng.choice(finance if rng.random() < 0.3 else generated)
                piece = disguise(term, rng) if rng.random() < 1 / 3 else term
                inserts -= 1
            else:
                piece = rng.choices(common, cum_weights=cumulative)[0]
            parts.append(piece)
            size += len(piece)
        messages.append("".join(parts)[:length])
    return messages


def time_once(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(SEED)
    started = time.perf_counter()
    words = jieba_words()
    lexicon = build_lexicon(load_lexicon(ROOT / "sensitive_words"), args.terms, words, rng)
    messages = build_messages(args.messages, lexicon, words, rng)
    chars = sum(len(m) for m in messages)
    print(f"lexicon: {len(lexicon.terms):,} terms, {len(lexicon.allow)} allow phrases")
    print(f"messages: {len(messages):,}, mean {chars / len(messages):.0f} characters")
    print(f"prepared in {time.perf_counter() - started:.1f} s")

    raw = ahocorasick.Automaton()
    for term in lexicon.terms:
        raw.add_word(term.term, term.term)
    raw.make_automaton()

    prepare_segmenter()  # jieba's dictionary is not part of the automaton
    tracemalloc.start()
    built = time.perf_counter()
    matcher = build_matcher(lexicon)
    build_seconds = time.perf_counter() - built
    _, build_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    automaton_mb = matcher.automaton.get_stats()["total_size"] / 2**20

    channels = [CHANNELS[i % 3] for i in range(len(messages))]
    raw_hits = [0]
    outcome: dict[str, int] = {}

    def run_raw() -> None:
        hits = 0
        for text in messages:
            for _ in raw.iter(text):
                hits += 1
        raw_hits[0] = hits

    def run_scanner() -> None:
        # Each round starts with jieba's window cache empty, as for messages never seen before.
        forget_segments()
        counts = dict.fromkeys(("block", "warn", "pass"), 0)
        for text, channel in zip(messages, channels, strict=True):
            counts[scan(text, channel, lexicon).decision] += 1
        outcome.update(counts)

    # Alternate the two, best of each: a busy machine slows both alike.
    raw_seconds = scanner_seconds = float("inf")
    for _ in range(args.rounds):
        raw_seconds = min(raw_seconds, time_once(run_raw))
        scanner_seconds = min(scanner_seconds, time_once(run_scanner))
    raw_rate = len(messages) / raw_seconds
    scanner_rate = len(messages) / scanner_seconds
    ratio = scanner_rate / raw_rate
    print(f"raw pyahocorasick iter: {raw_rate:,.0f} messages/s ({raw_hits[0]:,} raw hits)")
    print(f"full scanner:           {scanner_rate:,.0f} messages/s ({outcome})")
    print(
        f"ratio {ratio:.2f} (target ≥ {TARGET_RATIO}); automaton {automaton_mb:.2f} MB "
        f"(target < {TARGET_AUTOMATON_MB:.0f}), built in {build_seconds * 1000:.0f} ms"
    )
    figures = {
        "messages": len(messages),
        "terms": len(lexicon.terms),
        "mean_chars": round(chars / len(messages), 1),
        "scanner_msgs_per_s": round(scanner_rate),
        "raw_msgs_per_s": round(raw_rate),
        "ratio": round(ratio, 3),
        "automaton_mb": round(automaton_mb, 3),
        "build_peak_mb": round(build_peak / 2**20, 3),
        "build_ms": round(build_seconds * 1000, 1),
        "decisions": outcome,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(figures, ensure_ascii=False))
    met = ratio >= TARGET_RATIO and automaton_mb < TARGET_AUTOMATON_MB
    return 0 if met or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
