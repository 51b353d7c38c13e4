"""The scanner (扫描): normalise, match the lexicon, context rules, word boundaries, personal
data → hits. Pure, no I/O.
"""
