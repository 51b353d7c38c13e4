"""Customer acquisition (获客): channel QR codes, welcome messages, bulk add."""
