"""SQLAlchemy models, one module per aggregate."""

from ewn.models.base import Base, utcnow
from ewn.models.escalation import (
    Contact,
    ContactArea,
    ContactChannel,
    ContactGroup,
    ContactGroupMember,
    Escalation,
    EscalationEvent,
    EscalationIncident,
    Notification,
)
from ewn.models.incident import Incident, IncidentDecision, IncidentNote, IncidentSignature
from ewn.models.location import LocationCorrection, ReportArea
from ewn.models.message import InboundMedia, InboundMessage
from ewn.models.monitor import InviteCode, Monitor, MonitorIdentity, OptOut
from ewn.models.outbox import DeliveryEvent, OutboundMessage, SenderClock
from ewn.models.place import AdminArea, GeocodeCache, Place, PlaceName, PlaceNameVariant
from ewn.models.report import Report
from ewn.models.staff import AuditEntry, StaffArea, StaffUser
from ewn.models.work import WorkItem

__all__ = [
    "AdminArea",
    "AuditEntry",
    "Base",
    "Contact",
    "ContactArea",
    "ContactChannel",
    "ContactGroup",
    "ContactGroupMember",
    "DeliveryEvent",
    "Escalation",
    "EscalationEvent",
    "EscalationIncident",
    "GeocodeCache",
    "InboundMedia",
    "InboundMessage",
    "Incident",
    "IncidentDecision",
    "IncidentNote",
    "IncidentSignature",
    "InviteCode",
    "LocationCorrection",
    "Monitor",
    "MonitorIdentity",
    "Notification",
    "OptOut",
    "OutboundMessage",
    "Place",
    "PlaceName",
    "PlaceNameVariant",
    "Report",
    "ReportArea",
    "SenderClock",
    "StaffArea",
    "StaffUser",
    "WorkItem",
    "utcnow",
]
