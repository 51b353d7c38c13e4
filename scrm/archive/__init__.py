"""The compliance archive (合规存档): every outbound attempt and every ingested message, in an
append-only, hash-chained table that ``scrm archive verify`` can prove untouched."""
