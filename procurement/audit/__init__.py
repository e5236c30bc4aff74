"""Audit trail and outbox: the write side of DESIGN §5."""
