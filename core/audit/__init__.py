"""The audit log: append-only, hash-chained, per tenant (issue #3)."""
