"""Ingest: the Twilio webhooks, the disk spool, keywords and the message stage."""
