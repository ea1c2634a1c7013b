"""新型农业经营主体: cooperatives, federations and family farms, registered by their operators and verified by
the county department of their region."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.crypto import encrypted_phone
from marketplace.extensions import db, value_enum
from marketplace.jurisdiction import Scoped
from marketplace.regions.models import Region
from marketplace.timeutil import UTCDateTime, utcnow
from marketplace.versioning import Versioned


class EntityType(enum.Enum):
    COOPERATIVE = "cooperative"    # 农民专业合作社
    FEDERATION = "federation"      # 农民专业合作社联合社
    FAMILY_FARM = "family_farm"    # 家庭农场


class ModelLevel(enum.Enum):
    """示范社 / 示范家庭农场 level."""

    NONE = "none"
    NATIONAL = "national"
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class VerificationStatus(enum.Enum):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    NEEDS_CORRECTION = "needs_correction"


class Entity(Scoped, Versioned, db.Model):
    """One entity. Officials see the entities placed in their jurisdiction; the operator sees their own."""

    __tablename__ = "entities"
    __table_args__ = (
        Index("ix_entities_scope_status", "region_code", "verification_status"),
        Index("ix_entities_updated", "updated_at", "id"),
    )
    __scope_region__ = "region_code"
    __scope_owner__ = "owner_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[EntityType] = mapped_column(value_enum(EntityType, "entity_type"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    legal_representative: Mapped[str] = mapped_column(String(64))
    # Often a family farmer's own number: stored encrypted, with a look-up hash and a masked copy.
    contact_phone_cipher: Mapped[str | None] = mapped_column(Text)
    contact_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    contact_phone_masked: Mapped[str | None] = mapped_column(String(20))
    contact_phone = encrypted_phone("contact_phone")
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    industries: Mapped[int] = mapped_column(default=0)
    members: Mapped[int | None]
    area_mu: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    livestock_head: Mapped[int | None]
    model_level: Mapped[ModelLevel] = mapped_column(value_enum(ModelLevel, "entity_model_level"),
                                                    default=ModelLevel.NONE)
    founded_year: Mapped[int | None]
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    verification_status: Mapped[VerificationStatus] = mapped_column(
        value_enum(VerificationStatus, "entity_verification_status"), default=VerificationStatus.UNVERIFIED)
    verification_note: Mapped[str | None] = mapped_column(Text)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    region: Mapped[Region] = relationship(lazy="joined")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])

    @property
    def is_verified(self) -> bool:
        return self.verification_status is VerificationStatus.VERIFIED

    def __repr__(self) -> str:
        return f"<Entity {self.id} {self.name} {self.verification_status.value}>"


class ClaimStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class EntityClaim(Scoped, db.Model):
    """An operator's request to take over an entity held by a department (imported in bulk). Officials see the
    claims on entities in their jurisdiction (the entity's region, copied at claim time); the claimant sees
    their own. The proof (representative and phone) is what the claimant typed; it is compared with the
    imported record only for the reviewing official."""

    __tablename__ = "entity_claims"
    __table_args__ = (
        # one pending claim per entity per operator
        Index("uq_entity_claims_pending", "entity_id", "claimant_id", unique=True,
              postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),
        Index("ix_entity_claims_scope_status", "region_code", "status", "id"),
    )
    __scope_region__ = "region_code"
    __scope_owner__ = "claimant_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"), index=True)
    claimant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    status: Mapped[ClaimStatus] = mapped_column(value_enum(ClaimStatus, "entity_claim_status"),
                                                default=ClaimStatus.PENDING)
    legal_representative: Mapped[str] = mapped_column(String(64))
    # Often a family farmer's own number: stored encrypted, with a look-up hash and a masked copy.
    contact_phone_cipher: Mapped[str | None] = mapped_column(Text)
    contact_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    contact_phone_masked: Mapped[str | None] = mapped_column(String(20))
    contact_phone = encrypted_phone("contact_phone")
    note: Mapped[str | None] = mapped_column(Text)
    previous_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    entity: Mapped[Entity] = relationship()
    region: Mapped[Region] = relationship()
    claimant: Mapped[User] = relationship(foreign_keys=[claimant_id])
    previous_owner: Mapped[User | None] = relationship(foreign_keys=[previous_owner_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    events: Mapped[list[EntityClaimEvent]] = relationship(back_populates="claim", order_by="EntityClaimEvent.id",
                                                          cascade="all, delete-orphan")

    @property
    def is_pending(self) -> bool:
        return self.status is ClaimStatus.PENDING

    def __repr__(self) -> str:
        return f"<EntityClaim {self.id} entity={self.entity_id} {self.status.value}>"


class EntityClaimEvent(db.Model):
    """One step of a claim (submitted, approved, rejected, withdrawn), with who, when and why."""

    __tablename__ = "entity_claim_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("entity_claims.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[ClaimStatus | None] = mapped_column(value_enum(ClaimStatus, "entity_claim_event_from"))
    to_status: Mapped[ClaimStatus] = mapped_column(value_enum(ClaimStatus, "entity_claim_event_to"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    claim: Mapped[EntityClaim] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<EntityClaimEvent {self.action} claim={self.claim_id}>"
