"""The gazetteer: places, their names, admin areas, and the geocoder cache."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ewn.models.base import Base, utcnow


class Place(Base):
    """A named feature from a gazetteer (GeoNames), with its admin codes."""

    __tablename__ = "places"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        # Covers the neighbour searches: the grid cell, the box, and the area vote's columns.
        Index(
            "ix_places_near", "cell", "latitude", "longitude", "feature_class", "country", "admin1"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(2))
    feature_class: Mapped[str] = mapped_column(String(1))
    feature_code: Mapped[str] = mapped_column(String(10))
    population: Mapped[int] = mapped_column(BigInteger, default=0)
    latitude: Mapped[float]
    longitude: Mapped[float]
    admin1: Mapped[str] = mapped_column(String(20), default="")
    admin2: Mapped[str] = mapped_column(String(80), default="")
    # A 0.1° grid cell number, for neighbour searches with an ordinary index.
    cell: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlaceName(Base):
    """One way of writing a place: its name, ASCII name, alternate names, staff aliases."""

    __tablename__ = "place_names"
    __table_args__ = (
        UniqueConstraint("place_id", "key", "kind"),
        Index("ix_place_names_joined", "joined"),
        Index("ix_place_names_skeleton", "skeleton"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    # Normalised (folded, transliterated) words joined by spaces, and the same without spaces.
    key: Mapped[str] = mapped_column(Text)
    joined: Mapped[str] = mapped_column(Text)
    # Consonants only: how names written in Arabic script (vowels unwritten) are found.
    skeleton: Mapped[str] = mapped_column(Text)
    # name, ascii, alternate, partial (the distinctive part of "Mathare Valley"), alias
    kind: Mapped[str] = mapped_column(String(12))
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlaceNameVariant(Base):
    """A one-deletion variant of a joined name: finds misspellings with an index lookup."""

    __tablename__ = "place_name_variants"
    __table_args__ = (UniqueConstraint("variant", "joined"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    variant: Mapped[str] = mapped_column(Text)
    joined: Mapped[str] = mapped_column(Text)


class AdminArea(Base):
    """A county, state, province or district, with an optional boundary polygon."""

    __tablename__ = "admin_areas"
    __table_args__ = (UniqueConstraint("country", "level", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    level: Mapped[int]
    # The gazetteer's code: admin1 ("52"), or admin1.admin2 for level 2.
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(Text)
    # What the country calls this level: County, State, Province, District...
    label: Mapped[str] = mapped_column(String(40))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # Half the typical extent, for the uncertainty of a report located only to this area.
    radius_km: Mapped[float | None]
    boundary: Mapped[str | None] = mapped_column(Text)  # GeoJSON geometry
    min_lat: Mapped[float | None]
    max_lat: Mapped[float | None]
    min_lon: Mapped[float | None]
    max_lon: Mapped[float | None]


class GeocodeCache(Base):
    """Answers of online geocoders, so a wording is asked once."""

    __tablename__ = "geocode_cache"
    __table_args__ = (UniqueConstraint("provider", "query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(Text)
    # JSON: {"latitude", "longitude", "name", "radius_km"} or null when nothing was found.
    result: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
