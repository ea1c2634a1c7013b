"""Cells to values: tolerant parsers per column kind, label look-ups and the jurisdiction's regions."""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.imports.reader import Outcome, RawRow
from marketplace.imports.spec import Column, norm
from marketplace.regions.models import Region

CHUNK = 1000
MEMO_LIMIT = 4096  # distinct values remembered per column (CellParser.parse_all)
MULTI_SEPARATORS = re.compile(r"[、,;；，/\s]+")
DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value: Any) -> date | None:
    """Excel dates (date cells or serial numbers) and text 2023-01-05, 2023/1/5, 2023年1月5日, 20230105."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError
    text_ = norm(value)
    match = DATE_TEXT.match(text_) or re.match(r"^(\d{4})(\d{2})(\d{2})$", text_)
    if not match:
        raise ValueError
    return date(*(int(part) for part in match.groups()))


def cell_text(value: Any) -> str:
    """A cell as text: whole numbers without '.0', full-width folded, outer spaces stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return unicodedata.normalize("NFKC", str(value)).strip()


def id_text(value: Any) -> tuple[str, bool]:
    """An identifier as text, upper case; the flag says it was stored as a number (digits may have been lost)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (str(int(value)) if float(value).is_integer() else str(value)), True
    return norm(value or "").upper(), False


def label_map(labels: dict) -> dict[str, Any]:
    """Label → member: the Chinese label, its translation, the stored value, and a flag's lower-case name."""
    mapping: dict[str, Any] = {}
    for member, label_ in labels.items():
        for name in {str(label_), label_._args[0] if hasattr(label_, "_args") else str(label_)}:
            mapping[norm(name)] = member
        mapping[norm(getattr(member, "value", member))] = member
        if isinstance(member, enum.Flag):
            mapping[norm(member.name.lower())] = member
    return mapping


def bool_map() -> dict[str, bool]:
    return {norm(v): k for k, v in {True: "是", False: "否"}.items()} | {
        "Y": True, "N": False, "YES": True, "NO": False, "TRUE": True, "FALSE": False, "1": True, "0": False,
        norm(_("是")): True, norm(_("否")): False}


class RegionIndex:
    """The importing department's jurisdiction, preloaded once: codes, full names and unique short names."""

    def __init__(self, department) -> None:
        root = department.region.path
        regions = db.session.scalars(select(Region).where(Region.path.startswith(root, autoescape=True))).all()
        self.by_code: dict[str, Region] = {r.code: r for r in regions}
        self.by_full: dict[str, Region] = {}
        self.by_short: dict[str, list[Region]] = {}
        for region in regions:
            if region.valid_to is None:
                self.by_full[norm(region.full_name)] = region
                self.by_short.setdefault(norm(region.name), []).append(region)
        self.outside: dict[str, Region | None] = {}

    def load_outside(self, codes: set[str]) -> None:
        """Codes outside the jurisdiction, in one query per chunk (so the message can name them)."""
        missing = sorted(c for c in codes if c not in self.by_code and c not in self.outside)
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start:start + CHUNK]
            found = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(chunk)))}
            for code in chunk:
                self.outside[code] = found.get(code)

    def get(self, code: str) -> Region | None:
        return self.by_code.get(code) or self.outside.get(code)

    def resolve(self, raw: str) -> tuple[str | None, str | None]:
        """(code, error): a code, "code name" from the drop-down, a full name or a unique short name."""
        value = norm(raw)
        match = re.match(r"^(\d{6}(?:\d{3})?)(\D.*)?$", value)
        if match:
            return match.group(1), None
        region = self.by_full.get(value)
        if region is not None:
            return region.code, None
        candidates = self.by_short.get(value, [])
        if not candidates:
            candidates = [r for full, r in self.by_full.items() if full.endswith(value) and len(value) >= 2]
        if len(candidates) == 1:
            return candidates[0].code, None
        if candidates:
            return None, _("地区名称“%(name)s”不唯一，请填写地区代码或全称", name=raw)
        return None, _("本部门管辖范围内没有名为“%(name)s”的地区", name=raw)


class CellParser:
    """Parses the cells of one row by column kind; cell-level errors go to the outcome with row and column."""

    def __init__(self, columns: list[Column], regions: RegionIndex | None) -> None:
        self.columns, self.regions = columns, regions
        self.maps = {c.key: label_map(c.labels) for c in columns if c.kind in ("choice", "multi")}
        self.bools = bool_map()
        # identifiers and phones are unique per row: remembering them would only cost memory
        self.memos: dict[str, dict] = {c.key: {} for c in columns if c.kind not in ("id", "phone")}

    def parse(self, raw: RawRow, outcome: Outcome) -> dict[str, Any] | None:
        """The row's values by column key, or None when a cell could not be read (errors recorded)."""
        values, failed = self.parse_all(raw, outcome)
        return None if failed else values

    def parse_all(self, raw: RawRow, outcome: Outcome) -> tuple[dict[str, Any], set[str]]:
        """Every cell of the row: the values by column key (None where a cell could not be read) and the keys
        of the cells that failed (errors recorded), so the row's other checks can still run and report.
        A cell's value and messages depend on nothing but the cell, so they are remembered per column (up to
        MEMO_LIMIT distinct values): a coded column of 30,000 rows holds a few dozen values."""
        failed: set[str] = set()
        values: dict[str, Any] = {}
        memos = self.memos
        for column in self.columns:
            key = column.key
            if key in raw.problems:
                failed.add(key)
                outcome.error(raw.row, column.header, raw.problems[key])
                values[key] = ("", False) if column.kind == "id" else None
                continue
            value = raw.values.get(key)
            memo = memos.get(key)
            try:
                entry = memo.get((value.__class__, value)) if memo is not None else None
            except TypeError:  # an unhashable cell value (not from our readers): parse it every time
                entry, memo = None, None
            if entry is None:
                messages: list[str] = []
                entry = (self.cell(column, value, messages.append), tuple(messages))
                if memo is not None and len(memo) < MEMO_LIMIT:
                    memo[(value.__class__, value)] = entry
            result, messages = entry
            if messages:
                failed.add(key)
                for message in messages:
                    outcome.error(raw.row, column.header, message)
                values[key] = result if column.kind == "id" else None
            else:
                values[key] = result
        return values, failed

    def cell(self, column: Column, value: Any, fail) -> Any:
        kind = column.kind
        if kind == "id":
            return id_text(value)
        if kind == "date":
            try:
                return parse_date(value)
            except (ValueError, OverflowError):
                fail(_("日期“%(value)s”无法识别，请填写如 2023-01-05", value=cell_text(value)))
                return None
        text_ = cell_text(value)
        if kind == "phone":
            return text_.replace(" ", "")
        if kind == "text":
            if column.max_length and len(text_) > column.max_length:
                fail(_("内容过长，最多 %(n)s 个字", n=column.max_length))
            return text_
        if kind == "multi":
            bits = 0
            for part in (p for p in MULTI_SEPARATORS.split(text_) if p):
                member = self.maps[column.key].get(norm(part))
                if member is None:
                    fail(_("“%(value)s”不是可选的%(column)s", value=part, column=column.header))
                else:
                    bits |= int(member)
            return bits
        if not text_:
            return None
        if kind == "choice":
            member = self.maps[column.key].get(norm(text_))
            if member is None:
                fail(_("“%(value)s”不是可选的%(column)s", value=text_, column=column.header))
            return member
        if kind == "bool":
            flag = self.bools.get(norm(text_).upper(), self.bools.get(norm(text_)))
            if flag is None:
                fail(_("请填写“是”或“否”"))
            return flag
        if kind == "region":
            code, error = self.regions.resolve(text_)
            if error:
                fail(error)
            return code or ""
        if kind in ("int", "decimal"):
            try:
                number = Decimal(text_.replace(",", ""))
                if not number.is_finite() or (kind == "int" and number != number.to_integral_value()):
                    raise InvalidOperation
            except InvalidOperation:
                fail(_("请填写整数") if kind == "int" else _("请填写数字"))
                return None
            return int(number) if kind == "int" else number
        raise ValueError(f"unknown column kind {kind}")
