"""The understand stage: categories, severity, victims and event time of a report."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ewn.geo.lookup import name_spans
from ewn.meaning.classify import classify
from ewn.meaning.event_time import read_event_time
from ewn.models import Report, utcnow
from ewn.models.work import PRIORITY_NORMAL, PRIORITY_SEVERE
from ewn.store import work
from ewn.worker import Job, transactional_stage

UNDERSTAND_STAGE = "understand"
CLUSTER_STAGE = "cluster"


@transactional_stage(UNDERSTAND_STAGE)
def understand(session: Session, job: Job) -> None:
    rt = job.runtime
    report = session.get(Report, job.subject_id, with_for_update=True)
    if report is None:
        return
    understand_report(report, rt, name_spans(session, report.text, rt.geo))
    work.requeue(session, CLUSTER_STAGE, report.id, priority=job.item.priority)


SEVERE = 4


def pipeline_priority(text: str, taxonomy) -> int:
    """How soon the pipeline should get to a report: severe ones (severity 4-5) first."""
    return (
        PRIORITY_SEVERE if (classify(text, taxonomy).severity or 0) >= SEVERE else (PRIORITY_NORMAL)
    )


def understand_report(report: Report, rt, place_names=()) -> None:
    """Read categories and event time from the report's text; staff decisions stay."""
    meaning = classify(report.text, rt.taxonomy, place_names)
    if report.classification_source != "staff":
        report.categories = meaning.categories
        report.primary_category = meaning.primary
        report.severity = meaning.severity
        report.victims = meaning.victims
        report.not_incident = meaning.not_incident
        report.classification_evidence = meaning.evidence()
        report.classification_source = "auto"
    if report.event_time_source != "staff":
        zone = report.timezone or rt.settings.deployment.default_timezone
        when = read_event_time(
            meaning.own_text(report.text), report.received_at, zone, meaning.ongoing
        )
        report.event_start, report.event_end = when.start, when.end
        report.event_time_source, report.event_time_phrase = when.source, when.phrase
    report.understood_at = utcnow()
