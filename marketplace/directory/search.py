"""Searching the directory: filters, sorting, and the region subtree, on top of the jurisdiction scope."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import Select, select

from marketplace.accounts.models import User
from marketplace.directory.models import Counselor, CounselorStatus, Source, WorkMode
from marketplace.jurisdiction import in_region, scoped

SORTS = {
    "name": (Counselor.name, Counselor.id),
    "-appointed_on": (Counselor.appointed_on.desc(), Counselor.id.desc()),
    "term_end": (Counselor.term_end, Counselor.id),
    "region": (Counselor.region_code, Counselor.name, Counselor.id),
    "-updated_at": (Counselor.updated_at.desc(), Counselor.id.desc()),
}
DEFAULT_SORT = "-updated_at"


@dataclass
class CounselorFilters:
    q: str | None = None
    region_code: str | None = None
    specialty: int | None = None
    industry: int | None = None
    status: CounselorStatus | None = None
    work_mode: WorkMode | None = None
    source: Source | None = None
    department_id: int | None = None
    sort: str = DEFAULT_SORT
    ids: list[int] | None = None  # rows ticked on the list (bulk actions); None: all that match


def counselor_query(user: User | None, filters: CounselorFilters) -> Select:
    """Counselors the user may see, filtered and sorted; the base of the list, the export and the API. Officials
    may also find a record by its full ID number (through the keyed look-up hash; never by a LIKE on personal
    data): the caller audits such a search (`identifier_search`)."""
    query = scoped(Counselor, user)
    number = identifier_search(filters.q)
    if number is not None:
        from marketplace.crypto import lookup_hash

        query = query.where(Counselor.id_number_hash == lookup_hash(number))
        return _filtered(query, CounselorFilters(**{**filters.__dict__, "q": None}))
    return _filtered(query, filters)


ID_NUMBER = re.compile(r"^\d{17}[\dX]$")


def identifier_search(q: str | None) -> str | None:
    """The ID number typed into the search box (full-width digits and a lower-case x folded), or None."""
    text = unicodedata.normalize("NFKC", q or "").strip().upper()
    return text if ID_NUMBER.match(text) else None


def public_counselor_query(filters: CounselorFilters) -> Select:
    """The public directory: appointed counselors only (the page shows public fields only)."""
    filters.status = CounselorStatus.APPOINTED
    return _filtered(select(Counselor), filters)


def _filtered(query: Select, filters: CounselorFilters) -> Select:
    if filters.q:
        query = query.where(Counselor.name.contains(filters.q.strip(), autoescape=True)
                            | (Counselor.certificate_no == filters.q.strip()))
    query = query.where(in_region(Counselor.region_code, filters.region_code))
    if filters.specialty:
        query = query.where(Counselor.specialties.op("&")(filters.specialty) != 0)
    if filters.industry:
        query = query.where(Counselor.industries.op("&")(filters.industry) != 0)
    if filters.status:
        query = query.where(Counselor.status == filters.status)
    if filters.work_mode:
        query = query.where(Counselor.work_mode == filters.work_mode)
    if filters.source:
        query = query.where(Counselor.source == filters.source)
    if filters.department_id:
        query = query.where(Counselor.department_id == filters.department_id)
    if filters.ids is not None:
        query = query.where(Counselor.id.in_(filters.ids or [-1]))
    return query.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))


def audit_identifier_search(user: User, q: str | None, found: int) -> None:
    """Record that an official looked a record up by ID number (masked in the log); flushes, never commits."""
    from marketplace.audit.services import record
    from marketplace.masking import mask_id_number

    number = identifier_search(q)
    if number is None:
        return
    record(user, "counselor.search_id_number", object_type="counselors",
           region_code=user.department.region_code if user.department else None,
           id_number=mask_id_number(number), found=found)
