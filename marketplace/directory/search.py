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


# (database, (time, floor)): the national roll-up's counselor count as this process last read it
_floor_memo: dict[str, tuple[float, int]] = {}
FLOOR_MEMO_SECONDS = 60


def national_floor(user: User, filters: CounselorFilters, cap: int) -> int | None:
    """For the national list with no filter (every counselor, every status), a number of rows it has at least:
    the oversight roll-up's counselors (在聘、暂停) of the whole country, read at most once a minute per process.
    The list's count reads up to `cap` + 1 rows; past twice the cap that count is skipped and the page says
    "超过 N 条" as it would (a roll-up at most a refresh old cannot be wrong by that much). None otherwise: a
    narrower list is counted as before (a province's or county's count reads its own few thousand rows through
    the scope's index; a sub-national roll-up counts counselors by where they are, not by who appointed them)."""
    import time

    from flask import current_app

    from marketplace.extensions import db
    from marketplace.jurisdiction import scope_shape
    from marketplace.oversight.models import RegionStat
    from marketplace.regions.models import ROOT_CODE

    # no filter: the filters as they are without any (the sort does not change how many), derived from the
    # dataclass so that a filter added to it is never forgotten here
    if scope_shape(Counselor, user)[0] != "all" or filters != CounselorFilters(sort=filters.sort):
        return None
    key = current_app.config.get("SQLALCHEMY_DATABASE_URI", "")
    now = time.monotonic()
    hit = _floor_memo.get(key)
    if hit is None or now - hit[0] >= (0 if current_app.testing else FLOOR_MEMO_SECONDS):
        stat = db.session.get(RegionStat, ROOT_CODE)
        hit = (now, int((stat.stats or {}).get("counselors", 0)) if stat is not None else 0)
        _floor_memo[key] = hit
    return hit[1] if hit[1] > 2 * cap else None


def list_rows(query: Select) -> Select:
    """The officials' list page's rows from `query` (`counselor_query`'s): only the columns a row shows, as
    plain rows (`id`, `name`, …, `region_name`, `department_name`) rather than Counselor objects (loading 20
    objects with their region and department costs twice as much as the rows)."""
    from marketplace.accounts.models import Department
    from marketplace.regions.models import Region

    return (query.with_only_columns(
        Counselor.id, Counselor.name, Counselor.region_code, Counselor.specialties, Counselor.industries,
        Counselor.department_id, Counselor.term_end, Counselor.phone_masked, Counselor.status,
        Region.full_name.label("region_name"), Department.name.label("department_name"))
        .outerjoin(Region, Region.code == Counselor.region_code)
        .outerjoin(Department, Department.id == Counselor.department_id))


def counselor_query(user: User | None, filters: CounselorFilters) -> Select:
    """Counselors the user may see, filtered and sorted; the base of the list, the export and the API. Officials
    may also find a record by its full ID number or mobile phone (through the keyed look-up hashes; never by a
    LIKE on personal data): the caller audits such a search (`identifier_search`, `audit_identifier_search`)."""
    query = scoped(Counselor, user)
    found = searched_identifier(filters.q)
    if found is not None:
        from marketplace.crypto import lookup_hash

        kind, value = found
        column = Counselor.id_number_hash if kind == "id_number" else Counselor.phone_hash
        query = query.where(column == lookup_hash(value))
        return _filtered(query, CounselorFilters(**{**filters.__dict__, "q": None}))
    return _filtered(query, filters)


ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
PHONE = re.compile(r"^1[3-9]\d{9}$")
PHONE_SEPARATORS = re.compile(r"[\s\-()]")


def searched_identifier(q: str | None) -> tuple[str, str] | None:
    """("id_number", number) or ("phone", number) when the search box holds a full ID number or mainland
    mobile number (full-width digits, a lower-case x, spaces, dashes and a +86 prefix folded), else None."""
    text = unicodedata.normalize("NFKC", q or "").strip().upper()
    if ID_NUMBER.match(text):
        return "id_number", text
    phone = PHONE_SEPARATORS.sub("", text)
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    if PHONE.match(phone):
        return "phone", phone
    return None


def identifier_search(q: str | None) -> str | None:
    """The ID number or phone typed into the search box, normalised (see `searched_identifier`), or None."""
    found = searched_identifier(q)
    return found[1] if found else None


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
    """Record that an official looked a record up by ID number or phone (masked in the log); flushes, never
    commits."""
    from marketplace.audit.services import record
    from marketplace.masking import mask_id_number, mask_phone

    searched = searched_identifier(q)
    if searched is None:
        return
    kind, value = searched
    region_code = user.department.region_code if user.department else None
    if kind == "id_number":
        record(user, "counselor.search_id_number", object_type="counselors", region_code=region_code,
               id_number=mask_id_number(value), found=found)
    else:
        record(user, "counselor.search_phone", object_type="counselors", region_code=region_code,
               phone=mask_phone(value), found=found)
