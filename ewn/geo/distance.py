"""Distances between points in kilometres: geopy's great-circle distance, and a plain
haversine for the scoring loops where geopy's Point objects cost too much."""

from __future__ import annotations

import math

from geopy.distance import EARTH_RADIUS, great_circle

KM_PER_DEGREE = 111.0  # of latitude, and of longitude at the equator


def km_per_degree_of_longitude(latitude: float) -> float:
    """Shrinks towards the poles (never below 5%, so boxes stay finite there)."""
    return KM_PER_DEGREE * max(0.05, math.cos(math.radians(latitude)))


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return great_circle((lat1, lon1), (lat2, lon2)).km


def km_fast(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The same great-circle distance without geopy's objects (for inner loops)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS * math.asin(min(1.0, math.sqrt(half)))
