"""Online geocoders (geopy's Nominatim, e.g. self-hosted), tried after the gazetteer.

Only the worker calls them, never the webhook. Each call has a timeout and goes through geopy's
RateLimiter; answers (including "nothing found") are cached in the database, so a wording is
asked once per provider.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from urllib.parse import urlparse

from geopy.adapters import URLLibAdapter
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from sqlalchemy import select
from sqlalchemy.orm import Session

from ewn.geo.distance import km
from ewn.models import GeocodeCache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Found:
    latitude: float
    longitude: float
    name: str
    radius_km: float


class OnlineGeocoder:
    def __init__(self, entry: dict, countries: tuple[str, ...]):
        url = urlparse(str(entry["url"]))
        self.name = f"nominatim:{url.netloc}{url.path.rstrip('/')}"
        self.countries = [country.lower() for country in countries]
        self._geocoder = Nominatim(
            domain=url.netloc + url.path.rstrip("/"),
            scheme=url.scheme,
            user_agent=str(entry.get("user_agent", "ewn")),
            timeout=float(entry.get("timeout_seconds", 5)),
            adapter_factory=URLLibAdapter,
        )
        self._geocode = RateLimiter(
            self._geocoder.geocode,
            min_delay_seconds=float(entry.get("min_delay_seconds", 1)),
            max_retries=1,
            swallow_exceptions=False,
        )

    def search(self, session: Session, query: str) -> Found | None:
        query = " ".join(query.split())[:200]
        cached = session.scalar(
            select(GeocodeCache).where(
                GeocodeCache.provider == self.name, GeocodeCache.query == query
            )
        )
        if cached is not None:
            data = json.loads(cached.result)
            return Found(**data) if data else None
        try:
            location = self._geocode(query, exactly_one=True, country_codes=self.countries or None)
        except GeopyError as exc:
            log.warning("geocoder %s failed: %s", self.name, type(exc).__name__)
            return None  # not cached: try again next time
        found = _found(location) if location is not None else None
        session.add(
            GeocodeCache(
                provider=self.name,
                query=query,
                result=json.dumps(found.__dict__ if found else None),
            )
        )
        return found


def _found(location) -> Found:
    radius = 5.0
    box = (location.raw or {}).get("boundingbox")
    if box and len(box) == 4:
        south, north, west, east = (float(value) for value in box)
        radius = max(0.5, km(south, west, north, east) / 2)
    return Found(location.latitude, location.longitude, location.address[:300], radius)


def geocoders(settings) -> list[OnlineGeocoder]:
    return [OnlineGeocoder(entry, settings.countries) for entry in settings.geo.geocoders]
