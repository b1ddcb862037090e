"""Mail: the outbox, its transports, and delivery right after the commit that queued it."""
