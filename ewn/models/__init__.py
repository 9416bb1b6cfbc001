"""SQLAlchemy models, one module per aggregate."""

from ewn.models.base import Base, utcnow
from ewn.models.message import InboundMedia, InboundMessage
from ewn.models.monitor import InviteCode, Monitor, MonitorIdentity, OptOut
from ewn.models.outbox import DeliveryEvent, OutboundMessage
from ewn.models.report import Report
from ewn.models.staff import StaffUser
from ewn.models.work import WorkItem

__all__ = [
    "Base",
    "DeliveryEvent",
    "InboundMedia",
    "InboundMessage",
    "InviteCode",
    "Monitor",
    "MonitorIdentity",
    "OptOut",
    "OutboundMessage",
    "Report",
    "StaffUser",
    "WorkItem",
    "utcnow",
]
