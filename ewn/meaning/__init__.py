"""Meaning: what a report says happened (categories, severity, victims) and when."""
