"""What every transport offers, and what a provider tells us about an inbound message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Outgoing:
    """One message to send. recipient_label is a pseudonym, for logs and the console."""

    reference: str
    channel: str
    to: str
    body: str
    sender: str | None
    status_callback: str | None
    recipient_label: str
    # Twilio only: drop the message if not sent within this many seconds; a WhatsApp template.
    validity_seconds: int | None = None
    content_sid: str | None = None
    content_variables: dict | None = None


@dataclass(frozen=True)
class SendResult:
    provider: str
    provider_sid: str
    status: str


class TransportError(Exception):
    """A send failed. retryable: try again later; otherwise the failure is final."""

    def __init__(self, message: str, retryable: bool, code: str | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.code = code


@dataclass
class Inbound:
    """The fields EWN uses from one inbound message, whatever the provider."""

    sender: str = ""
    to: str = ""
    body: str = ""
    profile_name: str | None = None
    media: list[tuple[str, str]] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    label: str | None = None
    sent_at: datetime | None = None
    # The message this one replies to (WhatsApp replies carry it).
    replied_to: str | None = None


@dataclass(frozen=True)
class ProviderMessage:
    """An inbound message as listed by a provider's API (for reconciliation)."""

    external_id: str
    params: dict[str, str]
    received_at: datetime
