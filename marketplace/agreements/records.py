"""Traceable service records (服务记录追溯): append-only, hash-chained.

Each record's `record_hash` is the SHA-256 of its canonical content (agreement, sequence, date, kind, what
was done, people, place, the record it corrects, its attachments' SHA-256) together with `prev_hash`, the
previous record's hash in the same agreement. A correction is a new record pointing at the old one; nothing
is edited or deleted, so changing any stored row breaks the chain, and `verify_chain` says where.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import User
from marketplace.agreements.models import Agreement, AgreementStatus, Attachment, Party, RecordKind, ServiceRecord
from marketplace.agreements.services import require_party
from marketplace.audit.services import record as audit
from marketplace.centers import uploads
from marketplace.errors import Conflict, DomainError, raise_if_errors
from marketplace.extensions import db
from marketplace.limits import RECORD, problems
from marketplace.timeutil import local_today, utcnow

S = AgreementStatus
RECORDABLE = (S.SIGNED, S.IN_SERVICE, S.SUBMITTED, S.DISPUTED)
MAX_FILES = 9


@dataclass
class RecordInput:
    served_on: date | None = None
    kind: RecordKind = RecordKind.VISIT
    content: str = ""
    participants: str = ""
    place: str = ""
    corrects_id: int | None = None
    files: list[tuple[BinaryIO, str]] = field(default_factory=list)  # (stream, file name)


def record_payload(record: ServiceRecord, attachment_hashes: list[str]) -> dict:
    return {"agreement_id": record.agreement_id, "seq": record.seq, "served_on": record.served_on.isoformat(),
            "kind": record.kind.value, "content": record.content, "participants": record.participants or "",
            "place": record.place or "", "corrects_id": record.corrects_id, "author_id": record.author_id,
            "attachments": sorted(attachment_hashes)}


def compute_hash(record: ServiceRecord, attachment_hashes: list[str]) -> str:
    body = json.dumps(record_payload(record, attachment_hashes), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(f"{record.prev_hash or ''}\n{body}".encode()).hexdigest()


def check_record(data: RecordInput, today: date, agreement: Agreement | None = None) -> None:
    if data.served_on is None:
        raise DomainError(_("请填写服务日期"), field="served_on")
    if data.served_on > today:
        raise DomainError(_("服务日期不能晚于今天"), field="served_on")
    if agreement is not None and agreement.term_start and data.served_on < agreement.term_start:
        raise DomainError(_("服务日期不能早于协议期限的开始日期（%(day)s）", day=agreement.term_start.isoformat()),
                          field="served_on")
    if not data.content.strip():
        raise DomainError(_("请填写服务内容"), field="content")
    raise_if_errors(problems(RECORD, {"content": data.content, "participants": data.participants,
                                      "place": data.place}))
    if len(data.files) > MAX_FILES:
        raise DomainError(_("每条记录最多上传 %(n)d 个文件", n=MAX_FILES), field="files")


def add_record(actor: User, agreement: Agreement, data: RecordInput, today: date | None = None) -> ServiceRecord:
    """The provider records one piece of work. The agreement row is locked while the record is chained, so
    two records written at once get consecutive numbers and the right previous hash."""
    require_party(actor, agreement, Party.PROVIDER)
    if agreement.status not in RECORDABLE:
        from marketplace.agreements.lifecycle import status_label

        raise Conflict(_("协议当前为“%(status)s”，不能登记服务记录", status=status_label(agreement.status)))
    check_record(data, today or local_today(), agreement)
    if data.corrects_id is not None and db.session.scalar(select(ServiceRecord.id).where(
            ServiceRecord.id == data.corrects_id, ServiceRecord.agreement_id == agreement.id)) is None:
        raise DomainError(_("要更正的记录不存在"), field="corrects_id")
    now = utcnow()
    db.session.execute(update(Agreement).where(Agreement.id == agreement.id).values(updated_at=now)
                       .execution_options(synchronize_session=False))  # the lock
    last = db.session.execute(select(ServiceRecord.seq, ServiceRecord.record_hash)
                              .where(ServiceRecord.agreement_id == agreement.id)
                              .order_by(ServiceRecord.seq.desc()).limit(1)).first()
    row = ServiceRecord(agreement_id=agreement.id, seq=(last.seq + 1) if last else 1, kind=data.kind,
                        served_on=data.served_on, content=data.content.strip(),
                        participants=data.participants.strip() or None, place=data.place.strip() or None,
                        corrects_id=data.corrects_id, prev_hash=last.record_hash if last else None,
                        author_id=actor.id, created_at=now, record_hash="")
    db.session.add(row)
    db.session.flush()
    hashes = [attach(actor, agreement, stream, name, record=row).sha256 for stream, name in data.files]
    row.record_hash = compute_hash(row, hashes)
    db.session.flush()
    audit(actor, "agreement.record", agreement, number=agreement.number, seq=row.seq, corrects=data.corrects_id)
    return row


def attach(actor: User, agreement: Agreement, stream: BinaryIO, filename: str, record: ServiceRecord | None = None,
           item_id: int | None = None) -> Attachment:
    """Store a photo or file (checked by content) for a record or an item's acceptance."""
    stored = uploads.store(stream, filename)
    digest = hashlib.sha256(uploads.path_of(stored.stored_name).read_bytes()).hexdigest()
    attachment = Attachment(agreement_id=agreement.id, record_id=record.id if record else None, item_id=item_id,
                            original_name=stored.original_name, stored_name=stored.stored_name,
                            content_type=stored.content_type, size=stored.size, sha256=digest,
                            uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    return attachment


@dataclass
class ChainCheck:
    ok: bool
    count: int
    broken_seq: int | None = None
    problem: str = ""


def verify_chain(agreement_id: int) -> ChainCheck:
    """Recompute every record's hash in order; the first record whose stored hash, previous hash or sequence
    does not match is reported."""
    records = db.session.scalars(select(ServiceRecord).where(ServiceRecord.agreement_id == agreement_id)
                                 .order_by(ServiceRecord.seq).options(selectinload(ServiceRecord.attachments))
                                 .execution_options(populate_existing=True)).all()
    previous = None
    for expected_seq, row in enumerate(records, start=1):
        if row.seq != expected_seq:
            return ChainCheck(False, len(records), row.seq, _("第 %(n)d 条记录缺失", n=expected_seq))
        if row.prev_hash != previous:
            return ChainCheck(False, len(records), row.seq, _("第 %(n)d 条记录与前一条不衔接", n=row.seq))
        if compute_hash(row, [a.sha256 for a in row.attachments]) != row.record_hash:
            return ChainCheck(False, len(records), row.seq, _("第 %(n)d 条记录的内容已被改动", n=row.seq))
        previous = row.record_hash
    return ChainCheck(True, len(records))


def records_of(agreement: Agreement) -> list[ServiceRecord]:
    """The agreement's records, newest first, with authors and attachments loaded (no per-row queries)."""
    return list(db.session.scalars(select(ServiceRecord).where(ServiceRecord.agreement_id == agreement.id)
                                   .order_by(ServiceRecord.seq.desc())
                                   .options(selectinload(ServiceRecord.attachments),
                                            selectinload(ServiceRecord.author))))


def item_attachments(agreement: Agreement) -> dict[int, list[Attachment]]:
    """The acceptance photos of each item, in one query."""
    files: dict[int, list[Attachment]] = {}
    for attachment in db.session.scalars(select(Attachment).where(Attachment.agreement_id == agreement.id,
                                                                  Attachment.item_id.is_not(None))
                                         .order_by(Attachment.id)):
        files.setdefault(attachment.item_id, []).append(attachment)
    return files


def agreements_with_records() -> list[int]:
    return list(db.session.scalars(select(ServiceRecord.agreement_id).group_by(ServiceRecord.agreement_id)
                                   .order_by(ServiceRecord.agreement_id)))


def record_counts(agreement_ids: list[int]) -> dict[int, int]:
    if not agreement_ids:
        return {}
    rows = db.session.execute(select(ServiceRecord.agreement_id, func.count()).where(
        ServiceRecord.agreement_id.in_(agreement_ids)).group_by(ServiceRecord.agreement_id))
    return dict(rows.all())


def has_records(agreement: Agreement) -> bool:
    return db.session.scalar(select(ServiceRecord.id).where(ServiceRecord.agreement_id == agreement.id)
                             .limit(1)) is not None
