"""The append-only, hash-chained archive itself (合规存档): its tables, the one writer, the chain
and its verification.
"""
