"""Batch import of counselors (批量导入): the counselor kind of the generic xlsx import (marketplace/imports/).

`COLUMNS` drives the template, the reader and the export (directory/exports.py), so an exported file imports
again. An import is all-or-nothing: every row is read and checked first (no writes, no per-row queries);
only when no row has an error are the counselors written, in one transaction, with bulk statements (COPY on
PostgreSQL, executemany elsewhere). A worker killed mid-way therefore leaves nothing half-written; the
reaper (`marketplace.imports.jobs.reap_stale`) marks its job failed.
"""

from __future__ import annotations

import dataclasses
import logging
import marshal
import operator
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace import crypto
from marketplace.accounts.models import Department, User
from marketplace.audit.services import record
from marketplace.directory import labels as L
from marketplace.directory import yearly
from marketplace.directory.import_writer import (
    PROGRESS_EVERY,
    ROW_COLUMNS,
    Existing,
    Writer,
    diff,
    existing_records,
    seal,
)
from marketplace.directory.models import (
    CounselorStatus,
    Education,
    Gender,
    Industry,
    PoliticalStatus,
    Source,
    Specialty,
    WorkMode,
)
from marketplace.directory.services import (
    Checked,
    CounselorInput,
    appointing_department,
    check_input,
    default_term_end,
    expired_message,
    initial_status,
)
from marketplace.imports import jobs as _jobs
from marketplace.imports.cells import CellParser, RegionIndex, id_text, parse_date  # noqa: F401 - re-exported
from marketplace.imports.pool import checked_chunks
from marketplace.imports.reader import ImportFileError, Outcome, RawRow, iter_raw_rows
from marketplace.imports.spec import INSTRUCTIONS_SHEET, LISTS_SHEET, Column, ImportKind, register  # noqa: F401
from marketplace.imports.template import build_template as _build_template
from marketplace.jobs.models import Job
from marketplace.timeutil import local_today

log = logging.getLogger(__name__)

JOB_KIND = "counselor_import"
DATA_SHEET = "辅导员名录"
MULTI_NOTE = _l("必填，可填多项，用顿号“、”、逗号或分号隔开")

COLUMNS: list[Column] = [
    Column("name", "姓名", ("辅导员姓名", "名字"), True, note=_l("必填")),
    Column("id_number", "身份证号码", ("身份证号", "公民身份号码", "身份证", "居民身份证号码", "证件号码"), True, "id",
           note=_l("必填，18 位，末位可为 X；性别和出生日期由身份证号码得出"), width=22),
    Column("phone", "手机号码", ("手机", "手机号", "联系电话", "电话", "联系方式", "移动电话"), True, "phone",
           note=_l("必填，11 位手机号码"), width=16),
    Column("region_code", "所在地区", ("地区", "地区代码", "所在地区代码", "区划代码", "行政区划代码", "居住地区",
                                     "所在地", "服务地区"), True, "region",
           note=_l("必填，填地区代码（如 130123）或名称（如 正定县、河北省石家庄市正定县），须在本部门管辖范围内"),
           width=24, regions="upper"),
    Column("township_code", "聘任乡镇", ("乡镇", "乡镇代码", "所属乡镇"), False, "region",
           note=_l("选填，由乡镇聘任时填写乡镇代码或名称"), width=20, regions="township"),
    Column("specialties", "业务专长", ("专长",), True, "multi", L.SPECIALTY_LABELS, note=MULTI_NOTE, width=24),
    Column("industries", "产业领域", ("产业", "服务产业"), True, "multi", L.INDUSTRY_LABELS, note=MULTI_NOTE, width=20),
    Column("work_mode", "工作模式", ("工作方式", "专兼职"), True, "choice", L.WORK_MODE_LABELS, note=_l("必填")),
    Column("source", "选聘来源", ("来源", "人员来源"), True, "choice", L.SOURCE_LABELS, note=_l("必填"), width=26),
    Column("appointed_on", "聘任日期", ("聘任时间", "聘用日期"), True, "date",
           note=_l("必填，如 2023-01-05、2023/1/5 或 2023年1月5日")),
    Column("term_end", "聘期结束日期", ("聘期截止日期", "聘期结束", "聘期至"), False, "date",
           note=_l("选填，不填为聘任之日起 3 年")),
    Column("political_status", "政治面貌", (), False, "choice", L.POLITICAL_LABELS, note=_l("选填")),
    Column("education", "学历", ("文化程度", "最高学历"), False, "choice", L.EDUCATION_LABELS, note=_l("选填")),
    Column("title", "职称", ("专业技术职称",), note=_l("选填"), max_length=64),
    Column("employer", "工作单位", ("单位", "所在单位"), note=_l("选填"), width=24, max_length=120),
    Column("position", "职务", ("岗位",), note=_l("选填"), max_length=64),
    Column("is_remote", "可远程服务", ("远程服务", "是否远程服务"), False, "bool", None,
           note=_l("选填，是或否，不填为否")),
    Column("capacity", "同时服务数量", ("服务容量", "同时服务主体数"), False, "int",
           note=_l("选填，0 到 100 的整数，不填为 5")),
]
# Offices' own sheets often carry these; when present they must agree with the ID number (which decides).
EXTRA_COLUMNS: list[Column] = [
    Column("gender", "性别", (), False, "choice", L.GENDER_LABELS),
    Column("birth_date", "出生日期", ("出生年月日",), False, "date"),
]
COLUMN_BY_KEY = {c.key: c for c in [*COLUMNS, *EXTRA_COLUMNS]}
# check_input's field names → the column that caused them
FIELD_COLUMN = {c.key: c.header for c in COLUMNS} | {"service_area_codes": "所在地区"}


class CounselorImport(ImportKind):
    job_kind, data_sheet, columns, key_columns, unit = JOB_KIND, DATA_SHEET, COLUMNS, ("name", "id_number"), "人"
    extra_columns = EXTRA_COLUMNS

    def department(self, actor: User) -> Department:
        return appointing_department(actor)

    def example_row(self, department: Department | None) -> dict[str, Any]:
        region = f"{department.region_code} {department.region.name}" if department else "130123 正定县"
        return {
            "name": "示例：张三", "id_number": "11010519491231002X", "phone": "13800138000", "region_code": region,
            "specialties": f"{L.SPECIALTY_LABELS[Specialty.ORGANIZATION]}、{L.SPECIALTY_LABELS[Specialty.FINANCE]}",
            "industries": str(L.INDUSTRY_LABELS[Industry.GRAIN]),
            "work_mode": str(L.WORK_MODE_LABELS[WorkMode.PART_TIME]),
            "source": str(L.SOURCE_LABELS[Source.RURAL_EXPERT]), "appointed_on": "2023-01-05",
            "political_status": str(L.POLITICAL_LABELS[PoliticalStatus.MASSES]),
            "education": str(L.EDUCATION_LABELS[Education.COLLEGE]), "title": _("农艺师"),
            "employer": _("某某合作社"), "position": _("理事长"), "is_remote": _("是"), "capacity": 5,
        }

    def extra_instructions(self) -> list[list[str]]:
        return [
            [_("示例行"), _("第 2 行是示例（姓名以“示例”开头），导入时会被跳过，可以删除。")],
            [_("多项填写"), _("业务专长和产业领域可填多项，在同一单元格内用顿号“、”、逗号“,”或分号“；”隔开，"
                           "如“组织建设、财务会计”。")],
            [_("身份证号码"), _("请以文本格式填写，不要让 Excel 转成数字（数字会丢失后几位）。末位 x 大小写均可。")],
            [_("日期"), _("可用 Excel 日期，或文本 2023-01-05、2023/1/5、2023年1月5日。")],
            [_("地区"), _("填地区代码或名称；名称可为全称（如 河北省石家庄市正定县）或在本部门管辖范围内唯一的简称。")],
            [_("全部导入"),
             _("所有行检查无误才会导入；任何一行有错，都不写入任何数据，并给出错误清单（行、列、原因）。")],
            [_("更新已有记录"), _("身份证号码已由本部门录入的，按本表内容更新；结果中列出新增、更新和未变化的人数。")],
        ]

    def import_file(self, actor, path, progress=None, job=None) -> Outcome:
        return import_file(actor, path, progress, job)


KIND = register(CounselorImport())


def build_template(department: Department | None = None) -> bytes:
    """The counselor import template (see marketplace.imports.template)."""
    return _build_template(KIND, department)


# --- reading and checking --------------------------------------------------------------------------------------

class ParsedRow:
    """One checked row. What the job's process needs of every row (its number, errors, dedupe key, look-up hash,
    appointment year, term end and status, and for a valid row the COPY text of its record) are plain attributes;
    the input, the check's details and the ciphers travel from a pool helper as one marshalled blob, unpacked only
    when asked for (a re-imported row that is compared with its record, or a write without COPY), so the job's
    process does not rebuild 30,000 objects it does not need."""

    __slots__ = ("_blob", "_checked", "_data", "_sealed", "errors", "failed", "id_hash", "key", "line", "missed",
                 "ok", "raw", "row", "stated", "status", "term_end", "warnings", "year")

    def __init__(self, row: int, data: CounselorInput, failed: set[str] | frozenset = frozenset(),
                 stated: dict | None = None) -> None:
        self.row, self._data, self._checked, self.id_hash, self.failed = row, data, None, "", failed
        self._blob: bytes | None = None
        self.stated = stated or {}  # gender / birth date as the file states them (checked against the ID)
        self.errors: list[dict] = []  # this row's own errors and warnings, in the order they were found
        self.warnings: list[dict] = []
        self.missed: set[str] = set()  # region codes the check needed that were not loaded yet
        self.raw: RawRow | None = None  # kept only when the row is checked again (missed codes)
        self._sealed: dict[str, str] | None = None  # ciphers, hashes and masks of a valid row (import_writer)
        self.key: str | None = None  # the checked ID number (duplicates within the file)
        self.ok = False  # check_input found nothing wrong
        self.year: int | None = None  # of the appointment (certificate numbers)
        self.term_end = self.status = None  # as the record will store them (the default term filled in)
        self.line: str | None = None  # the record's columns in COPY text format (import_writer.seal)

    def _unpack(self) -> None:
        if self._blob is not None:
            # made by the pool helper forked from this process (ParsedRow.__getstate__), never from outside
            data, checked, sealed = marshal.loads(self._blob)  # noqa: S302
            self._blob = None
            for n in _DATES_AT:
                if data[n] is not None:
                    data[n] = date.fromordinal(data[n])
            self._data = CounselorInput(*(_ENUMS[n](v) if n in _ENUMS and v is not None else v
                                          for n, v in zip(DATA_FIELDS, data, strict=True)))
            if checked is not None:
                errors, warnings, id_number, phone, born, gender = checked
                checked = Checked(errors, warnings, id_number, phone,
                                  None if born is None else date.fromordinal(born),
                                  None if gender is None else Gender(gender))
            self._checked = checked
            if sealed == _IN_LINE:  # the ciphers, masks and phone hash are columns of the COPY text
                sealed = self.line.split("\t")[_SEALED_AT:_SEALED_AT + len(SEALED)]
            self._sealed = None if sealed is None else dict(zip(SEALED, sealed, strict=True))

    def _pack(self) -> bytes:
        """The input, the check and the ciphers as plain values (enums by value, dates as ordinals), marshalled:
        a helper packs 30,000 of them, a few times faster than pickling the objects."""
        data = list(_DATA_VALUES(self._data))
        for n in _ENUM_AT:
            if data[n] is not None:
                data[n] = data[n].value
        for n in _DATES_AT:
            if data[n] is not None:
                data[n] = data[n].toordinal()
        checked = self._checked
        if checked is not None:
            checked = (checked.errors, checked.warnings, checked.id_number, checked.phone,
                       checked.birth_date.toordinal() if checked.birth_date else None,
                       checked.gender.value if checked.gender else None)
        # A sealed row's ciphers are in its COPY text already: not sent twice (a third of the blob)
        sealed = None if self._sealed is None else _IN_LINE if self.line is not None else _SEALED_VALUES(self._sealed)
        return marshal.dumps((data, checked, sealed))

    @property
    def data(self) -> CounselorInput:
        self._unpack()
        return self._data

    @property
    def checked(self):
        self._unpack()
        return self._checked

    @checked.setter
    def checked(self, value) -> None:
        self._unpack()
        self._checked = value

    @property
    def sealed(self) -> dict[str, str] | None:
        self._unpack()
        return self._sealed

    @sealed.setter
    def sealed(self, value: dict[str, str] | None) -> None:
        self._unpack()
        self._sealed = value

    def __getstate__(self) -> tuple:
        blob = self._blob if self._blob is not None else self._pack()
        return (self.row, blob, self.id_hash, self.failed, self.errors, self.warnings, self.missed, self.raw,
                self.key, self.ok, self.year, self.term_end, self.status, self.line)

    def __setstate__(self, state: tuple) -> None:
        (self.row, self._blob, self.id_hash, self.failed, self.errors, self.warnings, self.missed, self.raw,
         self.key, self.ok, self.year, self.term_end, self.status, self.line) = state
        self._data = self._checked = self._sealed = None
        self.stated = {}  # only the check itself reads it


DATA_FIELDS = tuple(f.name for f in dataclasses.fields(CounselorInput))
_ENUMS = {"work_mode": WorkMode, "source": Source, "political_status": PoliticalStatus, "education": Education}
SEALED = ("id_number_cipher", "id_number_masked", "phone_cipher", "phone_masked", "phone_hash")
_DATA_VALUES, _SEALED_VALUES = operator.attrgetter(*DATA_FIELDS), operator.itemgetter(*SEALED)
_IN_LINE = 1  # in a blob: the sealed values are those of ParsedRow.line (tab-separated ROW_COLUMNS)
_SEALED_AT = ROW_COLUMNS.index(SEALED[0])
assert ROW_COLUMNS[_SEALED_AT:_SEALED_AT + len(SEALED)] == SEALED
_ENUM_AT = tuple(n for n, name in enumerate(DATA_FIELDS) if name in _ENUMS)
_DATES_AT = tuple(n for n, name in enumerate(DATA_FIELDS) if name in ("appointed_on", "term_end"))


def parse_row(raw: RawRow, cells: CellParser, outcome: Outcome) -> ParsedRow:
    """Turn cells into a CounselorInput; cell-level errors (bad label, date, number) go to `outcome`, and the
    cells that failed are noted so the row's other checks still run (and report) without repeating them."""
    id_number, numeric = id_text(raw.values.get("id_number"))
    values, failed = cells.parse_all(raw, outcome)
    if numeric and "id_number" not in failed:
        from marketplace.identifiers import check_id_number

        if check_id_number(id_number).error:
            failed.add("id_number")
            outcome.error(raw.row, COLUMN_BY_KEY["id_number"].header,
                          _("身份证号码被存成了数字，后几位已丢失，请把该列设为文本格式后重新填写"))
    for key in ("id_number", "phone"):
        if key not in failed and "*" in str(raw.values.get(key) or ""):
            # A masked export (the default) re-imported: refuse the cell, never store the mask.
            failed.add(key)
            outcome.error(raw.row, COLUMN_BY_KEY[key].header,
                          _("该单元格是掩码（导出时隐藏了部分数字），不能导入。如需重新导入，请使用“导出完整信息”，"
                            "或填写完整号码"))
    data = CounselorInput()
    stated = {key: values.pop(key) for key in ("gender", "birth_date") if values.get(key) is not None}
    values["id_number"] = id_number if "id_number" not in failed else ""
    for key, value in values.items():
        if value is not None:
            setattr(data, key, value)
    data.region_code = data.region_code or ""
    for key in ("title", "employer", "position", "township_code"):
        setattr(data, key, getattr(data, key) or None)
    return ParsedRow(raw.row, data, failed, stated)


class RowChecker:
    """Everything about one row that needs no other row and no query: its cells, `check_input`, 性别 / 出生日期
    against the ID number, and for a valid row the look-up hashes, the Fernet ciphers and the masks. A pure
    function of the row and of the tables loaded here first, so the import pool's processes run it on chunks
    (marketplace/imports/pool.py) and a small file runs it in the job's process: the same code either way."""

    def __init__(self, department: Department, regions: RegionIndex) -> None:
        self.department, self.regions = department, regions
        self.cells = CellParser([*COLUMNS, *EXTRA_COLUMNS], regions)
        self.encrypter, self.hasher = crypto.BulkEncrypter(), crypto.lookup_hasher()  # keys taken once
        self.app = current_app._get_current_object()
        self.today = local_today()  # for the initial status (期满 when the term is over); again per chunk
        department.region.path  # noqa: B018 - loaded now, so a forked helper never lazy-loads it

    def check_chunk(self, raws: list[RawRow]) -> list[ParsedRow]:
        """Check the rows and seal the valid ones (one batch of encryptions per chunk)."""
        with nullcontext() if has_app_context() else self.app.app_context():
            self.today = local_today()
            rows = [self.check(raw) for raw in raws]
            seal([row for row in rows if row.id_hash], self.encrypter, self.hasher)
        return rows

    def check(self, raw: RawRow) -> ParsedRow:
        outcome = Outcome()
        row = parse_row(raw, self.cells, outcome)
        regions = self.regions

        def region_of(code: str):
            found = regions.get(code)
            if found is None and code not in regions.outside:
                row.missed.add(code)  # outside the jurisdiction or unknown: loaded afterwards, row checked again
            return found

        checked = check_input(row.data, self.department, region_of, self.today)
        row.checked = checked
        for name, message in checked.errors.items():
            if name not in row.failed:  # that cell's own error is already listed
                outcome.error(row.row, FIELD_COLUMN.get(name, name), message)
        _check_stated(row, checked, outcome)
        if not row.failed:
            for message in checked.warnings:
                outcome.warnings.append({"row": row.row, "column": FIELD_COLUMN["id_number"],
                                         "message": str(message)})
        row.errors, row.warnings = outcome.errors, outcome.warnings
        checked.errors = {name: str(message) for name, message in checked.errors.items()}
        checked.warnings = [str(message) for message in checked.warnings]
        row.key, row.ok = checked.id_number, checked.ok
        if row.missed:
            row.raw = raw
        elif checked.ok and not row.failed:
            row.id_hash = self.hasher(checked.id_number)
            data = row.data
            row.year, row.term_end = data.appointed_on.year, data.term_end or default_term_end(data.appointed_on)
            row.status = initial_status(row.term_end, self.today).value
        return row


def check_file(path: str | Path, department: Department, progress: Callable[[int, int], None] | None = None,
               *, pool: dict | None = None) -> tuple[Outcome, list[ParsedRow], dict[str, Existing]]:
    """Read and check every row; nothing is written. Returns the outcome, the rows and the existing records
    (by ID hash) that a re-import would update."""
    outcome, valid, existing = Outcome(), [], {}
    for rows, found in checked_chunks_of(path, department, outcome, progress, pool=pool):
        valid += rows
        existing |= found
    return outcome, valid, existing


def checked_chunks_of(path: str | Path, department: Department, outcome: Outcome,
                      progress: Callable[[int, int], None] | None = None, *, pool: dict | None = None,
                      before_query: Callable[[], None] | None = None,
                      lookup: Callable[[list[ParsedRow]], dict[str, Existing]] | None = None,
                      ) -> Iterator[tuple[list[ParsedRow], dict[str, Existing]]]:
    """The file's valid rows chunk by chunk, in order, each with the existing records (by ID hash) it
    matches; errors and warnings go to `outcome` (sorted by row once the file is done). Rows are checked by
    `RowChecker` — on every core for a large file (`pool` receives how: marketplace.imports.pool) — then here,
    in the file's order: regions outside the jurisdiction, duplicates within the file, records of other
    departments. A chunk is yielded as soon as it is compared, so the caller can write it while the helpers
    check the next ones; once `outcome.errors` is not empty the caller writes nothing more (and rolls back).
    `before_query` is called before each query on the session (the writer's COPY may be using the connection);
    `lookup` finds the existing records of a chunk's valid rows (default: `existing_records` on the session,
    after `before_query`)."""
    regions = RegionIndex(department)
    checker = RowChecker(department, regions)
    seen: dict[str, int] = {}
    expired: list[dict] = []  # after every row's own warnings, as the serial order had them
    reported = 0
    for _raws, rows in checked_chunks(iter_raw_rows(path, KIND), checker.check_chunk, stats=pool):
        outcome.total += len(rows)
        missed = {code for row in rows if row.missed for code in row.missed}
        if missed:  # codes outside the jurisdiction (so the message can name them): one query, those rows again
            if before_query:
                before_query()
            regions.load_outside(missed)
            rows = [checker.check(row.raw) if row.missed else row for row in rows]
        valid: list[ParsedRow] = []
        for row in rows:
            outcome.errors += row.errors
            if row.failed:
                continue
            outcome.warnings += row.warnings
            if row.key:
                first = seen.setdefault(row.key, row.row)
                if first != row.row:
                    outcome.error(row.row, FIELD_COLUMN["id_number"],
                                  _("与第 %(row)s 行的身份证号码重复", row=first))
                    continue
            if row.ok:
                valid.append(row)
        if lookup is not None:
            existing = lookup(valid)
        else:
            if before_query and valid:
                before_query()
            existing = existing_records(valid)
        for row in valid:
            found = existing.get(row.id_hash)
            if found is not None and found.department_id != department.id:
                outcome.error(row.row, FIELD_COLUMN["id_number"], _("该身份证号码已由其他部门录入名录库"))
            elif found is None and row.status == CounselorStatus.EXPIRED.value:
                expired.append({"row": row.row, "column": FIELD_COLUMN["term_end"],
                                "message": expired_message(row.term_end)})
        if progress and outcome.total - reported >= PROGRESS_EVERY:
            reported = outcome.total
            progress(reported, reported)
        yield valid, existing
    if outcome.total == 0:
        raise ImportFileError(_("表格中没有数据行"))
    outcome.warnings += expired
    outcome.errors.sort(key=lambda e: (e["row"] or 0))


def _check_stated(row: ParsedRow, checked, outcome: Outcome) -> None:
    """性别 and 出生日期, when the file has them, must agree with the ID number (the record keeps the ID's)."""
    if not checked.id_number:
        return
    gender, born = row.stated.get("gender"), row.stated.get("birth_date")
    if gender is not None and gender != checked.gender:
        row.failed = {*row.failed, "gender"}
        outcome.error(row.row, COLUMN_BY_KEY["gender"].header,
                      _("性别“%(stated)s”与身份证号码不符（身份证号码为%(actual)s性）",
                        stated=L.GENDER_LABELS[gender], actual=L.GENDER_LABELS[checked.gender]))
    if born is not None and born != checked.birth_date:
        row.failed = {*row.failed, "birth_date"}
        outcome.error(row.row, COLUMN_BY_KEY["birth_date"].header,
                      _("出生日期 %(stated)s 与身份证号码不符（身份证号码为 %(actual)s）",
                        stated=born.isoformat(), actual=checked.birth_date.isoformat()))


def import_file(actor: User, path: str | Path, progress: Callable[[str, int, int], None] | None = None,
                job: Job | None = None) -> Outcome:
    """Check the file and, when every row is valid, write it (created / updated / unchanged). Flushes,
    never commits: the caller commits once, so the counselor rows land in one transaction or not at all.
    New counselors are written chunk by chunk while the rest of the file is still being checked; the first
    error stops the writing and the caller rolls back what was written (run_import does), so a file with an
    error writes nothing, as before. Updates of existing records wait for the whole file."""
    department = appointing_department(actor)
    phase = getattr(progress, "phase", None) or (lambda name: nullcontext())
    outcome, updates, created = Outcome(), [], 0
    writer = Writer(actor, department,
                    (lambda done: progress("write", done, outcome.total)) if progress else None,
                    phase=phase)
    started, writing = time.perf_counter(), 0.0
    chunks = checked_chunks_of(path, department, outcome,
                               (lambda total, done: progress("validate", done, total)) if progress else None,
                               pool=getattr(progress, "pool", None), before_query=writer.wait,
                               lookup=writer.existing)
    try:
        for rows, existing in chunks:
            creates = []
            for row in rows:
                found = existing.get(row.id_hash)
                if found is None:
                    creates.append(row)
                    continue
                values, changes = diff(found, row)
                if changes:
                    updates.append((found, values, changes, row))
                else:
                    outcome.unchanged += 1
            if creates and not outcome.errors:
                began = time.perf_counter()
                created += writer.create(creates)
                writing += time.perf_counter() - began
        if outcome.errors:
            writer.abandon()  # rolled back by the caller: the errors are the answer, not the COPY's
        else:
            writer.close()
    except BaseException:
        writer.abandon()
        raise
    if hasattr(progress, "add_phase"):  # the loop's own time, without the writes and the waits for them
        progress.add_phase("read_check", time.perf_counter() - started - writing - writer.waited, first=True)
    if outcome.errors:
        return outcome
    if updates and not yearly.editing_allowed(department, yearly.local_today()):
        # New appointees may be entered all year; changing existing records outside the window needs an
        # unlock, for an import as for the edit page. All-or-nothing: the whole file is refused.
        for _found, _values, _changes, row in updates:
            outcome.error(row.row, FIELD_COLUMN["id_number"],
                          _("不在年度信息维护期（1 月 1 日至 6 月 30 日）内，更新已有记录须由上级部门解锁；"
                            "新聘任的辅导员可随时导入"))
        outcome.unchanged = 0
        return outcome
    with phase("update"):
        outcome.updated = writer.update(updates)
    writer.finish(created)
    outcome.created = created
    record(actor, "counselor.import", job, object_type="jobs", object_id=job.id if job else None,
           region_code=department.region_code, created=outcome.created, updated=outcome.updated,
           unchanged=outcome.unchanged, total=outcome.total)
    return outcome


# --- jobs (the generic machinery, bound to this kind) ----------------------------------------------------------

imports_dir, run_import, reap_stale, job_json = _jobs.imports_dir, _jobs.run_import, _jobs.reap_stale, _jobs.job_json


def start_import(actor: User, stream, content_length: int | None = None) -> Job:
    """Save the upload and create a pending counselor import job (see marketplace.imports.jobs.start_import)."""
    return _jobs.start_import(KIND, actor, stream, content_length)


def error_report(job: Job) -> bytes:
    """The job's errors as an xlsx (行, 列, 错误原因)."""
    from marketplace.imports.reader import error_report as report

    return report(job.errors or [])
