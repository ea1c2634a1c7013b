"""Bulk writes of a counselor import (COPY on PostgreSQL, executemany elsewhere) inside the caller's
transaction, and the look-up of the existing records a re-import updates. Used by directory/imports.py."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ARRAY, String, any_, bindparam, cast, insert, literal, select, text, update

from marketplace import crypto
from marketplace.accounts.models import Department, User
from marketplace.directory.models import Counselor, CounselorEvent, CounselorStatus, counselor_service_areas
from marketplace.directory.services import (
    expired_message,
    next_certificate_numbers,
    plain_value,
)
from marketplace.extensions import db
from marketplace.masking import mask_id_number, mask_phone
from marketplace.outbox.services import enqueue
from marketplace.timeutil import local_today, utcnow

if TYPE_CHECKING:
    from marketplace.directory.imports import ParsedRow

log = logging.getLogger(__name__)

CHUNK = 1000
PROGRESS_EVERY = 2000
ANALYZE_AFTER = 5000  # rows created by one import
REPLAN_FROM = 1000  # counselors in the table from which stale statistics are refreshed mid-import
EVENT_COLUMNS = ("counselor_id", "action", "from_status", "to_status", "reason", "changes", "actor_id", "created_at")
APPOINT_CHANGES = {"source": "import"}
LOOKED_UP = ("id", "id_number_hash", "phone_hash")  # the columns imports and searches look counselors up by
HEX_ARRAY = re.compile(r"\{[0-9a-f]+(?:,[0-9a-f]+)*\}")  # look-up hashes as a PostgreSQL array's text


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


def existing_records(rows: list[ParsedRow], connection=None) -> dict[str, Existing]:
    """Directory records with these ID numbers: one query per chunk of hashes, on `connection` (default: the
    session's)."""
    table = Counselor.__table__
    columns = [table.c.id, table.c.department_id, table.c.id_number_hash, table.c.phone_cipher, table.c.status,
               *[table.c[name] for name in COMPARED]]
    found: dict[str, Existing] = {}
    hashes = [r.id_hash for r in rows]
    execute = (connection or db.session).execute
    postgres = (connection or db.session.get_bind()).dialect.name == "postgresql"
    for start in range(0, len(hashes), CHUNK):
        part = hashes[start:start + CHUNK]
        # On PostgreSQL one array parameter, not 1,000 (whose rendering, casts and parsing cost more than
        # the look-up itself), sent as the array's text: the hashes are hex digits, which need no quoting,
        # so psycopg need not inspect and quote each of them (0.3 s of the job's process per 30,000 rows)
        if postgres:
            array = "{" + ",".join(part) + "}"
            value = literal(array) if HEX_ARRAY.fullmatch(array) else literal(part, ARRAY(String))
            matches = table.c.id_number_hash == any_(cast(value, ARRAY(String)))
        else:
            matches = table.c.id_number_hash.in_(part)
        for record_ in execute(select(*columns).where(matches)).mappings():
            found[record_["id_number_hash"]] = Existing(record_["id"], record_["department_id"],
                                                        {k: record_[k] for k in COMPARED}, record_["phone_cipher"],
                                                        plain_value(record_["status"]))
    return found


# --- writing ---------------------------------------------------------------------------------------------------

def seal(rows: list[ParsedRow], encrypter: crypto.BulkEncrypter | None = None, hasher=None) -> None:
    """The stored form of valid rows' ID numbers and phones — Fernet ciphers, the phone's look-up hash, the
    masks — for the rows that do not have it yet, encrypted as one batch, and the record's columns as COPY
    text (`ParsedRow.line`). RowChecker seals each chunk as it checks it (in the pool for a large file); rows
    checked otherwise are sealed by Writer.create."""
    todo = [row for row in rows if row.line is None]  # (not row.sealed: that would unpack every row)
    if not todo:
        return
    encrypter, hasher = encrypter or crypto.BulkEncrypter(), hasher or crypto.lookup_hasher()
    tokens = encrypter.encrypt([value for row in todo for value in (row.checked.id_number, row.checked.phone)])
    for n, row in enumerate(todo):
        checked = row.checked
        row.sealed = {"id_number_cipher": tokens[2 * n], "id_number_masked": mask_id_number(checked.id_number),
                      "phone_cipher": tokens[2 * n + 1], "phone_masked": mask_phone(checked.phone),
                      "phone_hash": hasher(checked.phone)}
        row.line = _line(row)


# A new record's columns that depend on the row (ParsedRow.line), then those the writer adds.
ROW_COLUMNS = (*COMPARED, "gender", "birth_date", "id_number_hash", "id_number_cipher", "id_number_masked",
               "phone_cipher", "phone_masked", "phone_hash", "status")
NULL = "\\N"  # in COPY text format
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: Any) -> str:
    """A value in PostgreSQL's COPY text format (NULL as \\N; backslash, tab, newline and CR escaped)."""
    if value is None:
        return NULL
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _escaped(value: str | None) -> str:
    return NULL if value is None else value.translate(COPY_ESCAPES)


def _line(row: ParsedRow) -> str:
    """`copy_text` of each of `_stored(row)`'s ROW_COLUMNS, tab-separated, written out by column type (the
    hashes, ciphers, masks, codes and enum values are ASCII without tabs or backslashes; text is escaped)."""
    data, checked, sealed = row.data, row.checked, row.sealed
    enum_values = [member.value if member is not None else NULL
                   for member in (data.work_mode, data.source, data.political_status, data.education)]
    return (f"{_escaped(data.name.strip())}\t{data.region_code}\t{data.township_code or NULL}\t"
            f"{int(data.specialties)}\t{int(data.industries)}\t{enum_values[0]}\t{enum_values[1]}\t"
            f"{data.appointed_on.isoformat()}\t{row.term_end.isoformat()}\t{enum_values[2]}\t{enum_values[3]}\t"
            f"{_escaped(data.title)}\t{_escaped(data.employer)}\t{_escaped(data.position)}\t"
            f"{'t' if data.is_remote else 'f'}\t{int(data.capacity)}\t{checked.gender.value}\t"
            f"{checked.birth_date.isoformat()}\t{row.id_hash}\t{sealed['id_number_cipher']}\t"
            f"{sealed['id_number_masked']}\t{sealed['phone_cipher']}\t{sealed['phone_masked']}\t"
            f"{sealed['phone_hash']}\t{row.status}")


def _stored(row: ParsedRow) -> dict[str, Any]:
    """The record of a new counselor as the row gives it (without id, certificate number and the import's own
    columns)."""
    checked, values = row.checked, _row_values(row)
    values.update(gender=checked.gender.value, birth_date=checked.birth_date, id_number_hash=row.id_hash,
                  **row.sealed, term_end=row.term_end, status=row.status)
    return values


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


def diff(existing: Existing, row: ParsedRow) -> tuple[dict[str, Any], dict[str, list]]:
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


IN_FLIGHT = 2  # chunks handed to the COPY thread and not yet written (what they hold bounds the memory)


class Writer:
    """Bulk writes for one import, inside the caller's transaction. `fail_after` is for tests: raise after
    that many counselor rows have been written (an import cut off halfway).

    On PostgreSQL the writes run in a thread of the job's process, on the session's connection (the import's
    transaction), chunk after chunk — certificate numbers, ids, COPY of counselors, events and service areas —
    while the caller checks the next chunks; the look-ups of existing records run meanwhile on a connection of
    their own (`existing`), so the writing connection goes from one COPY to the next without waiting for the
    job's process, and the job's process never waits for a COPY until the end."""

    fail_after: int | None = None

    def __init__(self, actor: User, department: Department, progress: Callable[[int], None] | None = None,
                 phase: Callable[[str], Any] | None = None):
        self.actor, self.department, self.progress = actor, department, progress
        self.phase = phase or (lambda name: nullcontext())
        self.connection = db.session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"
        self.planned_for: float | None = None  # the counselors' row count PostgreSQL plans with (reltuples)
        self.copying: deque[Future] = deque()  # chunks handed to self.thread, oldest first
        self.thread: ThreadPoolExecutor | None = None
        self.failed = False  # a chunk's write failed: the thread skips the rest
        self.lookups: Any = None  # the look-ups' own connection (PostgreSQL)
        self.waited = 0.0  # seconds the job's process spent waiting for the writes
        self.created = self.base = 0  # rows handed to create(); of them, those before the chunk being written
        self.actor_id, self.region_code = actor.id, department.region_code  # read here, not in the thread

    def existing(self, rows: list[ParsedRow]) -> dict[str, Existing]:
        """The records these rows match that existed before the import began (to update them; another
        department's are refused). On PostgreSQL on a connection of the look-ups' own, in autocommit, so they
        never wait for a COPY: it sees what was committed, which is everything that existed before this
        import — the job's claim is committed first, and the department's previous import has committed
        before this one got its lock (jobs.run_import) — and none of the rows this import wrote, which need no
        look-up: a row repeating an ID number of an earlier row is refused as a duplicate within the file
        before it gets here. Elsewhere on the session's connection, after the writes in flight."""
        if not rows:
            return {}
        if not self.postgres:
            self.wait()
            return existing_records(rows)
        if self.lookups is None:
            self.lookups = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return existing_records(rows, self.lookups)

    def create(self, rows: list[ParsedRow]) -> int:
        """Write new counselors. On PostgreSQL the chunk is handed to the writing thread (at most IN_FLIGHT
        chunks wait there); every other use of the session's connection calls `wait()` first, and the caller
        ends with `close()` (or `abandon()` on an error)."""
        if not rows:
            return 0
        base, self.created = self.created, self.created + len(rows)
        with self.phase("encrypt"):  # only rows checked without the pool's ciphers (RowChecker seals the rest)
            seal(rows)
        if self.postgres:
            while len(self.copying) >= IN_FLIGHT:
                self._wait_oldest()
            self.thread = self.thread or ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-copy")
            self.copying.append(self.thread.submit(contextvars.copy_context().run, self._write, rows, base))
            return len(rows)
        self.base = base
        certificates, common, reasons = self._prepare(rows)
        with self.phase("copy"):
            now, dept = common["created_at"], self.department
            ids = self._insert_counselors([{**_stored(row), "certificate_no": number, **common}
                                           for row, number in zip(rows, certificates, strict=True)])
            self._insert(CounselorEvent.__table__, [
                {"counselor_id": i, "action": "appoint", "from_status": None, "to_status": r.status,
                 "reason": reason, "changes": APPOINT_CHANGES, "actor_id": self.actor.id, "created_at": now}
                for i, r, reason in zip(ids, rows, reasons, strict=True)])
            self._insert(counselor_service_areas, [{"counselor_id": i, "region_code": dept.region_code}
                                                   for i in ids])
        return len(ids)

    def _prepare(self, rows: list[ParsedRow]) -> tuple[list[str], dict, list[str | None]]:
        """The chunk's certificate numbers (from the department's counters, in the import's transaction), the
        import's own columns and the appointment events' reasons."""
        dept, now, year = self.department, utcnow(), local_today().year
        with self.phase("numbers"):
            numbers: dict[int, Iterator[str]] = {}
            for appointed_year in sorted({r.year for r in rows}):
                count = sum(1 for r in rows if r.year == appointed_year)
                numbers[appointed_year] = iter(next_certificate_numbers(dept, appointed_year, count))
            certificates = [next(numbers[row.year]) for row in rows]
        common = {"department_id": dept.id, "department_region_code": dept.region_code, "data_year": year,
                  "created_at": now, "updated_at": now}
        expired = CounselorStatus.EXPIRED.value
        reasons = [expired_message(r.term_end) if r.status == expired else None for r in rows]
        return certificates, common, reasons

    def _write(self, rows: list[ParsedRow], base: int) -> None:
        """In the writing thread: one chunk, unless an earlier chunk failed (its error is raised by wait())."""
        if self.failed:
            return
        try:
            self.base = base
            certificates, common, reasons = self._prepare(rows)
            with self.phase("numbers"):
                ids = list(self.connection.execute(
                    text("SELECT nextval(pg_get_serial_sequence('counselors', 'id')) "
                         "FROM generate_series(1, :n)"), {"n": len(rows)}).scalars())
            self._copy(rows, ids, certificates, common, reasons)
        except BaseException:
            self.failed = True
            raise

    def _wait_oldest(self) -> None:
        copying = self.copying.popleft()
        began = time.perf_counter()
        try:
            copying.result()
        finally:
            self.waited += time.perf_counter() - began

    def wait(self) -> None:
        """Let the writes in flight finish (the first error, if any, is raised here, after all of them have
        stopped): the connection is free again."""
        error: BaseException | None = None
        while self.copying:
            try:
                self._wait_oldest()
            except BaseException as failure:  # re-raised below, once the others are done
                error = error or failure
        if error is not None:
            raise error

    def close(self) -> None:
        """The last writes done (their error raised), the thread stopped, the look-ups' connection returned."""
        try:
            self.wait()
        finally:
            if self.thread is not None:
                self.thread.shutdown()
                self.thread = None
            if self.lookups is not None:
                self.lookups.close()
                self.lookups = None

    def abandon(self) -> None:
        """On the way out with an error (the caller rolls back): wait for the writes in flight, whatever they
        did, so nothing else uses the connection meanwhile."""
        self.failed = True  # chunks not started yet are skipped
        try:
            self.close()
        except Exception:
            log.warning("import COPY failed while the import was failing anyway", exc_info=True)

    def _copy(self, rows: list[ParsedRow], ids: list[int], certificates: list[str], common: dict,
              reasons: list[str | None]) -> None:
        with self.phase("copy"):
            self._copy_counselors(rows, ids, certificates, common)
            changes, actor, at = copy_text(json.dumps(APPOINT_CHANGES)), copy_text(self.actor_id), \
                copy_text(common["created_at"])
            self._copy_lines("counselor_events", EVENT_COLUMNS, [
                f"{i}\tappoint\t{NULL}\t{r.status}\t{_escaped(reason)}\t{changes}\t{actor}\t{at}\n"
                for i, r, reason in zip(ids, rows, reasons, strict=True)])
            region = copy_text(self.region_code)
            self._copy_lines("counselor_service_areas", ("counselor_id", "region_code"),
                             [f"{i}\t{region}\n" for i in ids])

    def _copy_lines(self, table: str, columns: tuple[str, ...], lines: list[str]) -> None:
        with self._copy_into(table, columns) as copy:
            copy.write("".join(lines))

    @contextmanager
    def _copy_into(self, table: str, columns) -> Iterator[Any]:
        """psycopg's COPY … FROM STDIN into `table` (`columns`), on this import's connection."""
        raw = self.connection.connection.driver_connection
        names = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            yield copy

    def finish(self, created: int) -> None:
        """After the last chunk: fresh statistics when the import created many rows. Inside the transaction
        only what the look-ups by id, ID hash and phone hash plan with (the row count, those columns); the
        whole table's statistics (the directory's lists) once the import has committed, by a task."""
        self.wait()
        if self.postgres and created >= ANALYZE_AFTER:
            # Planned with the old row count, the next import's look-up by ID hash scans the table once per
            # chunk (measured: 20-45 s instead of 0.2 s for a 30,000-row re-import). A full ANALYZE of 30,000
            # rows takes 0.5 s of the server's CPU (every text column sorted); these three columns 0.05 s.
            with self.phase("analyze"):
                self.connection.execute(text(f"ANALYZE counselors ({', '.join(LOOKED_UP)})"))
            enqueue("directory.analyze")

    def _copy_counselors(self, rows: list[ParsedRow], ids: list[int], certificates: list[str],
                         common: dict) -> None:
        """COPY the new records: each row's ready COPY text (`ParsedRow.line`, made where the row was checked)
        between its id and certificate number and the import's own columns."""
        tail = "\t".join(copy_text(value) for value in common.values())
        with self._copy_into("counselors", ("id", "certificate_no", *ROW_COLUMNS, *common)) as copy:
            for start in range(0, len(rows), PROGRESS_EVERY):
                end = min(start + PROGRESS_EVERY, len(rows))
                copy.write("".join([f"{ids[n]}\t{copy_text(certificates[n])}\t{rows[n].line}\t{tail}\n"
                                    for n in range(start, end)]))
                if end < len(rows):
                    self._progress(end)
        self._progress(len(rows))
        self._refresh_statistics(len(rows))

    def _insert_counselors(self, records: list[dict]) -> list[int]:
        table = Counselor.__table__
        ids = []
        for start in range(0, len(records), CHUNK):
            chunk = records[start:start + CHUNK]
            result = self.connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                             chunk)
            ids += list(result.scalars())
            self._progress(start + len(chunk))
        return ids

    def _refresh_statistics(self, written: int) -> None:
        """The foreign-key checks of the events and service areas look each new counselor up by id. Planned
        with the statistics of a table that was nearly empty when last analysed, every look-up scans the
        table, which grows with the import: a 30,000-row import into such a table took 40-75 s in the COPY
        of its events instead of 2 s (bench/import_end_to_end.py --runs 2). When the planner's row count is
        far below what the table now holds, ANALYZE it (it sees this transaction's rows) before going on."""
        if self.planned_for is None:
            self.planned_for = float(self.connection.execute(text(
                "SELECT reltuples FROM pg_class WHERE oid = 'counselors'::regclass")).scalar() or 0)
            self.rows_now = max(self.planned_for, 0)
        self.rows_now += written
        if self.rows_now >= REPLAN_FROM and self.rows_now > 2 * max(self.planned_for, 0):
            # the row count is what the look-ups by id need (a column list still updates it), at a fraction
            # of a full ANALYZE's cost
            self.connection.execute(text("ANALYZE counselors (id)"))
            self.planned_for = self.rows_now

    def _progress(self, done: int) -> None:
        """`done` rows of the chunk being written are in; the progress shown counts the chunks before it."""
        if self.fail_after is not None and done >= self.fail_after:
            raise RuntimeError("import interrupted (test)")
        if self.progress:
            self.progress(self.base + done)

    def _insert(self, table, records: list[dict]) -> None:
        if not records:
            return
        columns = list(records[0])
        if self.postgres:
            json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
            with self._copy_into(table.name, columns) as copy:
                for record_ in records:
                    copy.write_row([json.dumps(record_[c]) if c in json_columns else record_[c] for c in columns])
            return
        for start in range(0, len(records), CHUNK):
            self.connection.execute(insert(table), records[start:start + CHUNK])

    def update(self, pairs: list[tuple[Existing, dict[str, Any], dict[str, list], ParsedRow]]) -> int:
        if not pairs:
            return 0
        self.wait()
        table, now, year = Counselor.__table__, utcnow(), local_today().year
        params = []
        for existing, values, _changes, row in pairs:
            params.append({**{f"v_{k}": v for k, v in values.items()}, "b_id": existing.id,
                           "v_phone_cipher": row.sealed["phone_cipher"] if row.sealed
                           else crypto.encrypt(row.checked.phone),
                           "v_phone_masked": mask_phone(row.checked.phone),
                           "v_phone_hash": crypto.lookup_hash(row.checked.phone), "v_updated_at": now,
                           "v_data_year": year})
        keys = [*COMPARED, "phone_cipher", "phone_masked", "phone_hash", "updated_at", "data_year"]
        statement = update(table).where(table.c.id == bindparam("b_id")).values(
            {**{k: bindparam(f"v_{k}") for k in keys}, "lock_version": table.c.lock_version + 1})  # forms go stale
        for start in range(0, len(params), CHUNK):
            self.connection.execute(statement, params[start:start + CHUNK])
        events = [{"counselor_id": e.id, "action": "import_update", "from_status": e.status, "to_status": e.status,
                   "reason": None, "changes": changes, "actor_id": self.actor.id, "created_at": now}
                  for e, _v, changes, _r in pairs]
        self._insert(CounselorEvent.__table__, events)
        return len(pairs)
