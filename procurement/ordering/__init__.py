"""Ordering: purchase orders (created by the award now; their lifecycle comes next)."""
