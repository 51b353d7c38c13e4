"""Custody of customers between RMs: handovers (在职转接) and inheritance (离职继承)."""
