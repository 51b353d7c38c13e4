"""The outbox: outbound deliveries to WeCom, claimed, sent once, retried and dead-lettered."""
