"""Service agreements (服务协议): parties, items, signatures, history, and the traceable service records
(服务记录追溯) the provider keeps against them.

An agreement is made from a need and either an accepted invitation (a counselor or a center) or a center's
offering. Officials see the agreements whose need lies in their jurisdiction; each party (the entity's
operator and the provider's user) sees its own.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.centers.models import Offering, ServiceCenter
from marketplace.crypto import encrypted_phone
from marketplace.directory.models import Counselor
from marketplace.entities.models import Entity
from marketplace.extensions import db, value_enum
from marketplace.jurisdiction import Scoped
from marketplace.needs.models import Invitation, Need
from marketplace.regions.models import Region
from marketplace.timeutil import UTCDateTime, utcnow
from marketplace.versioning import Versioned

MONEY = Numeric(12, 2, asdecimal=True)


class AgreementStatus(enum.Enum):
    DRAFT = "draft"                # 草拟
    PROPOSED = "proposed"          # 待签署
    SIGNED = "signed"              # 已签署 (both parties)
    IN_SERVICE = "in_service"      # 服务中
    SUBMITTED = "submitted"        # 待验收
    ACCEPTED = "accepted"          # 已验收
    CLOSED = "closed"              # 已完结
    TERMINATED = "terminated"      # 违约终止
    CANCELLED = "cancelled"        # 签署前取消
    DISPUTED = "disputed"          # 争议处理中


class ProviderKind(enum.Enum):
    COUNSELOR = "counselor"
    CENTER = "center"


class Party(enum.Enum):
    ENTITY = "entity"      # 甲方: the entity served
    PROVIDER = "provider"  # 乙方: the counselor or service center


class ServiceMethod(enum.Enum):
    ON_SITE = "on_site"      # 上门服务
    REMOTE = "remote"        # 远程指导
    TRAINING = "training"    # 培训
    DOCUMENTS = "documents"  # 文书材料
    OTHER = "other"          # 其他


class ItemResult(enum.Enum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"


class RecordKind(enum.Enum):
    VISIT = "visit"          # 上门走访
    TRAINING = "training"    # 培训
    REMOTE = "remote"        # 远程指导
    DOCUMENTS = "documents"  # 文书材料
    OTHER = "other"          # 其他


class Agreement(Scoped, Versioned, db.Model):
    """One agreement. `content_hash` is the SHA-256 of the canonical content at the first signature;
    `version` goes up with every change of content (which voids the signatures)."""

    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint("(provider_kind = 'counselor' AND counselor_id IS NOT NULL AND center_id IS NULL) OR "
                        "(provider_kind = 'center' AND center_id IS NOT NULL AND counselor_id IS NULL)",
                        name="one_provider"),
        CheckConstraint("satisfaction IS NULL OR (satisfaction BETWEEN 1 AND 5)", name="satisfaction_range"),
        Index("ix_agreements_scope_status", "region_code", "status"),
        Index("ix_agreements_status_due", "status", "acceptance_due_at"),
    )
    __scope_region__ = "region_code"
    __scope_owner__ = ("owner_id", "provider_user_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # <region6>-<year>-<seq6>
    title: Mapped[str] = mapped_column(String(200))
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offerings.id"))
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    provider_kind: Mapped[ProviderKind] = mapped_column(value_enum(ProviderKind, "agreement_provider_kind"))
    counselor_id: Mapped[int | None] = mapped_column(ForeignKey("counselors.id"), index=True)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("service_centers.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)  # the need's place
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # the entity's operator
    provider_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[AgreementStatus] = mapped_column(value_enum(AgreementStatus, "agreement_status"),
                                                    default=AgreementStatus.DRAFT, index=True)
    status_before_dispute: Mapped[AgreementStatus | None] = mapped_column(
        value_enum(AgreementStatus, "agreement_status_before_dispute"))

    # The parties as written into the agreement (a snapshot: later edits of the records do not change it).
    entity_name: Mapped[str] = mapped_column(String(120))
    entity_address: Mapped[str | None] = mapped_column(String(200))
    entity_representative: Mapped[str | None] = mapped_column(String(64))
    # The parties' phones as written into the agreement, stored encrypted (crypto.py).
    entity_phone_cipher: Mapped[str | None] = mapped_column(Text)
    entity_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    entity_phone_masked: Mapped[str | None] = mapped_column(String(20))
    entity_phone = encrypted_phone("entity_phone")
    entity_credit_code: Mapped[str | None] = mapped_column(String(18))
    provider_name: Mapped[str] = mapped_column(String(120))
    provider_address: Mapped[str | None] = mapped_column(String(200))
    provider_representative: Mapped[str | None] = mapped_column(String(64))
    provider_phone_cipher: Mapped[str | None] = mapped_column(Text)
    provider_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    provider_phone_masked: Mapped[str | None] = mapped_column(String(20))
    provider_phone = encrypted_phone("provider_phone")
    provider_credit_code: Mapped[str | None] = mapped_column(String(18))

    liability: Mapped[str] = mapped_column(Text, default="")            # 违约责任
    dispute_resolution: Mapped[str] = mapped_column(Text, default="")   # 争议解决
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    total_amount: Mapped[Decimal | None] = mapped_column(MONEY)

    version: Mapped[int] = mapped_column(default=1)
    content_hash: Mapped[str | None] = mapped_column(String(64))  # of what was signed (set at the 1st signature)

    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)     # both parties have signed
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acceptance_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acceptance_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acceptance_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    satisfaction: Mapped[int | None]                                    # 1–5, given at acceptance
    satisfaction_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(Text)  # termination's liability outcome / mediation outcome

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    need: Mapped[Need] = relationship()
    invitation: Mapped[Invitation | None] = relationship()
    offering: Mapped[Offering | None] = relationship()
    entity: Mapped[Entity] = relationship()
    counselor: Mapped[Counselor | None] = relationship()
    center: Mapped[ServiceCenter | None] = relationship()
    region: Mapped[Region] = relationship(lazy="joined")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    provider_user: Mapped[User | None] = relationship(foreign_keys=[provider_user_id])
    items: Mapped[list[AgreementItem]] = relationship(back_populates="agreement", order_by="AgreementItem.position",
                                                      cascade="all, delete-orphan")
    signatures: Mapped[list[Signature]] = relationship(back_populates="agreement", order_by="Signature.id",
                                                       cascade="all, delete-orphan")
    events: Mapped[list[AgreementEvent]] = relationship(back_populates="agreement", order_by="AgreementEvent.id",
                                                        cascade="all, delete-orphan")
    records: Mapped[list[ServiceRecord]] = relationship(back_populates="agreement", order_by="ServiceRecord.seq",
                                                        cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Agreement {self.number} {self.status.value}>"


class AgreementItem(db.Model):
    """One service item (服务项目) with its method, quantity, price, standard, criterion and deadline, and
    its acceptance result."""

    __tablename__ = "agreement_items"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price IS NULL OR unit_price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(120))
    method: Mapped[ServiceMethod] = mapped_column(value_enum(ServiceMethod, "agreement_item_method"))
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=1)
    unit: Mapped[str] = mapped_column(String(32))
    unit_price: Mapped[Decimal | None] = mapped_column(MONEY)
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offerings.id"))
    quality_standard: Mapped[str] = mapped_column(Text)
    acceptance_criterion: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date | None] = mapped_column(Date)
    result: Mapped[ItemResult] = mapped_column(value_enum(ItemResult, "agreement_item_result"),
                                               default=ItemResult.PENDING)
    result_comment: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    agreement: Mapped[Agreement] = relationship(back_populates="items")

    def __repr__(self) -> str:
        return f"<AgreementItem {self.id} {self.name} {self.result.value}>"


class Signature(db.Model):
    """A party's signature: who, when, from where, and the hash of the content signed. A change of content
    after signing voids it (`voided_at`), and the agreement returns to draft."""

    __tablename__ = "agreement_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    party: Mapped[Party] = mapped_column(value_enum(Party, "agreement_signature_party"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agreement: Mapped[Agreement] = relationship(back_populates="signatures")
    user: Mapped[User] = relationship()

    @property
    def is_valid(self) -> bool:
        return self.voided_at is None

    def __repr__(self) -> str:
        return f"<Signature {self.party.value} agreement={self.agreement_id}>"


class AgreementEvent(db.Model):
    """One step in an agreement's life: who, when, from what to what, why (details: failed items, ...)."""

    __tablename__ = "agreement_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[AgreementStatus | None] = mapped_column(value_enum(AgreementStatus, "agreement_event_from"))
    to_status: Mapped[AgreementStatus | None] = mapped_column(value_enum(AgreementStatus, "agreement_event_to"))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agreement: Mapped[Agreement] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<AgreementEvent {self.action} agreement={self.agreement_id}>"


class ServiceRecord(db.Model):
    """One piece of work (服务记录), append-only. A correction is a new record pointing at the old one.
    `record_hash` is the SHA-256 of this record's canonical content together with `prev_hash` (the previous
    record's hash in the same agreement), so the chain shows any tampering."""

    __tablename__ = "service_records"
    __table_args__ = (UniqueConstraint("agreement_id", "seq", name="uq_service_records_agreement_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]  # 1, 2, ... within the agreement
    kind: Mapped[RecordKind] = mapped_column(value_enum(RecordKind, "service_record_kind"))
    served_on: Mapped[date] = mapped_column(Date)
    content: Mapped[str] = mapped_column(Text)
    participants: Mapped[str | None] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(String(200))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("service_records.id"))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agreement: Mapped[Agreement] = relationship(back_populates="records")
    author: Mapped[User] = relationship()
    corrects: Mapped[ServiceRecord | None] = relationship(remote_side=[id])
    attachments: Mapped[list[Attachment]] = relationship(back_populates="record", order_by="Attachment.id")

    def __repr__(self) -> str:
        return f"<ServiceRecord {self.agreement_id}#{self.seq}>"


class Attachment(db.Model):
    """A photo or file of a service record or of an item's acceptance, stored under instance/uploads/ by a
    random name and served only to those who may see the agreement. Its SHA-256 enters the record's hash."""

    __tablename__ = "agreement_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("service_records.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agreement_items.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    record: Mapped[ServiceRecord | None] = relationship(back_populates="attachments")

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.original_name}>"
