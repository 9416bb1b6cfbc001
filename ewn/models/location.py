"""Where a report happened: its admin areas and staff corrections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ewn.models.base import Base, utcnow


class ReportArea(Base):
    """An admin area a report may be in. Near a border a report has more than one, each with
    its share of the evidence; escalation must reach all of them, never silently one."""

    __tablename__ = "report_areas"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(ForeignKey("admin_areas.id"), primary_key=True, index=True)
    level: Mapped[int]
    confidence: Mapped[float]
    # True when assigned from nearby places rather than a boundary or the gazetteer's code.
    approximate: Mapped[bool]
    is_primary: Mapped[bool]


class LocationCorrection(Base):
    """A staff member set a report's place; the wording became an alias."""

    __tablename__ = "location_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    staff: Mapped[str] = mapped_column(String(64))
    corrected_at: Mapped[datetime] = mapped_column(default=utcnow)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    latitude: Mapped[float]
    longitude: Mapped[float]
    wording: Mapped[str | None] = mapped_column(Text)
    # JSON of the location before the correction.
    previous: Mapped[str] = mapped_column(Text)
