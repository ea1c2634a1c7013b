"""Batch import and export of counselors (批量导入 / 导出) as xlsx.

One list of columns (`COLUMNS`) drives the template, the reader and the export, so an exported file imports
again. An import is all-or-nothing: every row is read and checked first (no writes, no per-row queries);
only when no row has an error are the counselors written, in one transaction, with bulk statements (COPY on
PostgreSQL, executemany elsewhere). A worker killed mid-way therefore leaves nothing half-written; the
reaper (`reap_stale`) marks its job failed.
"""

from __future__ import annotations

import io
import json
import logging
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, text, update

from marketplace import crypto
from marketplace.accounts.models import Department, User
from marketplace.audit.services import record
from marketplace.directory import labels as L
from marketplace.directory.models import (
    Counselor,
    CounselorEvent,
    CounselorStatus,
    Education,
    Industry,
    PoliticalStatus,
    Source,
    Specialty,
    WorkMode,
    counselor_service_areas,
)
from marketplace.directory.services import (
    Checked,
    CounselorInput,
    appointing_department,
    can_view_personal,
    check_input,
    default_term_end,
    next_certificate_numbers,
    plain_value,
)
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobState
from marketplace.masking import mask_id_number, mask_phone
from marketplace.regions.models import Level, Region
from marketplace.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)

JOB_KIND = "counselor_import"
DATA_SHEET = "辅导员名录"
INSTRUCTIONS_SHEET = "填写说明"
LISTS_SHEET = "代码表"
EXAMPLE_MARK = "示例"
CHUNK = 1000
PROGRESS_EVERY = 2000
HEADER_SCAN_ROWS = 10
MULTI_SEPARATORS = re.compile(r"[、,;；，/\s]+")


class ImportFileError(DomainError):
    """The uploaded file itself is unusable (not xlsx, empty, corrupt, no known headers, too large)."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    variants: tuple[str, ...] = ()
    required: bool = False
    kind: str = "text"  # text, id, phone, region, multi, choice, date, bool, int
    labels: dict | None = None
    note: str = ""
    width: int = 14


def _bool_labels() -> dict:
    return {True: _("是"), False: _("否")}


COLUMNS: list[Column] = [
    Column("name", "姓名", ("辅导员姓名", "名字"), True, note="必填"),
    Column("id_number", "身份证号码", ("身份证号", "公民身份号码", "身份证", "居民身份证号码", "证件号码"), True, "id",
           note="必填，18 位，末位可为 X；性别和出生日期由身份证号码得出", width=22),
    Column("phone", "手机号码", ("手机", "手机号", "联系电话", "电话", "联系方式", "移动电话"), True, "phone",
           note="必填，11 位手机号码", width=16),
    Column("region_code", "所在地区", ("地区", "地区代码", "所在地区代码", "区划代码", "行政区划代码", "居住地区",
                                     "所在地", "服务地区"), True, "region",
           note="必填，填地区代码（如 130123）或名称（如 正定县、河北省石家庄市正定县），须在本部门管辖范围内",
           width=24),
    Column("township_code", "聘任乡镇", ("乡镇", "乡镇代码", "所属乡镇"), False, "region",
           note="选填，由乡镇聘任时填写乡镇代码或名称", width=20),
    Column("specialties", "业务专长", ("专长",), True, "multi", L.SPECIALTY_LABELS,
           note="必填，可填多项，用顿号“、”、逗号或分号隔开", width=24),
    Column("industries", "产业领域", ("产业", "服务产业"), True, "multi", L.INDUSTRY_LABELS,
           note="必填，可填多项，用顿号“、”、逗号或分号隔开", width=20),
    Column("work_mode", "工作模式", ("工作方式", "专兼职"), True, "choice", L.WORK_MODE_LABELS, note="必填"),
    Column("source", "选聘来源", ("来源", "人员来源"), True, "choice", L.SOURCE_LABELS, note="必填", width=26),
    Column("appointed_on", "聘任日期", ("聘任时间", "聘用日期"), True, "date",
           note="必填，如 2023-01-05、2023/1/5 或 2023年1月5日"),
    Column("term_end", "聘期结束日期", ("聘期截止日期", "聘期结束", "聘期至"), False, "date",
           note="选填，不填为聘任之日起 3 年"),
    Column("political_status", "政治面貌", (), False, "choice", L.POLITICAL_LABELS, note="选填"),
    Column("education", "学历", ("文化程度", "最高学历"), False, "choice", L.EDUCATION_LABELS, note="选填"),
    Column("title", "职称", ("专业技术职称",), note="选填"),
    Column("employer", "工作单位", ("单位", "所在单位"), note="选填", width=24),
    Column("position", "职务", ("岗位",), note="选填"),
    Column("is_remote", "可远程服务", ("远程服务", "是否远程服务"), False, "bool", None, note="选填，是或否，不填为否"),
    Column("capacity", "同时服务数量", ("服务容量", "同时服务主体数"), False, "int",
           note="选填，0 到 100 的整数，不填为 5"),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
# check_input's field names → the column that caused them
FIELD_COLUMN = {c.key: c.header for c in COLUMNS} | {"service_area_codes": "所在地区"}


def norm(value: Any) -> str:
    """Full-width to half-width, stray and inner spaces removed (for headers, codes and labels)."""
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


def _header_key(value: Any) -> str:
    text_ = norm(value).replace("*", "")
    return re.sub(r"[(（][^)）]*[)）]$", "", text_)


HEADER_INDEX: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.variants):
        HEADER_INDEX[_header_key(_name)] = _column.key


# --- the template ----------------------------------------------------------------------------------------------

def _choices(column: Column) -> list[str]:
    if column.kind == "bool":
        return [str(v) for v in _bool_labels().values()]
    return [str(v) for v in (column.labels or {}).values()]


def _region_choices(department: Department | None, townships: bool) -> list[str]:
    if department is None:
        return []
    query = select(Region.code, Region.name).where(Region.path.startswith(department.region.path, autoescape=True),
                                                   Region.valid_to.is_(None))
    query = query.where((Region.level == Level.TOWNSHIP) if townships else (Region.level != Level.TOWNSHIP))
    return [f"{code} {name}" for code, name in db.session.execute(query.order_by(Region.code))]


def build_template(department: Department | None = None) -> bytes:
    """The import template: the data sheet with one example row and drop-down lists for the coded fields,
    an instructions sheet, and a sheet with the lists (regions of the department's jurisdiction included)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    sheet = wb.active
    sheet.title = DATA_SHEET
    lists = wb.create_sheet(LISTS_SHEET)
    sheet.append([c.header for c in COLUMNS])
    bold, required_fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        # text format so ID numbers and phones typed later keep every digit
        sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    sheet.append(_example_row(department))

    list_col = 0
    for index, column in enumerate(COLUMNS, start=1):
        if column.kind in ("choice", "multi", "bool"):
            values = _choices(column)
        elif column.kind == "region":
            values = _region_choices(department, townships=column.key == "township_code")
        else:
            continue
        if not values:
            continue
        list_col += 1
        list_letter = get_column_letter(list_col)
        lists.cell(row=1, column=list_col, value=column.header).font = bold
        for n, value in enumerate(values, start=2):
            lists.cell(row=n, column=list_col, value=value)
        formula = f"'{LISTS_SHEET}'!${list_letter}$2:${list_letter}${len(values) + 1}"
        # multi-valued and region cells accept typed text too (several labels, a name), so no hard stop there
        strict = column.kind in ("choice", "bool")
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=strict,
                                    errorTitle=_("输入有误"), error=_("请从下拉列表中选择"),
                                    promptTitle=column.header, prompt=_(column.note) if column.note else None,
                                    showInputMessage=True)
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}10001")
        sheet.add_data_validation(validation)
    lists.sheet_state = "hidden"

    notes = wb.create_sheet(INSTRUCTIONS_SHEET, 1)
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 90
    for line in _instructions():
        notes.append(line)
    for row in notes.iter_rows(min_row=1, max_row=1):
        for cell in row:
            cell.font = bold
    for row in notes.iter_rows():
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _example_row(department: Department | None) -> list[Any]:
    region = f"{department.region_code} {department.region.name}" if department else "130123 正定县"
    values = {
        "name": f"{EXAMPLE_MARK}：张三", "id_number": "11010519491231002X", "phone": "13800138000",
        "region_code": region, "township_code": "", "specialties": f"{L.SPECIALTY_LABELS[Specialty.ORGANIZATION]}、"
                                                                  f"{L.SPECIALTY_LABELS[Specialty.FINANCE]}",
        "industries": str(L.INDUSTRY_LABELS[Industry.GRAIN]), "work_mode": str(L.WORK_MODE_LABELS[WorkMode.PART_TIME]),
        "source": str(L.SOURCE_LABELS[Source.RURAL_EXPERT]), "appointed_on": "2023-01-05", "term_end": "",
        "political_status": str(L.POLITICAL_LABELS[PoliticalStatus.MASSES]),
        "education": str(L.EDUCATION_LABELS[Education.COLLEGE]), "title": _("农艺师"), "employer": _("某某合作社"),
        "position": _("理事长"), "is_remote": _("是"), "capacity": 5,
    }
    return [values[c.key] for c in COLUMNS]


def _instructions() -> list[list[str]]:
    rows = [[_("列"), _("填写要求")]]
    for column in COLUMNS:
        note = _(column.note) if column.note else ""
        choices = _choices(column) if column.kind in ("choice", "multi", "bool") else []
        if choices:
            note += _("。可选：") + "、".join(choices)
        rows.append([column.header, note])
    rows += [
        ["", ""],
        [_("示例行"), _("第 2 行是示例（姓名以“示例”开头），导入时会被跳过，可以删除。")],
        [_("多项填写"), _("业务专长和产业领域可填多项，在同一单元格内用顿号“、”、逗号“,”或分号“；”隔开，"
                       "如“组织建设、财务会计”。")],
        [_("身份证号码"), _("请以文本格式填写，不要让 Excel 转成数字（数字会丢失后几位）。末位 x 大小写均可。")],
        [_("日期"), _("可用 Excel 日期，或文本 2023-01-05、2023/1/5、2023年1月5日。")],
        [_("地区"), _("填地区代码或名称；名称可为全称（如 河北省石家庄市正定县）或在本部门管辖范围内唯一的简称。")],
        [_("全部导入"), _("所有行检查无误才会导入；任何一行有错，都不写入任何数据，并给出错误清单（行、列、原因）。")],
        [_("更新已有记录"), _("身份证号码已由本部门录入的，按本表内容更新；结果中列出新增、更新和未变化的人数。")],
    ]
    return rows


# --- reading ---------------------------------------------------------------------------------------------------

@dataclass
class RawRow:
    row: int  # the row number shown in Excel
    values: dict[str, Any]


@dataclass
class ParsedRow:
    row: int
    data: CounselorInput
    checked: Checked | None = None
    id_hash: str = ""


@dataclass
class Outcome:
    """What an import found (and, when it wrote, what it did)."""

    total: int = 0
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def error(self, row: int | None, column: str | None, message: str) -> None:
        self.errors.append({"row": row, "column": column, "message": str(message)})

    @property
    def summary(self) -> dict:
        return {"total": self.total, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "warnings": self.warnings[:200]}


def check_upload(head: bytes, size: int) -> None:
    """Cheap checks before a file is accepted: size, empty, the xlsx (zip) signature."""
    limit = current_app.config["IMPORT_MAX_BYTES"]
    if size > limit:
        raise ImportFileError(_("文件太大：不能超过 %(mb)s MB", mb=limit // (1024 * 1024)))
    if size == 0:
        raise ImportFileError(_("文件是空的"))
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后上传"))
    if not head.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("文件不是 xlsx 格式的 Excel 工作簿，请使用下载的模板填写"))


def iter_raw_rows(path: str | Path) -> Iterator[RawRow]:
    """Rows of the first sheet with known headers, keyed by column key; blank rows and the example skipped."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(8)
    check_upload(head, size)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own zip / xml errors, and ValueError for non-workbooks
        log.info("unreadable workbook %s: %s", path.name, error)
        raise ImportFileError(_("文件已损坏或不是有效的 xlsx 工作簿，无法读取")) from error
    try:
        sheet_names = workbook.sheet_names
        order = [DATA_SHEET] if DATA_SHEET in sheet_names else []
        order += [n for n in sheet_names if n not in order and n not in (INSTRUCTIONS_SHEET, LISTS_SHEET)]
        for name in order:
            try:
                sheet = workbook.get_sheet_by_name(name)
                rows = sheet.iter_rows()
                header_at, mapping, buffered = _find_header(rows)
            except Exception as error:
                raise ImportFileError(_("文件已损坏或不是有效的 xlsx 工作簿，无法读取")) from error
            if mapping is None:
                continue
            yield from _rows_after_header(header_at, mapping, buffered, rows)
            return
        raise ImportFileError(_("没有找到可识别的表头：第一行应包含“姓名”“身份证号码”等列，请使用下载的模板"))
    finally:
        workbook.close()


def _find_header(rows: Iterator[list]) -> tuple[int, dict[int, str] | None, list]:
    buffered = []
    for index, values in enumerate(rows):
        buffered.append(values)
        mapping: dict[int, str] = {}
        for col, value in enumerate(values):
            key = HEADER_INDEX.get(_header_key(value)) if value not in (None, "") else None
            if key and key not in mapping.values():
                mapping[col] = key
        if "name" in mapping.values() and "id_number" in mapping.values():
            return index, mapping, []
        if index + 1 >= HEADER_SCAN_ROWS:
            break
    return 0, None, buffered


def _rows_after_header(header_at: int, mapping: dict[int, str], buffered: list, rows: Iterable[list],
                       ) -> Iterator[RawRow]:
    for offset, values in enumerate(rows):
        number = header_at + 2 + offset  # Excel rows are 1-based; the first data row follows the header
        record_ = {key: values[col] if col < len(values) else None for col, key in mapping.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in record_.values()):
            continue
        if isinstance(record_.get("name"), str) and norm(record_["name"]).startswith(EXAMPLE_MARK):
            continue
        yield RawRow(number, record_)


# --- parsing cells ---------------------------------------------------------------------------------------------

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
    """The ID number as text; the flag says it was stored as a number (digits may have been lost)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (str(int(value)) if float(value).is_integer() else str(value)), True
    return norm(value or "").upper(), False


class Lookup:
    """Labels → codes for the coded columns (Chinese label, its translation, or the stored value)."""

    def __init__(self) -> None:
        self.maps: dict[str, dict[str, Any]] = {}
        for column in COLUMNS:
            if column.kind in ("choice", "multi"):
                mapping: dict[str, Any] = {}
                for member, label_ in column.labels.items():
                    for name in {str(label_), label_._args[0] if hasattr(label_, "_args") else str(label_)}:
                        mapping[norm(name)] = member
                    mapping[norm(getattr(member, "value", member))] = member
                    if isinstance(member, Specialty | Industry):
                        mapping[norm(member.name.lower())] = member
                self.maps[column.key] = mapping
        self.maps["is_remote"] = {norm(v): k for k, v in {True: "是", False: "否"}.items()} | {
            "Y": True, "N": False, "YES": True, "NO": False, "TRUE": True, "FALSE": False, "1": True, "0": False,
            norm(_("是")): True, norm(_("否")): False}


class RegionIndex:
    """The importing department's jurisdiction, preloaded once: codes, full names and unique short names."""

    def __init__(self, department: Department) -> None:
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


def parse_row(raw: RawRow, lookup: Lookup, regions: RegionIndex, outcome: Outcome) -> ParsedRow | None:
    """Turn cells into a CounselorInput; cell-level errors (bad label, date, number) go to `outcome`."""
    values, row = raw.values, raw.row
    data = CounselorInput()
    errors_before = len(outcome.errors)

    def fail(key: str, message: str) -> None:
        outcome.error(row, COLUMN_BY_KEY[key].header, message)

    data.name = cell_text(values.get("name"))
    id_raw = values.get("id_number")
    data.id_number, numeric = id_text(id_raw)
    if numeric:
        from marketplace.identifiers import check_id_number

        if check_id_number(data.id_number).error:
            fail("id_number", _("身份证号码被存成了数字，后几位已丢失，请把该列设为文本格式后重新填写"))
    data.phone = cell_text(values.get("phone")).replace(" ", "")
    for key in ("region_code", "township_code"):
        text_ = cell_text(values.get(key))
        if text_:
            code, error = regions.resolve(text_)
            if error:
                fail(key, error)
            setattr(data, key, code or "")
    for key in ("specialties", "industries"):
        text_ = cell_text(values.get(key))
        bits = 0
        for part in (p for p in MULTI_SEPARATORS.split(text_) if p):
            member = lookup.maps[key].get(norm(part))
            if member is None:
                fail(key, _("“%(value)s”不是可选的%(column)s", value=part, column=COLUMN_BY_KEY[key].header))
            else:
                bits |= int(member)
        setattr(data, key, bits)
    for key in ("work_mode", "source", "political_status", "education"):
        text_ = cell_text(values.get(key))
        if text_:
            member = lookup.maps[key].get(norm(text_))
            if member is None:
                fail(key, _("“%(value)s”不是可选的%(column)s", value=text_, column=COLUMN_BY_KEY[key].header))
            setattr(data, key, member)
    for key in ("appointed_on", "term_end"):
        try:
            setattr(data, key, parse_date(values.get(key)))
        except (ValueError, OverflowError):
            fail(key, _("日期“%(value)s”无法识别，请填写如 2023-01-05", value=cell_text(values.get(key))))
    for key in ("title", "employer", "position"):
        text_ = cell_text(values.get(key))
        limit = 120 if key == "employer" else 64
        if len(text_) > limit:
            fail(key, _("内容过长，最多 %(n)s 个字", n=limit))
        setattr(data, key, text_ or None)
    remote = cell_text(values.get("is_remote"))
    if remote:
        flag = lookup.maps["is_remote"].get(norm(remote).upper(), lookup.maps["is_remote"].get(norm(remote)))
        if flag is None:
            fail("is_remote", _("请填写“是”或“否”"))
        data.is_remote = bool(flag)
    capacity = values.get("capacity")
    if capacity not in (None, ""):
        try:
            number = float(cell_text(capacity))
            if not number.is_integer():
                raise ValueError
            data.capacity = int(number)
        except ValueError:
            fail("capacity", _("请填写整数"))
    if len(outcome.errors) > errors_before:
        return None
    return ParsedRow(row, data)


# --- checking --------------------------------------------------------------------------------------------------

@dataclass
class Existing:
    id: int
    department_id: int
    values: dict[str, Any]
    phone_cipher: str
    status: str | None = None


COMPARED = ("name", "region_code", "township_code", "specialties", "industries", "work_mode", "source",
            "appointed_on", "term_end", "political_status", "education", "title", "employer", "position",
            "is_remote", "capacity")


def check_file(path: str | Path, department: Department, progress: Callable[[int, int], None] | None = None,
               ) -> tuple[Outcome, list[ParsedRow], dict[str, Existing]]:
    """Read and check every row; nothing is written. Returns the outcome, the rows and the existing records
    (by ID hash) that a re-import would update."""
    return _check_file(path, department, progress)


def _check_file(path: str | Path, department: Department, progress: Callable[[int, int], None] | None,
                ) -> tuple[Outcome, list[ParsedRow], dict[str, Existing]]:
    outcome = Outcome()
    lookup, regions = Lookup(), RegionIndex(department)
    parsed: list[ParsedRow] = []
    for raw in iter_raw_rows(path):
        outcome.total += 1
        row = parse_row(raw, lookup, regions, outcome)
        if row is not None:
            parsed.append(row)
        if progress and outcome.total % PROGRESS_EVERY == 0:
            progress(outcome.total, 0)
    if outcome.total == 0:
        raise ImportFileError(_("表格中没有数据行"))
    regions.load_outside({c for p in parsed for c in (p.data.region_code, p.data.township_code) if c})
    seen: dict[str, int] = {}
    valid: list[ParsedRow] = []
    for index, row in enumerate(parsed, start=1):
        checked = check_input(row.data, department, regions.get)
        row.checked = checked
        for name, message in checked.errors.items():
            outcome.error(row.row, FIELD_COLUMN.get(name, name), message)
        for message in checked.warnings:
            outcome.warnings.append({"row": row.row, "column": FIELD_COLUMN["id_number"], "message": str(message)})
        if checked.id_number:
            first = seen.setdefault(checked.id_number, row.row)
            if first != row.row:
                outcome.error(row.row, FIELD_COLUMN["id_number"],
                              _("与第 %(row)s 行的身份证号码重复", row=first))
                continue
        if checked.ok:
            row.id_hash = crypto.lookup_hash(checked.id_number)
            valid.append(row)
        if progress and index % PROGRESS_EVERY == 0:
            progress(outcome.total, index)
    existing = _existing(valid)
    for row in valid:
        found = existing.get(row.id_hash)
        if found is not None and found.department_id != department.id:
            outcome.error(row.row, FIELD_COLUMN["id_number"], _("该身份证号码已由其他部门录入名录库"))
    outcome.errors.sort(key=lambda e: (e["row"] or 0))
    return outcome, valid, existing


def _existing(rows: list[ParsedRow]) -> dict[str, Existing]:
    """Directory records with these ID numbers: one query per chunk of hashes."""
    table = Counselor.__table__
    columns = [table.c.id, table.c.department_id, table.c.id_number_hash, table.c.phone_cipher, table.c.status,
               *[table.c[name] for name in COMPARED]]
    found: dict[str, Existing] = {}
    hashes = [r.id_hash for r in rows]
    for start in range(0, len(hashes), CHUNK):
        for record_ in db.session.execute(select(*columns).where(
                table.c.id_number_hash.in_(hashes[start:start + CHUNK]))).mappings():
            found[record_["id_number_hash"]] = Existing(record_["id"], record_["department_id"],
                                                        {k: record_[k] for k in COMPARED}, record_["phone_cipher"],
                                                        plain_value(record_["status"]))
    return found


# --- writing ---------------------------------------------------------------------------------------------------

def _row_values(row: ParsedRow) -> dict[str, Any]:
    data = row.data
    return {
        "name": data.name.strip(), "region_code": data.region_code, "township_code": data.township_code or None,
        "specialties": int(data.specialties), "industries": int(data.industries),
        "work_mode": data.work_mode.value, "source": data.source.value, "appointed_on": data.appointed_on,
        "term_end": data.term_end, "political_status": data.political_status.value if data.political_status else None,
        "education": data.education.value if data.education else None, "title": data.title,
        "employer": data.employer, "position": data.position, "is_remote": bool(data.is_remote),
        "capacity": data.capacity,
    }


def _diff(existing: Existing, row: ParsedRow) -> tuple[dict[str, Any], dict[str, list]]:
    new = _row_values(row)
    if new["term_end"] is None:
        new["term_end"] = existing.values["term_end"]
    changes = {}
    for key in COMPARED:
        old = existing.values[key]
        if plain_value(old) != plain_value(new[key]):
            changes[key] = [plain_value(old), plain_value(new[key])]
    phone = row.checked.phone
    if crypto.decrypt(existing.phone_cipher) != phone:
        changes["phone"] = [None, mask_phone(phone)]
    return new, changes


class Writer:
    """Bulk writes for one import, inside the caller's transaction. `fail_after` is for tests: raise after
    that many counselor rows have been written (an import cut off halfway)."""

    fail_after: int | None = None

    def __init__(self, actor: User, department: Department, progress: Callable[[int], None] | None = None):
        self.actor, self.department, self.progress = actor, department, progress
        self.connection = db.session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"

    def create(self, rows: list[ParsedRow]) -> int:
        if not rows:
            return 0
        dept, now, year = self.department, utcnow(), date.today().year
        numbers: dict[int, Iterator[str]] = {}
        for appointed_year in sorted({r.data.appointed_on.year for r in rows}):
            count = sum(1 for r in rows if r.data.appointed_on.year == appointed_year)
            numbers[appointed_year] = iter(next_certificate_numbers(dept, appointed_year, count))
        fernet = crypto.fernet()  # one key set-up for the whole file, not two per row
        encrypt = lambda value: fernet.encrypt(value.encode()).decode()  # noqa: E731
        records = []
        for row in rows:
            checked, values = row.checked, _row_values(row)
            values.update(
                gender=checked.gender.value, birth_date=checked.birth_date, id_number_hash=row.id_hash,
                id_number_cipher=encrypt(checked.id_number), id_number_masked=mask_id_number(checked.id_number),
                phone_cipher=encrypt(checked.phone), phone_masked=mask_phone(checked.phone),
                department_id=dept.id, department_region_code=dept.region_code,
                term_end=values["term_end"] or default_term_end(row.data.appointed_on),
                certificate_no=next(numbers[row.data.appointed_on.year]), status=CounselorStatus.APPOINTED.value,
                data_year=year, user_id=None, created_at=now, updated_at=now)
            records.append(values)
        ids = self._insert_counselors(records)
        appointed = CounselorStatus.APPOINTED.value
        events = [{"counselor_id": i, "action": "appoint", "from_status": None, "to_status": appointed,
                   "reason": None, "changes": {"source": "import"}, "actor_id": self.actor.id, "created_at": now}
                  for i in ids]
        self._insert(CounselorEvent.__table__, events)
        self._insert(counselor_service_areas, [{"counselor_id": i, "region_code": dept.region_code} for i in ids])
        return len(ids)

    def _insert_counselors(self, records: list[dict]) -> list[int]:
        table = Counselor.__table__
        if self.postgres:
            ids = list(self.connection.execute(
                text("SELECT nextval(pg_get_serial_sequence('counselors', 'id')) "
                     "FROM generate_series(1, :n)"), {"n": len(records)}).scalars())
            for record_, ident in zip(records, ids, strict=True):
                record_["id"] = ident
            self._insert(table, records)
            return ids
        ids = []
        for start in range(0, len(records), CHUNK):
            chunk = records[start:start + CHUNK]
            result = self.connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                             chunk)
            ids += list(result.scalars())
            self._progress(start + len(chunk))
        return ids

    def _progress(self, done: int) -> None:
        if self.fail_after is not None and done >= self.fail_after:
            raise RuntimeError("import interrupted (test)")
        if self.progress:
            self.progress(done)

    def _insert(self, table, records: list[dict]) -> None:
        if not records:
            return
        columns = list(records[0])
        if self.postgres:
            raw = self.connection.connection.driver_connection
            json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
            names = ", ".join(f'"{c}"' for c in columns)
            with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for n, record_ in enumerate(records, start=1):
                    copy.write_row([json.dumps(record_[c]) if c in json_columns else record_[c] for c in columns])
                    if table.name == "counselors" and n % PROGRESS_EVERY == 0:
                        self._progress(n)
            if table.name == "counselors":
                self._progress(len(records))
            return
        for start in range(0, len(records), CHUNK):
            self.connection.execute(insert(table), records[start:start + CHUNK])

    def update(self, pairs: list[tuple[Existing, dict[str, Any], dict[str, list], ParsedRow]]) -> int:
        if not pairs:
            return 0
        table, now, year = Counselor.__table__, utcnow(), date.today().year
        params = []
        for existing, values, _changes, row in pairs:
            params.append({**{f"v_{k}": v for k, v in values.items()}, "b_id": existing.id,
                           "v_phone_cipher": crypto.encrypt(row.checked.phone),
                           "v_phone_masked": mask_phone(row.checked.phone), "v_updated_at": now, "v_data_year": year})
        keys = [*COMPARED, "phone_cipher", "phone_masked", "updated_at", "data_year"]
        statement = update(table).where(table.c.id == bindparam("b_id")).values(
            {k: bindparam(f"v_{k}") for k in keys})
        for start in range(0, len(params), CHUNK):
            self.connection.execute(statement, params[start:start + CHUNK])
        events = [{"counselor_id": e.id, "action": "import_update", "from_status": e.status, "to_status": e.status,
                   "reason": None, "changes": changes, "actor_id": self.actor.id, "created_at": now}
                  for e, _v, changes, _r in pairs]
        self._insert(CounselorEvent.__table__, events)
        return len(pairs)


def import_file(actor: User, path: str | Path, progress: Callable[[str, int, int], None] | None = None,
                job: Job | None = None) -> Outcome:
    """Check the file and, when every row is valid, write it (created / updated / unchanged). Flushes,
    never commits: the caller commits once, so the counselor rows land in one transaction or not at all."""
    department = appointing_department(actor)
    outcome, rows, existing = check_file(path, department,
                                         (lambda total, done: progress("validate", done, total)) if progress else None)
    if outcome.errors:
        return outcome
    creates, updates = [], []
    for row in rows:
        found = existing.get(row.id_hash)
        if found is None:
            creates.append(row)
            continue
        values, changes = _diff(found, row)
        if changes:
            updates.append((found, values, changes, row))
        else:
            outcome.unchanged += 1
    writer = Writer(actor, department,
                    (lambda done: progress("write", done, outcome.total)) if progress else None)
    outcome.created = writer.create(creates)
    outcome.updated = writer.update(updates)
    record(actor, "counselor.import", job, object_type="jobs", object_id=job.id if job else None,
           region_code=department.region_code, created=outcome.created, updated=outcome.updated,
           unchanged=outcome.unchanged, total=outcome.total)
    return outcome


# --- jobs ------------------------------------------------------------------------------------------------------

def imports_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_import(actor: User, stream, content_length: int | None = None) -> Job:
    """Save the upload as instance/imports/<job id>.xlsx and create a pending job; the caller commits and the
    task is queued after the commit. Wrong files are refused here, before anything is queued."""
    from marketplace.background import enqueue_after_commit
    from tasks.imports import import_counselors

    department = appointing_department(actor)
    limit = current_app.config["IMPORT_MAX_BYTES"]
    if content_length is not None and content_length > limit:
        check_upload(b"", content_length)
    job_id = str(uuid.uuid4())
    path = imports_dir() / f"{job_id}.xlsx"
    size, head = 0, b""
    with path.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            if not head:
                head = chunk[:8]
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    try:
        check_upload(head, size)
    except ImportFileError:
        path.unlink(missing_ok=True)
        raise
    job = Job(id=job_id, kind=JOB_KIND, state=JobState.PENDING, actor_id=actor.id,
              region_code=department.region_code, input_path=str(path), params={"size": size})
    db.session.add(job)
    db.session.flush()
    enqueue_after_commit(import_counselors, job.id)
    return job


class _Progress:
    """Job progress written outside the import's transaction (its own connection), so the page sees it while
    the counselor rows are still uncommitted. SQLite allows one writer, so there progress waits for phases."""

    def __init__(self, job: Job):
        self.job_id = job.id
        self.separate = db.session.get_bind().dialect.name != "sqlite"

    def __call__(self, phase: str, done: int, total: int) -> None:
        processed = done if phase == "write" else done // 2
        values = {"processed": min(processed, total), "total": total, "heartbeat_at": utcnow()}
        if phase == "write":
            values["processed"] = min(total // 2 + done // 2, total)
        if self.separate:
            with db.engine.begin() as connection:
                connection.execute(update(Job.__table__).where(Job.__table__.c.id == self.job_id).values(**values))


def run_import(job: Job) -> Job:
    """The task's work: pending → running → succeeded / failed. Idempotent: a job not pending is left alone."""
    claimed = db.session.execute(update(Job).where(Job.id == job.id, Job.state == JobState.PENDING).values(
        state=JobState.RUNNING, heartbeat_at=utcnow()))
    db.session.commit()
    if claimed.rowcount != 1:
        db.session.refresh(job)
        return job
    db.session.refresh(job)
    actor = job.actor
    try:
        outcome = import_file(actor, job.input_path, _Progress(job), job)
    except ImportFileError as error:
        db.session.rollback()
        return _finish(job, JobState.FAILED, Outcome(), [{"row": None, "column": None, "message": error.message}],
                       error.message)
    except DomainError as error:
        db.session.rollback()
        return _finish(job, JobState.FAILED, Outcome(), [{"row": None, "column": None, "message": error.message}],
                       error.message)
    except Exception:
        log.exception("import %s failed", job.id)
        db.session.rollback()
        message = _("导入失败：服务器内部错误，未写入任何数据")
        return _finish(job, JobState.FAILED, Outcome(), [{"row": None, "column": None, "message": message}],
                       message)
    if outcome.errors:
        db.session.rollback()
        return _finish(job, JobState.FAILED, outcome, outcome.errors,
                       _("有 %(n)s 处错误，未导入任何数据", n=len(outcome.errors)))
    return _finish(job, JobState.SUCCEEDED, outcome, [], None)


def _finish(job: Job, state: JobState, outcome: Outcome, errors: list[dict], message: str | None) -> Job:
    """Record the result; on success this commits the counselor rows together with the job's state."""
    job = db.session.get(Job, job.id)
    job.state, job.errors, job.finished_at, job.heartbeat_at = state, errors, utcnow(), utcnow()
    job.summary = {**outcome.summary, **({"message": str(message)} if message else {})}
    job.total = outcome.total
    job.processed = outcome.total if state is JobState.SUCCEEDED else job.processed
    db.session.commit()
    if job.input_path:
        Path(job.input_path).unlink(missing_ok=True)  # personal data: keep no copy of the upload
    return job


def reap_stale(now: datetime | None = None) -> int:
    """Mark running imports whose heartbeat stopped (a killed worker) as failed; their writes were rolled
    back with the connection, so nothing was imported."""
    now = now or utcnow()
    limit = now - current_app.config["IMPORT_STALE_AFTER"]
    stale = db.session.scalars(select(Job).where(Job.kind == JOB_KIND, Job.state == JobState.RUNNING)).all()
    count = 0
    for job in stale:
        beat = as_utc(job.heartbeat_at or job.created_at)
        if beat < limit:
            message = _("导入中断：处理过程中断，未写入任何数据，请重新上传")
            job.state, job.finished_at = JobState.FAILED, now
            job.errors = [{"row": None, "column": None, "message": message}]
            job.summary = {**(job.summary or {}), "message": message}
            count += 1
    db.session.commit()
    return count


def job_json(job: Job) -> dict:
    return {"job_id": job.id, "state": job.state.value, "processed": job.processed, "total": job.total,
            "errors": job.errors or [], "summary": job.summary or {}}


def error_report(job: Job) -> bytes:
    """The job's errors as an xlsx (行, 列, 错误原因)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(_("错误清单"))
    sheet.append([_("行"), _("列"), _("错误原因")])
    for error in job.errors or []:
        sheet.append([error.get("row"), _safe(error.get("column") or ""), _safe(error.get("message") or "")])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- export ----------------------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any, sheet=None):
    """Text that a spreadsheet would run as a formula is written as an explicit string cell."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and sheet is not None:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _labels(value: int, labels: dict) -> str:
    return "、".join(L.flag_labels(value, labels))


def export_rows(actor: User, query) -> Iterator[tuple[Counselor, bool]]:
    for counselor in db.session.scalars(query.execution_options(yield_per=CHUNK)):
        yield counselor, can_view_personal(actor, counselor)


def build_export(actor: User, query) -> bytes:
    """The filtered list as xlsx with the template's columns; ID numbers and phones masked unless the actor
    may see them (then unmasked, and one audit entry for the export)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(DATA_SHEET)
    sheet.append([c.header for c in COLUMNS])
    unmasked = 0
    for counselor, personal in export_rows(actor, query):
        if personal:
            unmasked += 1
            id_number = crypto.decrypt(counselor.id_number_cipher) or counselor.id_number_masked
            phone = crypto.decrypt(counselor.phone_cipher) or counselor.phone_masked
        else:
            id_number, phone = counselor.id_number_masked, counselor.phone_masked
        values = {
            "name": counselor.name, "id_number": id_number, "phone": phone,
            "region_code": f"{counselor.region_code} {counselor.region.name}" if counselor.region else
            counselor.region_code, "township_code": counselor.township_code or "",
            "specialties": _labels(counselor.specialties, L.SPECIALTY_LABELS),
            "industries": _labels(counselor.industries, L.INDUSTRY_LABELS),
            "work_mode": L.label(counselor.work_mode, L.WORK_MODE_LABELS),
            "source": L.label(counselor.source, L.SOURCE_LABELS),
            "appointed_on": counselor.appointed_on.isoformat(), "term_end": counselor.term_end.isoformat(),
            "political_status": L.label(counselor.political_status, L.POLITICAL_LABELS),
            "education": L.label(counselor.education, L.EDUCATION_LABELS),
            "title": counselor.title or "", "employer": counselor.employer or "", "position": counselor.position or "",
            "is_remote": _("是") if counselor.is_remote else _("否"), "capacity": counselor.capacity,
        }
        sheet.append([_safe(values[c.key], sheet) for c in COLUMNS])
    if unmasked:
        record(actor, "counselor.export_unmasked", None, object_type="counselors",
               region_code=actor.department.region_code if actor.department else None,
               count=unmasked, fields=["id_number", "phone"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def filters_from_args(args) -> Any:
    """CounselorFilters from the list page's query arguments; unknown or malformed values are ignored."""
    from marketplace.directory.models import CounselorStatus as Status
    from marketplace.directory.search import DEFAULT_SORT, SORTS, CounselorFilters

    def enum_of(cls, name):
        try:
            return cls(args.get(name)) if args.get(name) else None
        except ValueError:
            return None

    def int_of(name):
        value = args.get(name, "")
        return int(value) if str(value).isdigit() else None

    sort = args.get("sort", DEFAULT_SORT)
    return CounselorFilters(q=args.get("q") or None, region_code=args.get("region_code") or args.get("region") or None,
                            specialty=int_of("specialty"), industry=int_of("industry"),
                            status=enum_of(Status, "status"), work_mode=enum_of(WorkMode, "work_mode"),
                            source=enum_of(Source, "source"), department_id=int_of("department_id"),
                            sort=sort if sort in SORTS else DEFAULT_SORT)
