"""Distances between points (geopy's great-circle distance, in kilometres)."""

from __future__ import annotations

from geopy.distance import great_circle


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return great_circle((lat1, lon1), (lat2, lon2)).km
