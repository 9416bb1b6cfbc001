"""Triage: incident priority and the staff's work on the queue."""
