"""The worker process: drains the inbox (later the outbox) and runs the clock as leader."""
