"""Evaluation results as xlsx (the list page's filters, scoped to the jurisdiction, personal data masked)."""

from __future__ import annotations

import io
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import contains_eager

from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.centers.models import ServiceCenter
from marketplace.directory.models import Counselor
from marketplace.evaluation import services
from marketplace.evaluation.models import CenterEvaluation, CounselorEvaluation, EvaluationKind, Grade
from marketplace.extensions import db
from marketplace.imports.reader import safe_cell
from marketplace.jurisdiction import scoped

MAX_ROWS = 100_000


def filters_from(args) -> dict[str, Any]:
    """The list page's filters from query arguments; values that do not parse are ignored."""
    year = str(args.get("year", "") or "")
    return {"subject": args.get("subject") if args.get("subject") in services.SUBJECTS else "counselor",
            "year": int(year) if year.isdigit() and len(year) <= 4 else None,
            "kind": args.get("kind") if args.get("kind") in [k.value for k in EvaluationKind] else None,
            "grade": args.get("grade") if args.get("grade") in [g.value for g in Grade] else None}


def results_query(user: User, filters: dict[str, Any]) -> Select:
    """Results the user may see (jurisdiction scope), filtered, best score first: the list and the export."""
    if filters["subject"] == "center":
        model, subject_model, key = CenterEvaluation, ServiceCenter, CenterEvaluation.center_id
    else:
        model, subject_model, key = CounselorEvaluation, Counselor, CounselorEvaluation.counselor_id
    query = scoped(model, user).join(subject_model, subject_model.id == key)
    if filters["year"]:
        query = query.where(model.year == filters["year"])
    if filters["kind"]:
        query = query.where(model.kind == EvaluationKind(filters["kind"]))
    if filters["grade"]:
        grade = Grade(filters["grade"])
        query = query.where(or_(model.adjusted_grade == grade,
                                and_(model.adjusted_grade.is_(None), model.computed_grade == grade)))
    return query.options(contains_eager(model.counselor if model is CounselorEvaluation else model.center)) \
        .order_by(model.year.desc(), model.score.desc(), model.id)


def _grade(grade: Grade | None) -> str:
    return str(services.GRADE_LABELS[grade]) if grade else ""


def build_export(user: User, filters: dict[str, Any]) -> bytes:
    """The filtered results as one xlsx sheet; ID numbers and phones masked. One audit entry per export."""
    from openpyxl import Workbook

    center = filters["subject"] == "center"
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(_("服务中心评价结果") if center else _("辅导员评价结果"))
    common = [_("得分"), _("计算等次"), _("调整后等次"), _("调整原因"), _("评价等次"), _("处理建议")]
    if center:
        sheet.append([_("年度"), _("评价类型"), _("服务中心"), _("地区"), *common])
    else:
        sheet.append([_("年度"), _("评价类型"), _("姓名"), _("证书编号"), _("身份证号码"), _("手机号码"),
                      _("聘任部门"), _("地区"), *common])
    count = 0
    rows = db.session.scalars(results_query(user, filters).limit(MAX_ROWS).execution_options(yield_per=1000))
    for result in rows:
        count += 1
        tail = [round(result.score, 2), _grade(result.computed_grade), _grade(result.adjusted_grade),
                result.adjust_reason or "", _grade(result.grade),
                str(services.PROPOSAL_LABELS[result.proposal]) if result.proposal else ""]
        if center:
            subject = result.center
            head = [result.year, str(services.KIND_LABELS[result.kind]), subject.name,
                    services.region_name(subject.region_code)]
        else:
            subject = result.counselor
            head = [result.year, str(services.KIND_LABELS[result.kind]), subject.name, subject.certificate_no,
                    subject.id_number_masked, subject.phone_masked, subject.department.name,
                    subject.region.full_name if subject.region else subject.region_code]
        sheet.append([safe_cell(v, sheet) for v in [*head, *tail]])
    record(user, "evaluation.export", None, object_type="center_evaluations" if center else "counselor_evaluations",
           region_code=user.department.region_code if user.department else None, count=count,
           year=filters["year"], grade=filters["grade"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
