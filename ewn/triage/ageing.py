"""Recency is part of priority, and time passes without anything else changing: the worker
re-scores open incidents as they cross the recency steps (6, 24 and 72 hours old)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from ewn.dedup import incidents as aggregate
from ewn.models import Incident, utcnow
from ewn.triage.priority import RECENCY_STEPS

log = logging.getLogger(__name__)


def rescore_aged(rt, since: datetime, now: datetime | None = None) -> int:
    """Re-score open incidents that crossed a recency step between since and now."""
    now = now or utcnow()
    done = 0
    for step in RECENCY_STEPS:
        with rt.db.session() as session:
            crossed = list(
                session.scalars(
                    select(Incident)
                    .where(
                        Incident.status == "open",
                        Incident.event_end > since - step,
                        Incident.event_end <= now - step,
                    )
                    .with_for_update(skip_locked=True)
                )
            )
            for incident in crossed:
                aggregate.refresh(session, rt, incident)
        done += len(crossed)
    if done:
        log.info("re-scored %d incidents that grew older", done)
    return done


def lookback() -> timedelta:
    """How far back a freshly started worker looks for steps it may have missed."""
    return timedelta(days=1)
