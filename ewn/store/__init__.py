"""The queries: named functions, the only place that builds SELECTs and INSERTs."""
