"""Screening: lifecycle states, batches and assignment, workbooks, agreement, exports (no database)."""
