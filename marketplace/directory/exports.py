"""Export of the counselor directory as xlsx, with the import template's columns (so it imports again)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from flask_babel import gettext as _

from marketplace import crypto
from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.directory import labels as L
from marketplace.directory.imports import COLUMNS, DATA_SHEET
from marketplace.directory.models import Counselor, Source, WorkMode
from marketplace.directory.services import can_view_personal
from marketplace.extensions import db
from marketplace.imports.reader import safe_cell

CHUNK = 1000


def _labels(value: int, labels: dict) -> str:
    return "、".join(L.flag_labels(value, labels))


def export_rows(actor: User, query) -> Iterator[tuple[Counselor, bool]]:
    for counselor in db.session.scalars(query.execution_options(yield_per=CHUNK)):
        yield counselor, can_view_personal(actor, counselor)


def build_export(actor: User, query, purpose: str | None = None) -> bytes:
    """The filtered list as xlsx with the template's columns. ID numbers and phones are masked, unless a
    `purpose` is stated: then the rows the actor may see in full (its own department's) are unmasked, and the
    export is one audit entry with the purpose and the count. A masked export re-imports as a refusal with a
    clear message per masked cell (never as a change of the stored values)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(DATA_SHEET)
    sheet.append([c.header for c in COLUMNS])
    unmasked = 0
    for counselor, personal in export_rows(actor, query):
        if personal and purpose:
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
        sheet.append([safe_cell(values[c.key], sheet) for c in COLUMNS])
    if unmasked:
        record(actor, "counselor.export_unmasked", None, object_type="counselors",
               region_code=actor.department.region_code if actor.department else None,
               count=unmasked, fields=["id_number", "phone"], purpose=purpose)
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
