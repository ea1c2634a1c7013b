"""Service centers (服务中心): the center, its filing history, internal-rule documents, priced offerings."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.crypto import encrypted_phone
from marketplace.extensions import db, value_enum
from marketplace.jurisdiction import Scoped
from marketplace.regions.models import Region
from marketplace.timeutil import UTCDateTime, utcnow
from marketplace.versioning import Versioned


def _enum(enum_class: type, name: str):
    return value_enum(enum_class, name, length=32)  # the filing statuses and operator kinds run longer

class OperatorType(enum.Enum):
    """Who runs the center."""

    FEDERATION = "federation"                      # 农民合作社联合社
    ASSOCIATION = "association"                    # 农民合作社协会
    AGRI_SERVICE_COMPANY = "agri_service_company"  # 农业服务公司
    SOCIAL_ORGANIZATION = "social_organization"    # 社会组织


class SetupMode(enum.Enum):
    NEW = "new"              # 新建
    TAKEOVER = "takeover"    # 挂牌承接


class Establishment(enum.Enum):
    """How the department set the center up."""

    PURCHASE_OF_SERVICES = "purchase_of_services"  # 购买服务
    FILING = "filing"                              # 备案管理
    ENTRUSTED_PLATE = "entrusted_plate"            # 挂牌委托


class CenterStatus(enum.Enum):
    DRAFT = "draft"            # 草稿
    SUBMITTED = "submitted"    # 待审核
    FILED = "filed"            # 已备案
    RETURNED = "returned"      # 退回修改
    WARNED = "warned"          # 警示
    RECTIFYING = "rectifying"  # 整改中
    DELISTED = "delisted"      # 已摘牌


class DocumentKind(enum.Enum):
    """The four internal rules each center keeps."""

    GUIDELINES = "guidelines"  # 工作指南
    CONDUCT = "conduct"        # 行为规范
    PRICES = "prices"          # 价格公开
    RECORDS = "records"        # 服务记录追溯


center_service_areas = Table(
    "center_service_areas",
    db.metadata,
    Column("center_id", ForeignKey("service_centers.id", ondelete="CASCADE"), primary_key=True),
    Column("region_code", ForeignKey("regions.code"), primary_key=True, index=True),
)


class ServiceCenter(Scoped, Versioned, db.Model):
    """A service center. Officials see the centers placed in their jurisdiction; staff see the ones they
    registered. Only `filed` centers are public and offered to matching."""

    __tablename__ = "service_centers"
    __table_args__ = (
        Index("ix_service_centers_region_status", "region_code", "status"),
        Index("ix_service_centers_public", "status", "region_code", "name", "id"),  # the public catalogue's order
        CheckConstraint("staff_count >= 0", name="staff_count_not_negative"),
    )
    __scope_region__ = "region_code"
    __scope_owner__ = "owner_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    operator_type: Mapped[OperatorType] = mapped_column(_enum(OperatorType, "center_operator_type"))
    operator_name: Mapped[str] = mapped_column(String(120))
    operator_credit_code: Mapped[str] = mapped_column(String(18))
    setup_mode: Mapped[SetupMode] = mapped_column(_enum(SetupMode, "center_setup_mode"))
    establishment: Mapped[Establishment] = mapped_column(_enum(Establishment, "center_establishment"))
    address: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    categories: Mapped[int] = mapped_column(default=0)
    staff_count: Mapped[int] = mapped_column(default=0)
    opening_hours: Mapped[str | None] = mapped_column(String(120))
    # The center's published number, stored encrypted like every phone (crypto.py).
    contact_phone_cipher: Mapped[str | None] = mapped_column(Text)
    contact_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    contact_phone_masked: Mapped[str | None] = mapped_column(String(20))
    contact_phone = encrypted_phone("contact_phone")
    status: Mapped[CenterStatus] = mapped_column(_enum(CenterStatus, "center_status"), default=CenterStatus.DRAFT,
                                                 index=True)
    filing_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rectify_deadline: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    region: Mapped[Region] = relationship(lazy="joined")
    owner: Mapped[User] = relationship()
    service_areas: Mapped[list[Region]] = relationship(secondary=center_service_areas, order_by="Region.code")
    events: Mapped[list[CenterEvent]] = relationship(back_populates="center", order_by="CenterEvent.id.desc()",
                                                     cascade="all, delete-orphan")
    documents: Mapped[list[CenterDocument]] = relationship(back_populates="center",
                                                           order_by="CenterDocument.id.desc()",
                                                           cascade="all, delete-orphan")
    offerings: Mapped[list[Offering]] = relationship(back_populates="center", order_by="Offering.id",
                                                     cascade="all, delete-orphan")

    @property
    def is_public(self) -> bool:
        return self.status is CenterStatus.FILED

    def __repr__(self) -> str:
        return f"<ServiceCenter {self.id} {self.name} {self.status.value}>"


class CenterEvent(db.Model):
    """One step in a center's record: registration, edits, uploads, and every filing decision."""

    __tablename__ = "center_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("service_centers.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[CenterStatus | None] = mapped_column(_enum(CenterStatus, "center_event_from_status"))
    to_status: Mapped[CenterStatus | None] = mapped_column(_enum(CenterStatus, "center_event_to_status"))
    reason: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[date | None] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    center: Mapped[ServiceCenter] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<CenterEvent {self.action} center={self.center_id}>"


class CenterDocument(db.Model):
    """An uploaded internal-rule document, stored under instance/uploads/ by a random name."""

    __tablename__ = "center_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("service_centers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind, "center_document_kind"))
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    center: Mapped[ServiceCenter] = relationship(back_populates="documents")
    uploaded_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<CenterDocument {self.id} {self.kind.value} center={self.center_id}>"


PRICE = Numeric(12, 2, asdecimal=True)


class Offering(Versioned, db.Model):
    """A priced service item (价格公开). A single price is stored as min == max."""

    __tablename__ = "offerings"
    __table_args__ = (
        CheckConstraint("price_min >= 0 AND price_max >= price_min", name="price_range_valid"),
        Index("ix_offerings_center_active", "center_id", "is_active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("service_centers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[int]  # one Specialty value
    description: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(32))
    price_min: Mapped[Decimal] = mapped_column(PRICE)
    price_max: Mapped[Decimal] = mapped_column(PRICE)
    service_standard: Mapped[str | None] = mapped_column(Text)
    delivery_days: Mapped[int | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    center: Mapped[ServiceCenter] = relationship(back_populates="offerings")
    price_changes: Mapped[list[OfferingPriceChange]] = relationship(
        back_populates="offering", order_by="OfferingPriceChange.id.desc()", cascade="all, delete-orphan")

    @property
    def is_single_price(self) -> bool:
        return self.price_min == self.price_max

    def __repr__(self) -> str:
        return f"<Offering {self.id} {self.name}>"


class OfferingPriceChange(db.Model):
    """Who changed an offering's price, when, from what to what (the first row is the initial price)."""

    __tablename__ = "offering_price_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id", ondelete="CASCADE"), index=True)
    old_min: Mapped[Decimal | None] = mapped_column(PRICE)
    old_max: Mapped[Decimal | None] = mapped_column(PRICE)
    new_min: Mapped[Decimal] = mapped_column(PRICE)
    new_max: Mapped[Decimal] = mapped_column(PRICE)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    offering: Mapped[Offering] = relationship(back_populates="price_changes")
    changed_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<OfferingPriceChange offering={self.offering_id} {self.old_min}-{self.old_max} → " \
               f"{self.new_min}-{self.new_max}>"
