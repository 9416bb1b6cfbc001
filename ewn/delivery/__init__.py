"""Delivery: the outbox, the send stage and provider status callbacks."""
