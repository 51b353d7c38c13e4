"""Segments (客户分群) and mass messages (客户群发) to customers and customer groups."""
