"""Providers: every call to or from a messaging provider goes through here."""
