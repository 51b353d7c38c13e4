"""External contacts (customers), the follow relation per RM, and corp tags."""
