"""Reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ewn.models import InboundMessage, Monitor, Report
from ewn.refs import report_reference
from ewn.store.common import with_unique_retry


def create_report(session: Session, **fields) -> Report:
    """A new report with a fresh unique reference."""

    def make() -> Report:
        report = Report(reference=report_reference(), **fields)
        session.add(report)
        session.flush()
        return report

    return with_unique_retry(session, make)


def by_reference(session: Session, reference: str) -> Report | None:
    return session.scalar(select(Report).where(Report.reference == reference))


def list_reports(session: Session, limit: int = 100, since: datetime | None = None):
    """Newest reports first, each with its monitor's pseudonym and its messages."""
    query = (
        select(Report, Monitor.pseudonym)
        .outerjoin(Monitor, Monitor.id == Report.monitor_id)
        .order_by(Report.id.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(Report.received_at >= since)
    rows = session.execute(query).all()
    ids = [report.id for report, _ in rows]
    messages: dict[int, list[InboundMessage]] = {}
    if ids:
        for message in session.scalars(
            select(InboundMessage)
            .where(InboundMessage.report_id.in_(ids))
            .order_by(InboundMessage.id)
        ):
            messages.setdefault(message.report_id, []).append(message)
    return [(report, name, messages.get(report.id, [])) for report, name in rows]
