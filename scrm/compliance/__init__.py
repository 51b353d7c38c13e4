"""Compliance: the lexicon, the scanner (pure), the one outbound gate, review cases."""
