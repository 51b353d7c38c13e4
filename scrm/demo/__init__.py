"""The demo: a fictional bank inside the WeCom simulator, synced and live, in one process."""
