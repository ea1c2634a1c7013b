"""Attendance from an xlsx (or csv) attendance list (签到表): the training-attendance kind of the generic import
(marketplace/imports/).

Each row names a counselor — by the appointment certificate number, or by name and the last four characters of
the ID number — says whether they attended (是/否, √/×, 出勤/缺勤 ...) and optionally the hours credited (the
training's hours when blank). The organising department uploads it on the training's page; the job carries the
training's id. All or nothing, like every import: every row is checked first (unknown or ambiguous people,
people outside the training's audience, the same person twice, hours out of range); only a file without
errors is written, in one transaction — counselors not yet on the list are enrolled (a walk-in signed the
sheet), then attendance is recorded through the one service (services.record_attendance). Counselors on the
list but not in the sheet are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from marketplace.accounts.models import Department, User
from marketplace.audit.services import record
from marketplace.directory.models import Counselor
from marketplace.errors import DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.imports.cells import CellParser, cell_text
from marketplace.imports.reader import ImportFileError, Outcome, iter_raw_rows
from marketplace.imports.spec import Column, ImportKind, norm, register
from marketplace.jobs.models import Job
from marketplace.jurisdiction import scoped
from marketplace.training import services
from marketplace.training.models import Training, TrainingState

JOB_KIND = "training_attendance_import"

YES = {"是", "Y", "YES", "TRUE", "1", "√", "✓", "✔", "出勤", "已出勤", "参加", "已参加", "到", "已到", "出席", "签到",
       "已签到"}
NO = {"否", "N", "NO", "FALSE", "0", "×", "✗", "✘", "X", "缺勤", "未出勤", "未参加", "未到", "缺席", "请假", "未签到"}

COLUMNS: list[Column] = [
    Column("certificate_no", "聘任证书编号", ("证书编号", "辅导员证书编号", "聘书编号"), note=_l(
        "证书编号与“姓名 + 身份证后四位”二选一；填了证书编号即按证书编号查找"), width=22),
    Column("name", "姓名", ("辅导员姓名", "学员姓名", "参训人员"), note=_l("未填证书编号时必填"), max_length=64),
    Column("id_tail", "身份证后四位", ("身份证号后四位", "身份证后4位", "身份证号后4位", "身份证尾号",
                                     "身份证号码后四位"),
           note=_l("未填证书编号时必填，如 002X"), width=14),
    Column("attended", "是否出勤", ("出勤", "出勤情况", "是否参加", "参加情况", "是否签到", "签到"), True,
           note=_l("必填：是 / 否（也可填 √ / ×、出勤 / 缺勤）")),
    Column("hours", "学时", ("培训学时", "获得学时", "认定学时", "课时"), False, "decimal",
           note=_l("选填，出勤者不填则按本次培训的学时记；最多一位小数")),
]


class AttendanceKind(ImportKind):
    job_kind = JOB_KIND
    data_sheet = "签到表"
    columns = COLUMNS
    key_columns = ("attended",)
    example_key = "name"
    unit = "人"

    def department(self, actor: User) -> Department:
        if not services.can_plan(actor):
            raise NotAllowed(_("只有组织培训的部门可以导入出勤"))
        return actor.department

    def example_row(self, department: Department | None) -> dict[str, Any]:
        code = department.region_code if department else "130123"
        return {"certificate_no": f"{code}-2025-00001", "name": _("示例：张三"), "id_tail": "002X",
                "attended": _("是"), "hours": "12"}

    def extra_instructions(self) -> list[list[str]]:
        return [[_("说明"), _("每行一名辅导员；名单中已有但表中没有的人保持不变。表中有、名单中还没有的人（现场签到）"
                            "在参训范围内时自动加入名单。任何一行有错，都不写入任何数据。")]]

    def import_file(self, actor: User, path: str | Path, progress: Callable[[str, int, int], None] | None = None,
                    job: Job | None = None) -> Outcome:
        training = db.session.get(Training, (job.params or {}).get("training_id")) if job is not None else None
        if training is None:
            raise ImportFileError(_("找不到要登记出勤的培训"))
        return import_attendance(actor, training, path, progress)


KIND = register(AttendanceKind())


def _attended(value: Any) -> bool | None:
    text = norm(cell_text(value)).upper()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


def import_attendance(actor: User, training: Training, path: str | Path,
                      progress: Callable[[str, int, int], None] | None = None) -> Outcome:
    """Check every row, then (no errors) enrol walk-ins and record attendance; flushes, never commits."""
    if not services.can_manage(actor, training):
        raise NotAllowed(_("只有组织培训的部门可以登记出勤"))
    if training.state is TrainingState.CANCELLED:
        raise ImportFileError(_("培训已取消，不能登记出勤"))
    if training.starts_on > services.china_today():
        raise ImportFileError(_("培训尚未开始，不能登记出勤"))
    outcome = Outcome()
    parser = CellParser(KIND.columns, None)
    rows = []
    for raw in iter_raw_rows(path, KIND):
        if not any(cell_text(raw.values.get(k)) for k in ("certificate_no", "name", "id_tail", "attended")):
            continue  # the second line of a two-row header ("（小时）"), or a note under the table
        outcome.total += 1
        values, failed = parser.parse_all(raw, outcome)
        rows.append((raw, values, failed))
    if not rows:
        raise ImportFileError(_("文件中没有数据行"))
    numbers = {norm(v["certificate_no"]).upper() for _r, v, _f in rows if v.get("certificate_no")}
    names = {v["name"].strip() for _r, v, _f in rows if v.get("name") and not v.get("certificate_no")}
    visible = scoped(Counselor, actor)
    by_number = {c.certificate_no.upper(): c for c in db.session.scalars(
        visible.where(func.upper(Counselor.certificate_no).in_(numbers or {""})))}
    by_name: dict[str, list[Counselor]] = {}
    for counselor in db.session.scalars(visible.where(Counselor.name.in_(names or {""}))):
        by_name.setdefault(counselor.name, []).append(counselor)
    enrolled = {e.counselor_id: e for e in training.enrollments}
    seen: dict[int, int] = {}
    marks: list[tuple[Counselor, bool, Decimal | None]] = []
    for raw, values, failed in rows:
        counselor = _resolve(raw.row, values, by_number, by_name, outcome)
        attended = _attended(raw.values.get("attended"))
        if attended is None:
            outcome.error(raw.row, "是否出勤", _("请填写“是”或“否”（也可填 √ / ×、出勤 / 缺勤）"))
        hours = values.get("hours")
        if "hours" not in failed and hours is not None:
            try:
                hours = services.parse_hours(str(hours), training)
            except DomainError as error:
                outcome.error(raw.row, "学时", error.message)
                hours = None
        if counselor is None:
            continue
        if counselor.id in seen:
            outcome.error(raw.row, "姓名", _("与第 %(row)d 行是同一人（%(name)s）", row=seen[counselor.id],
                                           name=counselor.name))
            continue
        seen[counselor.id] = raw.row
        if counselor.id not in enrolled:
            if training.state is not TrainingState.PLANNED:
                outcome.error(raw.row, "姓名", _("%(name)s 不在参训名单中，培训已结束，不能补加", name=counselor.name))
                continue
            if not services.in_audience(training, counselor):
                outcome.error(raw.row, "姓名", _("%(name)s 不在本次培训的参训范围内（仅限在聘辅导员）",
                                               name=counselor.name))
                continue
        if attended is not None:
            marks.append((counselor, attended, hours))
    walk_ins = [c for c, _a, _h in marks if c.id not in enrolled]
    if walk_ins and len(enrolled) + len(walk_ins) > training.capacity:
        outcome.error(None, None, _("现场签到 %(n)d 人加入后超出人数上限（%(cap)d 人）", n=len(walk_ins),
                                    cap=training.capacity))
    if outcome.errors:
        return outcome
    if progress:
        progress("validate", outcome.total, outcome.total)
    for counselor in walk_ins:
        services.enroll(training, counselor, actor)
    by_counselor = {e.counselor_id: e for e in training.enrollments}
    changed = services.record_attendance(
        training, {by_counselor[c.id].id: (attended, hours) for c, attended, hours in marks}, actor)
    outcome.created = len(walk_ins)
    outcome.updated = changed
    outcome.unchanged = len(marks) - changed
    record(actor, "training.import_attendance", training, rows=outcome.total, changed=changed,
           enrolled=len(walk_ins))
    if progress:
        progress("write", outcome.total, outcome.total)
    return outcome


def _resolve(row: int, values: dict, by_number: dict, by_name: dict, outcome: Outcome) -> Counselor | None:
    number = norm(values.get("certificate_no") or "").upper()
    name = (values.get("name") or "").strip()
    tail = norm(values.get("id_tail") or "").upper()
    if tail.isdigit() and len(tail) < 4:  # typed as a number, the leading zeros went
        tail = tail.zfill(4)
    if number:
        counselor = by_number.get(number)
        if counselor is None:
            outcome.error(row, "聘任证书编号", _("辖区内没有证书编号 %(no)s", no=number))
        elif name and norm(name) != norm(counselor.name):
            outcome.error(row, "姓名", _("证书编号 %(no)s 是 %(real)s，与姓名“%(name)s”不符", no=number,
                                       real=counselor.name, name=name))
            return None
        return counselor
    if not name or not tail:
        outcome.error(row, "姓名", _("请填写聘任证书编号，或姓名和身份证后四位"))
        return None
    if len(tail) != 4:
        outcome.error(row, "身份证后四位", _("身份证后四位应为 4 个字符，如 002X"))
        return None
    matches = [c for c in by_name.get(name, []) if c.id_number_masked.upper().endswith(tail)]
    if not matches:
        outcome.error(row, "姓名", _("辖区内没有姓名为“%(name)s”、身份证后四位为 %(tail)s 的辅导员", name=name,
                                   tail=tail))
        return None
    if len(matches) > 1:
        outcome.error(row, "姓名", _("“%(name)s”（身份证后四位 %(tail)s）有多人，请填写聘任证书编号", name=name,
                                   tail=tail))
        return None
    return matches[0]
