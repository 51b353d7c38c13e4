"""Durable inbound WeCom events: stored once by the callback, applied by the worker."""
