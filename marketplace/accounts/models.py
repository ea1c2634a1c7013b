from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.crypto import decrypt, encrypt, lookup_hash
from marketplace.extensions import db
from marketplace.jurisdiction import Scoped
from marketplace.masking import mask_phone
from marketplace.regions.models import Level, Region, level_enum
from marketplace.timeutil import UTCDateTime, utcnow


class Role(enum.Enum):
    OFFICIAL = "official"
    COUNSELOR = "counselor"
    OPERATOR = "operator"
    CENTER_STAFF = "center_staff"


class Department(db.Model):
    """An agriculture department (农业农村部门): one per region; its jurisdiction is the region's subtree."""

    __tablename__ = "departments"
    # the target of counselors' (department_id, department_region_code) key
    __table_args__ = (UniqueConstraint("id", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[Level] = mapped_column(level_enum("department_level"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship(lazy="joined")
    users: Mapped[list[User]] = relationship(back_populates="department")

    def __repr__(self) -> str:
        return f"<Department {self.region_code} {self.name}>"


class User(UserMixin, Scoped, db.Model):
    """An account. Officials belong to a department; every user has a home region that scopes them."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role <> 'official' OR department_id IS NOT NULL", name="official_has_department"),
        Index("uq_users_username_lower", func.lower(text("username")), unique=True),
    )
    __scope_region__ = "region_code"
    __scope_owner__ = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, name="user_role", native_enum=False, length=16,
                                            values_callable=lambda e: [m.value for m in e],
                                            create_constraint=True), index=True)
    display_name: Mapped[str] = mapped_column(String(64))
    # The phone is stored encrypted, with a keyed hash for look-up and a masked copy for lists (crypto.py).
    phone_cipher: Mapped[str | None] = mapped_column(Text)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(120))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    # Second factor: the TOTP secret, encrypted; set once enrolment is confirmed with a first code.
    totp_secret_cipher: Mapped[str | None] = mapped_column(Text)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # a code is accepted once
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship(back_populates="users", lazy="joined")
    region: Mapped[Region] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(remote_side=[id])

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.is_enabled

    @property
    def is_official(self) -> bool:
        return self.role is Role.OFFICIAL

    @property
    def level(self) -> Level | None:
        return self.department.level if self.department else None

    @property
    def jurisdiction_path(self) -> str | None:
        """Officials govern their department's region subtree; others govern nothing."""
        return self.department.region.path if self.is_official and self.department else None

    @property
    def phone(self) -> str | None:
        """The full phone number (decrypted): for the account's owner and audited reveals only."""
        return decrypt(self.phone_cipher)

    @phone.setter
    def phone(self, value: str | None) -> None:
        value = (value or "").strip() or None
        self.phone_cipher = encrypt(value)
        self.phone_hash = lookup_hash(value) if value else None
        self.phone_masked = mask_phone(value) or None

    @property
    def has_totp(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret_cipher is not None

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"


class ApiToken(db.Model):
    """A bearer token for /api/v1; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ApiToken user={self.user_id} expires={self.expires_at:%Y-%m-%d %H:%M}>"






