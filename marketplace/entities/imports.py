"""Batch import of entities (新型农业经营主体) by officials: the entity kind of marketplace/imports/.

Who: officials of county level or higher; every row must lie in their jurisdiction, at a county or township.
Rows are checked with the single registration's checks (services.check_input), then written all-or-nothing.

Owner: an imported entity is held by the importing official's account on behalf of the department (accounts
for farm operators are not issued by departments: operators register themselves). Only the department that
imported an entity updates it by re-importing; an entity registered by its operator, or imported by another
department, is refused with a row error rather than overwritten.

Re-import: a row matches an existing entity by its unified social credit code, or — for a family farm
without one — by name and region; matches are updated when something differs (counted updated) or left alone
(unchanged). Verification: entities imported by the county department of their region are verified by that
import (the county verifies); imported by a city, province or the ministry they wait for the county (待核实),
and an update from above sends a verified entity back to 待核实, as an operator's edit does.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, tuple_, update

from marketplace.accounts.models import Department, Role, User
from marketplace.audit.services import record
from marketplace.crypto import fernet, lookup_hash
from marketplace.directory.labels import INDUSTRY_LABELS
from marketplace.directory.models import Industry
from marketplace.entities.labels import MODEL_LEVEL_LABELS, TYPE_LABELS
from marketplace.entities.models import Entity, EntityType, ModelLevel, VerificationStatus
from marketplace.entities.services import FIELDS, EntityInput, check_input
from marketplace.errors import NotAllowed
from marketplace.extensions import db
from marketplace.imports import jobs
from marketplace.imports.cells import CellParser, RegionIndex
from marketplace.imports.reader import ImportFileError, Outcome, RawRow, iter_raw_rows
from marketplace.imports.spec import Column, ImportKind, norm, register
from marketplace.jobs.models import Job
from marketplace.masking import mask_phone
from marketplace.regions.models import Level
from marketplace.timeutil import utcnow

JOB_KIND = "entity_import"
IMPORTING_LEVELS = {Level.NATIONAL, Level.PROVINCE, Level.CITY, Level.COUNTY}
CHUNK = 500

COLUMNS: list[Column] = [
    Column("type", "主体类型", ("类型", "主体类别", "类别"), True, "choice", TYPE_LABELS, note=_l("必填"), width=22),
    Column("name", "主体名称", ("名称", "合作社名称", "农场名称", "单位名称"), True, max_length=120,
           note=_l("必填，与营业执照或家庭农场名录一致"), width=28),
    Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "统一代码", "一码通"), False, "id",
           note=_l("合作社和联合社必填，家庭农场选填；18 位，请以文本格式填写"), width=22),
    Column("legal_representative", "法定代表人", ("法人代表", "法定代表人或经营者", "经营者", "负责人"), True,
           max_length=64, note=_l("必填，家庭农场填经营者")),
    Column("contact_phone", "联系电话", ("手机号码", "手机", "电话", "联系方式"), True, "phone",
           note=_l("必填，11 位手机号码"), width=16),
    Column("region_code", "所在地区", ("地区", "地区代码", "区划代码", "所在地", "所在乡镇"), True, "region",
           note=_l("必填，县（区）或乡镇的代码或名称，须在本部门管辖范围内"), width=24, regions="county_township"),
    Column("address", "详细地址", ("地址", "住所"), max_length=200, note=_l("选填"), width=28),
    Column("industries", "主营产业", ("产业", "产业领域"), True, "multi", INDUSTRY_LABELS,
           note=_l("必填，可填多项，用顿号“、”、逗号或分号隔开"), width=20),
    Column("members", "成员数", ("社员数", "成员数量"), False, "int", note=_l("选填，整数")),
    Column("area_mu", "经营面积（亩）", ("面积", "经营面积", "土地面积"), False, "decimal", note=_l("选填，单位：亩")),
    Column("livestock_head", "养殖规模（头/只）", ("养殖规模", "存栏"), False, "int", note=_l("选填，整数")),
    Column("model_level", "示范等级", ("示范级别", "示范社等级"), False, "choice", MODEL_LEVEL_LABELS,
           note=_l("选填，不填为无")),
    Column("founded_year", "成立年份", ("成立年度", "成立时间"), False, "int", note=_l("选填，如 2015")),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}


def importing_department(actor: User) -> Department:
    """The department an official imports for: county level or higher."""
    if not actor.is_official or actor.department is None or actor.level not in IMPORTING_LEVELS:
        raise NotAllowed(_("只有县级及以上农业农村部门可以批量导入经营主体"))
    return actor.department


class EntityImport(ImportKind):
    job_kind, data_sheet, columns, key_columns, unit = JOB_KIND, "经营主体", COLUMNS, ("type", "name"), "个"

    def department(self, actor: User) -> Department:
        return importing_department(actor)

    def example_row(self, department: Department | None) -> dict[str, Any]:
        region = f"{department.region_code} {department.region.name}" if department else "130123 正定县"
        return {"type": str(TYPE_LABELS[EntityType.COOPERATIVE]), "name": _("示例：某某种植专业合作社"),
                "credit_code": "93130123MA0A000010", "legal_representative": _("张三"),
                "contact_phone": "13800138000", "region_code": region, "address": _("某某村"),
                "industries": f"{INDUSTRY_LABELS[Industry.GRAIN]}、{INDUSTRY_LABELS[Industry.VEGETABLE]}",
                "members": 120, "area_mu": 800, "model_level": str(MODEL_LEVEL_LABELS[ModelLevel.COUNTY]),
                "founded_year": 2015}

    def extra_instructions(self) -> list[list[str]]:
        return [
            [_("示例行"), _("第 2 行是示例（主体名称以“示例”开头），导入时会被跳过，可以删除。")],
            [_("统一社会信用代码"), _("请以文本格式填写 18 位代码，不要让 Excel 转成数字。家庭农场没有代码的可不填。")],
            [_("全部导入"),
             _("所有行检查无误才会导入；任何一行有错，都不写入任何数据，并给出错误清单（行、列、原因）。")],
            [_("更新已有记录"), _("按统一社会信用代码（无代码的家庭农场按名称和地区）匹配本部门已导入的主体并更新；"
                               "结果中列出新增、更新和未变化的个数。")],
            [_("核实"), _("由主体所在县的农业农村部门导入的主体直接记为已核实；其他层级导入的等待所在县核实。")],
            [_("登记人"), _("导入的主体由导入的部门代管；经营主体自行登记过的主体不能通过导入修改。")],
        ]

    def import_file(self, actor, path, progress=None, job=None) -> Outcome:
        return import_file(actor, path, progress, job)


KIND = register(EntityImport())


class Row:
    __slots__ = ("checked", "data", "existing", "failed", "row")

    def __init__(self, row: int, data: EntityInput, failed: set[str] | frozenset = frozenset()) -> None:
        self.row, self.data, self.checked, self.existing, self.failed = row, data, None, None, failed

    @property
    def key(self) -> tuple:
        code = self.checked.credit_code
        return ("code", code) if code else ("name", self.data.name.strip(), self.data.region_code)


def parse_row(raw: RawRow, cells: CellParser, outcome: Outcome) -> Row:
    """Cells to an EntityInput; a cell that cannot be read is reported and noted, and the row's other checks
    still run (check_file), so every error of the row is listed at once."""
    values, failed = cells.parse_all(raw, outcome)
    code, numeric = values.pop("credit_code")
    if numeric and code and "credit_code" not in failed:
        failed.add("credit_code")
        outcome.error(raw.row, COLUMN_BY_KEY["credit_code"].header,
                      _("统一社会信用代码被存成了数字，请把该列设为文本格式后重新填写"))
    data = EntityInput(credit_code=code if "credit_code" not in failed else "")
    for key, value in values.items():
        if value is not None:
            setattr(data, key, value)
    data.address = data.address or None
    if data.area_mu is not None and abs(data.area_mu) < 10**9:  # stored with 2 decimals: compare like that
        data.area_mu = data.area_mu.quantize(Decimal("0.01"))
    return Row(raw.row, data, failed)


def check_file(path: str | Path, department: Department, progress: Callable[[int, int], None] | None = None,
               ) -> tuple[Outcome, list[Row]]:
    """Read and check every row (nothing is written); valid rows carry the entity they would update."""
    outcome, regions = Outcome(), RegionIndex(department)
    cells = CellParser(COLUMNS, regions)
    for level, label in MODEL_LEVEL_LABELS.items():  # 国家级示范社 / 国家级示范家庭农场 read too
        for suffix in ("社", "家庭农场", "合作社"):
            cells.maps["model_level"].setdefault(norm(f"{label}{suffix}"), level)
    cells.maps["type"].update({"合作社": EntityType.COOPERATIVE, "专业合作社": EntityType.COOPERATIVE,
                               "联合社": EntityType.FEDERATION, "农场": EntityType.FAMILY_FARM})
    parsed = []
    for raw in iter_raw_rows(path, KIND):
        outcome.total += 1
        parsed.append(parse_row(raw, cells, outcome))
    if outcome.total == 0:
        raise ImportFileError(_("表格中没有数据行"))
    if progress:
        progress(outcome.total, outcome.total)
    regions.load_outside({r.data.region_code for r in parsed if r.data.region_code})
    header = {c.key: c.header for c in COLUMNS}
    seen: dict[tuple, int] = {}
    valid: list[Row] = []
    for row in parsed:
        row.checked = check_input(row.data, check_unique=False)
        errors = dict(row.checked.errors)
        if "region_code" not in errors and row.data.region_code not in regions.by_code:
            region = regions.get(row.data.region_code)
            errors["region_code"] = _("地区“%(name)s”不在本部门管辖范围内",
                                      name=region.full_name if region else row.data.region_code)
        for name, message in errors.items():
            if name not in row.failed:  # that cell's own error is already listed
                outcome.error(row.row, header.get(name, name), message)
        if errors or row.failed:
            continue
        first = seen.setdefault(row.key, row.row)
        if first != row.row:
            column = "credit_code" if row.key[0] == "code" else "name"
            message = (_("与第 %(row)s 行的统一社会信用代码重复", row=first) if column == "credit_code"
                       else _("与第 %(row)s 行的主体名称和地区重复", row=first))
            outcome.error(row.row, header[column], message)
            continue
        valid.append(row)
    _match_existing(valid, department, outcome)
    outcome.errors.sort(key=lambda e: (e["row"] or 0))
    return outcome, valid


def _match_existing(rows: list[Row], department: Department, outcome: Outcome) -> None:
    """Attach the entity each row would update, in one query per chunk; refuse rows whose match this
    department may not change."""
    by_code = {r.checked.credit_code: r for r in rows if r.checked.credit_code}
    by_name = {(r.data.name.strip(), r.data.region_code): r for r in rows if not r.checked.credit_code}
    found: list[tuple[Row, Entity]] = []
    codes = list(by_code)
    for start in range(0, len(codes), CHUNK):
        for entity in db.session.scalars(select(Entity).where(Entity.credit_code.in_(codes[start:start + CHUNK]))):
            found.append((by_code[entity.credit_code], entity))
    pairs = list(by_name)
    for start in range(0, len(pairs), CHUNK):
        query = select(Entity).where(Entity.credit_code.is_(None),
                                     tuple_(Entity.name, Entity.region_code).in_(pairs[start:start + CHUNK]))
        for entity in db.session.scalars(query):
            found.append((by_name[(entity.name, entity.region_code)], entity))
    owners = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({e.owner_id for _r, e in found})))}
    for row, entity in found:
        owner = owners.get(entity.owner_id)
        if owner is None or owner.role is not Role.OFFICIAL or owner.department_id != department.id:
            column = COLUMN_BY_KEY["credit_code" if row.checked.credit_code else "name"].header
            outcome.error(row.row, column, _("该主体已由经营主体自行登记或由其他部门导入，不能通过本部门导入修改"))
        else:
            row.existing = entity


def _values(row: Row) -> dict[str, Any]:
    data, checked = row.data, row.checked
    values = {key: getattr(data, key) for key in FIELDS}
    values.update(name=data.name.strip(), legal_representative=data.legal_representative.strip(),
                  address=(data.address or "").strip() or None, credit_code=checked.credit_code,
                  # the phone compared by its keyed hash (its cipher differs at every encryption)
                  contact_phone_hash=lookup_hash(checked.phone) if checked.phone else None,
                  contact_phone_masked=mask_phone(checked.phone))
    return values


def import_file(actor: User, path: str | Path, progress: Callable[[str, int, int], None] | None = None,
                job: Job | None = None) -> Outcome:
    """Check the file and, when every row is valid, write it (created / updated / unchanged). Flushes,
    never commits: the caller commits once, so the rows land in one transaction or not at all."""
    department = importing_department(actor)
    outcome, rows = check_file(path, department,
                               (lambda total, done: progress("validate", done, total)) if progress else None)
    if outcome.errors:
        return outcome
    now = utcnow()
    verifies = department.level is Level.COUNTY  # every row lies in its jurisdiction: its own county
    verified = {"verification_status": VerificationStatus.VERIFIED, "verified_by_id": actor.id,
                "verified_at": now, "verification_note": None}
    creates, updates = [], []
    cipher = fernet()  # once for the whole file
    for row in rows:
        values = _values(row)
        encrypted = {"contact_phone_cipher": cipher.encrypt(row.checked.phone.encode()).decode()}
        if row.existing is None:
            creates.append({**values, **encrypted, "owner_id": actor.id, "created_at": now, "updated_at": now,
                            **(verified if verifies else {"verification_status": VerificationStatus.UNVERIFIED})})
            continue
        changed = sorted(k for k, v in values.items() if getattr(row.existing, k) != v)
        if not changed and (not verifies or row.existing.is_verified):
            outcome.unchanged += 1
            continue
        status = verified if verifies else (
            {"verification_status": VerificationStatus.UNVERIFIED} if changed else {})
        updates.append({**values, **encrypted, **status, "id": row.existing.id, "updated_at": now,
                        "lock_version": row.existing.lock_version + 1})  # an open edit form goes stale
    for start in range(0, len(creates), CHUNK):
        db.session.execute(insert(Entity), creates[start:start + CHUNK])
        if progress:
            progress("write", start + len(creates[start:start + CHUNK]), outcome.total)
    if updates:
        db.session.execute(update(Entity), updates)
    outcome.created, outcome.updated = len(creates), len(updates)
    record(actor, "entity.import", job, object_type="jobs", object_id=job.id if job else None,
           region_code=department.region_code, created=outcome.created, updated=outcome.updated,
           unchanged=outcome.unchanged, total=outcome.total, verified=verifies)
    return outcome


def build_template(department: Department | None = None) -> bytes:
    from marketplace.imports.template import build_template as build

    return build(KIND, department)


def start_import(actor: User, stream, content_length: int | None = None) -> Job:
    return jobs.start_import(KIND, actor, stream, content_length)
