"""What every part of EWN needs at hand: settings, database, keys, keywords, replies, transport."""

from __future__ import annotations

import logging
import secrets
from functools import cached_property

from flask import current_app

from ewn.crypto import Keyring, open_keyring
from ewn.db import Database
from ewn.dedup.concepts import Concepts
from ewn.dedup.text import use_concepts
from ewn.escalation.config import EscalationConfig
from ewn.geo.config import GeoConfig
from ewn.ingest.keywords import Keywords
from ewn.ingest.replies import Replies
from ewn.ingest.spool import Spool
from ewn.ingest.writer import InboundWriter
from ewn.meaning import learned
from ewn.meaning.taxonomy import Taxonomy
from ewn.settings import Settings

log = logging.getLogger(__name__)


class Runtime:
    """Built once per process from settings; checks every configuration file on creation."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.keyring: Keyring = open_keyring(settings)
        self.db = Database(settings.database, settings.sqlite_synchronous)
        self.keywords = Keywords.load(settings.path(settings.ingest.keywords_file))
        self.replies = Replies.load(settings.path(settings.ingest.replies_file))
        self.geo = GeoConfig.load(settings.path(settings.geo.config_file))
        self.taxonomy = Taxonomy.load(settings.path(settings.incidents.taxonomy_file))
        if settings.incidents.examples_file:
            self.taxonomy.learned = learned.load(
                settings.path(settings.incidents.examples_file), self.taxonomy
            )
        self.concepts = Concepts.load(settings.path(settings.incidents.concepts_file))
        use_concepts(self.concepts)
        self.escalation = EscalationConfig.load(
            settings.path(settings.escalation.config_file), self.taxonomy
        )
        self.spool = Spool(settings.spool_path, self.keyring)
        self.inbound_writer = InboundWriter(self.db)
        self.auth_tokens = [
            token
            for token in (settings.twilio.auth_token, settings.twilio.secondary_auth_token)
            if token
        ] or ([demo_auth_token(settings)] if settings.demo else [])

    @cached_property
    def transport(self):
        """Twilio when credentials are set (and not in demo mode), else the console."""
        from ewn.channels.console import ConsoleTransport
        from ewn.channels.twilio import TwilioTransport

        if self.settings.twilio_configured and not self.settings.demo:
            return TwilioTransport(self.settings.twilio)
        return ConsoleTransport()

    @cached_property
    def email_transport(self):
        """SMTP when configured (and not in demo mode); the demo prints e-mails."""
        from ewn.channels.console import ConsoleTransport
        from ewn.channels.email import SmtpTransport

        if self.settings.demo and not self.settings.smtp.host:
            return ConsoleTransport()
        return SmtpTransport(self.settings.smtp)

    def transport_for(self, channel: str):
        return self.email_transport if channel == "email" else self.transport

    def status_callback_url(self, reference: str) -> str | None:
        if not self.settings.public_url or not self.settings.twilio_configured:
            return None
        return f"{self.settings.public_url.rstrip('/')}/webhooks/twilio/status?ref={reference}"


def demo_auth_token(settings: Settings) -> str:
    """The demo's stand-in for a Twilio auth token, so `ewn simulate` can sign requests."""
    path = settings.data_path / "demo-twilio-token"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(16))
        path.chmod(0o600)
    return path.read_text().strip()


def runtime() -> Runtime:
    return current_app.extensions["ewn"]
