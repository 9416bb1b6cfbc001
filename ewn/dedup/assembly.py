"""Report assembly: a monitor's consecutive messages that continue one account make one
report (a cut message, "...and they burned the church too", a note on the account just sent),
and the same report sent again adds nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ewn.dedup.text import similarity
from ewn.geo.distance import km_fast as km
from ewn.geo.resolve import read_place
from ewn.meaning.classify import Understanding, classify
from ewn.models import InboundMessage, Report
from ewn.store import work

REPEAT_SIMILARITY = 0.85
# How a message that continues the previous one often begins.
CONTINUATION_STARTS = (
    "...",
    "…",
    "and ",
    "na ",
    "pia ",
    "also ",
    "then ",
    "et ",
    "puis ",
    "aussi ",
    "و",
    "cont",
    "+",
    "-",
)
SMS_PART = 140  # a message this long without an ending was probably cut by the phone
HEADING_WORDS = 4


def assemble(session: Session, rt, message: InboundMessage, monitor_id: int) -> bool:
    """Attach message to a report it continues or repeats; True if it did."""
    settings = rt.settings.incidents
    since = message.received_at - timedelta(hours=settings.repeat_hours)
    recent = list(
        session.scalars(
            select(Report)
            .where(
                Report.monitor_id == monitor_id,
                Report.received_at >= since,
                Report.received_at <= message.received_at,
            )
            .order_by(Report.received_at.desc(), Report.id.desc())
            .limit(5)
        )
    )
    if not recent:
        return False
    body = message.body.strip()
    for report in recent:
        if similarity(body, report.text) >= REPEAT_SIMILARITY:
            _attach(session, message, report, "repeat")
            return True
    latest = recent[0]
    last_message = session.scalar(
        select(InboundMessage)
        .where(InboundMessage.report_id == latest.id)
        .order_by(InboundMessage.received_at.desc())
        .limit(1)
    )
    last_at = last_message.received_at if last_message else latest.received_at
    gap = message.received_at - last_at
    if gap > timedelta(minutes=settings.assembly_minutes):
        return False
    previous = last_message.body.strip() if last_message else latest.text
    # A note on the account just sent, with nothing new happening in it ("full report
    # tomorrow, my phone is dying", "sorry wrong message"), belongs with that report.
    meaning = classify(body, rt.taxonomy)
    cut = len(previous) >= SMS_PART and not previous.endswith((".", "!", "?", "؟"))
    # A shared location is a report of its own, located exactly (or the answer to a question).
    shared = message.latitude is not None
    if (
        cut
        or body.lower().startswith(CONTINUATION_STARTS)
        or body[:1].islower()
        or (
            not shared
            and gap <= timedelta(seconds=settings.burst_seconds)
            and not _opens_an_account(body, meaning)
            and not _elsewhere(session, rt, body, latest.text)
        )
        or (not shared and body and meaning.not_incident)
    ):
        latest.text = f"{latest.text.rstrip()} {body}".strip()
        _attach(session, message, latest, "continuation")
        for stage in ("understand", "locate"):
            work.requeue(session, stage, latest.id)
        return True
    return False


def _opens_an_account(body: str, meaning: Understanding) -> bool:
    """Written as the start of a report: a category code or a heading ("K: two shot dead",
    "Kisumu update: ...")."""
    head, colon, rest = body.partition(":")
    heading = (
        colon
        and rest.strip()
        and len(head.split()) <= HEADING_WORDS
        and not head.rstrip()[-1:].isdigit()  # "shots at 10:30"
    )
    return meaning.code is not None or bool(heading)


def _elsewhere(session: Session, rt, body: str, account: str) -> bool:
    """The message says where it happened, far from where the account says: another event
    ("...in Kisumu" then "five killed in Nakuru this morning"), not more of the same one
    ("...evacuated to Marigat" names where people went)."""
    here = _place_of(session, rt, body)
    there = _place_of(session, rt, account) if here is not None else None
    return (
        there is not None
        and km(here.latitude, here.longitude, there.latitude, there.longitude)
        > rt.settings.incidents.distance_km
    )


def _place_of(session: Session, rt, text: str):
    """The place a text says it happened at, if read with confidence and precisely: a region
    ("held at Central police station" read as the old Central Province) says nothing of
    another event."""
    reading = read_place(session, text, rt.geo, None, rt.settings.countries)
    if reading.place is None or reading.destination:
        return None
    if reading.radius_km is not None and reading.radius_km > rt.settings.incidents.distance_km:
        return None
    return reading.place if reading.confidence >= rt.settings.geo.min_confidence else None


def _attach(session: Session, message: InboundMessage, report: Report, kind: str) -> None:
    message.kind, message.report_id = kind, report.id
