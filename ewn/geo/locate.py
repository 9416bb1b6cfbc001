"""The locate stage: give each report coordinates, a place, admin areas and a confidence.

In order: a WhatsApp location share (exact); the place read from the monitor's answer to our
question, then from the report's text (gazetteer); online geocoders; otherwise ask the monitor
"where?" and wait for the answer until the window closes; otherwise the monitor's home area,
marked as such. A staff correction is never overwritten.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ewn.delivery.outbox import queue_message
from ewn.geo.areas import assign
from ewn.geo.distance import km
from ewn.geo.extract import place_phrases
from ewn.geo.online import geocoders
from ewn.geo.resolve import Reading, read_place
from ewn.meaning.classify import classify
from ewn.models import (
    AdminArea,
    InboundMessage,
    Monitor,
    MonitorIdentity,
    OutboundMessage,
    Place,
    Report,
    ReportArea,
    utcnow,
)
from ewn.store import monitors as monitor_store
from ewn.store import places as place_store
from ewn.store import work
from ewn.worker import Job, transactional_stage

log = logging.getLogger(__name__)
LOCATE_STAGE = "locate"
SHARE_RADIUS_KM = 0.1
HOME_CONFIDENCE = 0.3
ANSWER_MAX_WORDS = 8


@dataclass
class Fix:
    """A location to give a report."""

    latitude: float
    longitude: float
    source: str
    confidence: float
    radius_km: float
    place: Place | None = None
    name: str | None = None
    wording: str | None = None


@transactional_stage(LOCATE_STAGE)
def locate(session: Session, job: Job) -> datetime | None:
    report = session.get(Report, job.subject_id, with_for_update=True)
    if report is None or report.location_source == "staff":
        return None
    again = locate_report(session, job.runtime, report)
    # Whatever the outcome (even while asking), incidents can use what is known now.
    work.requeue(session, "cluster", report.id, priority=job.item.priority)
    return again


def locate_report(session: Session, rt, report: Report) -> datetime | None:
    """Locate report; returns when to look again (an ask-back window), or None."""
    monitor = session.get(Monitor, report.monitor_id) if report.monitor_id else None
    home = home_place(session, rt, monitor)
    answers = list(
        session.scalars(
            select(InboundMessage)
            .where(
                InboundMessage.report_id == report.id,
                InboundMessage.kind == "answer",
            )
            .order_by(InboundMessage.id)
        )
    )
    fix = shared_point(session, report, answers)
    reading = Reading()
    if fix is None:
        fix, reading = from_text(session, rt, report, answers, home)
    if fix is None:
        fix = online(session, rt, report, reading)
    if fix is not None:
        apply(session, report, fix, reading)
        return None
    now = utcnow()
    _keep_evidence(report, reading)
    if report.location_status == "asking" and report.ask_until and now < report.ask_until:
        return report.ask_until
    if report.location_status != "asking" and ask(session, rt, report, monitor):
        report.location_status = "asking"
        report.ask_until = now + timedelta(minutes=rt.settings.geo.ask_window_minutes)
        return report.ask_until
    fall_back(session, report, home, reading)
    return None


# ---------------------------------------------------------------------------- sources


def shared_point(session: Session, report: Report, answers: list[InboundMessage]) -> Fix | None:
    """Exact coordinates from a WhatsApp share: in an answer (newest first) or the report."""
    for answer in reversed(answers):
        if answer.latitude is not None:
            return _point_fix(
                session,
                answer.latitude,
                answer.longitude,
                "ask_back",
                answer.location_label or answer.location_address,
            )
    if report.latitude is not None and report.location_source in (None, "whatsapp"):
        return _point_fix(
            session, report.latitude, report.longitude, "whatsapp", report.location_label
        )
    return None


def _point_fix(
    session: Session, latitude: float, longitude: float, source: str, label: str | None
) -> Fix:
    nearby = place_store.places_near(session, latitude, longitude, 10.0, ("P",))
    nearest = min(
        nearby, key=lambda p: km(latitude, longitude, p.latitude, p.longitude), default=None
    )
    return Fix(
        latitude,
        longitude,
        source,
        1.0,
        SHARE_RADIUS_KM,
        place=nearest,
        name=nearest.name if nearest else label,
        wording=label,
    )


def from_text(
    session: Session, rt, report: Report, answers: list[InboundMessage], home: Place | None
) -> tuple[Fix | None, Reading]:
    """The place read from the answers (newest first), then from the report's own text."""
    best = Reading()
    for text, source in [(a.body, "ask_back") for a in reversed(answers)] + [(report.text, "text")]:
        reading = read_place(session, text, rt.geo, home, rt.settings.countries)
        if reading.place is not None and reading.confidence >= rt.settings.geo.min_confidence:
            return _reading_fix(session, reading, source), reading
        if reading.confidence > best.confidence or not best.evidence:
            best = reading
    return None, best


def _reading_fix(session: Session, reading: Reading, source: str) -> Fix:
    place = reading.place
    radius = reading.radius_km or 5.0
    if place.feature_code == "ADM1":
        area = place_store.area(session, place.country, 1, place.admin1)
        radius = area.radius_km if area is not None and area.radius_km else radius
    return Fix(
        place.latitude,
        place.longitude,
        source,
        reading.confidence,
        radius,
        place=place,
        name=place.name,
        wording=reading.wording,
    )


def online(session: Session, rt, report: Report, reading: Reading) -> Fix | None:
    """Ask the configured online geocoders about the words that looked like a place."""
    services = geocoders(rt.settings)
    if not services:
        return None
    queries = list(
        dict.fromkeys(
            [item["words"] for item in reading.evidence[:2]] + place_phrases(report.text, rt.geo)
        )
    )[:3]
    for service in services:
        for query in queries:
            found = service.search(session, query)
            if found is not None:
                return Fix(
                    found.latitude,
                    found.longitude,
                    "geocoder",
                    0.6,
                    found.radius_km,
                    name=found.name,
                    wording=query,
                )
    return None


def home_place(session: Session, rt, monitor: Monitor | None) -> Place | None:
    """The monitor's home as a gazetteer place (resolved once from the text staff gave)."""
    if monitor is None:
        return None
    if monitor.home_place_id:
        return session.get(Place, monitor.home_place_id)
    if not monitor.home_place:
        return None
    reading = read_place(session, monitor.home_place, rt.geo, None, rt.settings.countries)
    if reading.place is not None:
        monitor.home_place_id = reading.place.id
    return reading.place


# ---------------------------------------------------------------------------- outcomes


def apply(session: Session, report: Report, fix: Fix, reading: Reading) -> None:
    report.latitude, report.longitude = fix.latitude, fix.longitude
    report.location_source = fix.source
    report.location_status = "located"
    report.place_id = fix.place.id if fix.place else None
    report.place_name = fix.name
    report.location_confidence = round(fix.confidence, 3)
    report.location_radius_km = round(fix.radius_km, 3)
    report.location_wording = fix.wording
    report.located_at = utcnow()
    _keep_evidence(report, reading)
    set_areas(session, report, fix)
    log.info(
        "report %s located by %s (confidence %.2f)", report.reference, fix.source, fix.confidence
    )


def set_areas(session: Session, report: Report, fix: Fix) -> None:
    session.execute(delete(ReportArea).where(ReportArea.report_id == report.id))
    for guess in assign(session, fix.latitude, fix.longitude, fix.radius_km, fix.place):
        session.add(
            ReportArea(
                report_id=report.id,
                area_id=guess.area.id,
                level=guess.area.level,
                confidence=guess.confidence,
                approximate=guess.approximate,
                is_primary=guess.primary,
            )
        )


def fall_back(session: Session, report: Report, home: Place | None, reading: Reading) -> None:
    if home is None:
        report.location_status = "unlocated"
        report.location_source = None
        session.execute(delete(ReportArea).where(ReportArea.report_id == report.id))
        log.info("report %s left unlocated", report.reference)
        return
    apply(
        session,
        report,
        Fix(
            home.latitude,
            home.longitude,
            "monitor_home",
            HOME_CONFIDENCE,
            10.0,
            place=home,
            name=home.name,
        ),
        reading,
    )


def _keep_evidence(report: Report, reading: Reading) -> None:
    if reading.evidence or reading.examined:
        report.location_evidence = json.dumps(
            {"candidates": reading.evidence, "examined": reading.examined}
        )


# ---------------------------------------------------------------------------- asking back


def ask(session: Session, rt, report: Report, monitor: Monitor | None) -> bool:
    """Send the monitor the "where?" question, when that is allowed and possible."""
    if not rt.settings.geo.ask_back or report.origin != "live" or monitor is None:
        return False
    # "Thanks", "who is this?", "full report tomorrow": nothing happened anywhere. (A photo
    # without words may show something: that is asked about.)
    if report.text.strip() and classify(report.text, rt.taxonomy).not_incident:
        return False
    if monitor.silent or monitor.status == "suspended":
        return False
    message = session.scalar(
        select(InboundMessage)
        .where(InboundMessage.report_id == report.id)
        .order_by(InboundMessage.id)
        .limit(1)
    )
    identity = (
        session.get(MonitorIdentity, message.identity_id)
        if message and (message.identity_id)
        else None
    )
    if identity is None or monitor_store.is_opted_out(session, identity.phone_hash):
        return False
    queued = queue_message(
        session,
        rt.keyring,
        purpose="ask_place",
        channel=identity.channel,
        phone=rt.keyring.decrypt(identity.phone_enc, "identity.phone"),
        body=rt.replies.render("ask_place", monitor.language, reference=report.reference),
        language=monitor.language,
        sender=message.to_address or None,
        monitor_id=monitor.id,
        report_id=report.id,
        in_reply_to_id=message.id,
        dedup_key=f"ask_place:{report.id}",
    )
    return queued is not None


def attach_answer(
    session: Session, message: InboundMessage, monitor: Monitor, replied_to: str | None
) -> bool:
    """If message answers our "where?" question, attach it to that report and locate again.

    An answer comes within the window and is a location share, a WhatsApp reply to the
    question, or short; anything else is a new report.
    """
    report = session.scalar(
        select(Report)
        .where(
            Report.monitor_id == monitor.id,
            Report.location_status == "asking",
            Report.ask_until >= message.received_at,
        )
        .order_by(Report.id.desc())
        .limit(1)
    )
    if report is None:
        return False
    question = session.scalar(
        select(OutboundMessage.provider_sid).where(
            OutboundMessage.dedup_key == f"ask_place:{report.id}"
        )
    )
    short = len(message.body.split()) <= ANSWER_MAX_WORDS and len(message.body) <= 80
    if not (
        message.latitude is not None
        or (replied_to and replied_to == question)
        or (short and message.body.strip())
    ):
        return False
    message.kind, message.report_id = "answer", report.id
    work.requeue(session, LOCATE_STAGE, report.id)
    log.info("message %s answers the question about report %s", message.id, report.reference)
    return True


def area_names(session: Session, report_id: int) -> list[dict]:
    """The report's admin areas, primary first, for listings."""
    rows = session.execute(
        select(ReportArea, AdminArea)
        .join(AdminArea, AdminArea.id == ReportArea.area_id)
        .where(ReportArea.report_id == report_id)
        .order_by(ReportArea.is_primary.desc(), ReportArea.level, ReportArea.confidence.desc())
    )
    return [
        {
            "level": area.level,
            "label": area.label,
            "code": area.code,
            "name": area.name,
            "confidence": link.confidence,
            "approximate": link.approximate,
            "primary": link.is_primary,
        }
        for link, area in rows
    ]
