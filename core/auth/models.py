"""Accounts and their server-side sessions.

- ``User``: staff accounts, each belonging to exactly one tenant.
- ``UserSession``: a logged-in browser of a user. The cookie carries only a random token;
  the row stores its SHA-256, so a database reader cannot replay it, and deleting the row
  logs the browser out (logout, idle or absolute timeout, disable, password change, 在线用户).
- ``PasswordHistory``: previous password hashes, so a user cannot go back to a recent one.
- ``PlatformUser`` / ``PlatformSession``: platform operators (no tenant) and their sessions.
"""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.auth.passwords import hash_password, verify_password
from core.db import db
from core.ids import new_id
from core.tenancy.model import TenantModel
from core.tenancy.models import utcnow

#: ``UserSession.stage``: the password was right, the second factor is still owed.
STAGE_SECOND_FACTOR = "second_factor"
#: ``UserSession.stage``: fully logged in.
STAGE_FULL = "full"


class AccountMixin:
    """Columns and behaviour shared by staff accounts and platform operators."""

    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                           nullable=True)
    # Set by an administrator's reset: the user must choose a password before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                                 nullable=True)
    # Consecutive failures (password or second factor) since the last success or lock.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # TOTP: the base32 secret sealed with SM4-GCM (core.crypto), set once confirmed.
    totp_secret: Mapped[str | None] = mapped_column(String(255), nullable=True)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                               nullable=True)
    # The time step of the last accepted code: a code is accepted once only (no replay).
    totp_last_counter: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def totp_enabled(self) -> bool:
        return self.totp_confirmed_at is not None and bool(self.totp_secret)

    def set_password(self, password: str) -> None:
        """Hash and store; policy and history are checked by core.auth.service."""
        self.password_hash = hash_password(password)
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)

    def get_id(self) -> str:
        return str(self.id)


class User(db.Model, TenantModel, AccountMixin, UserMixin):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "username"),)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserSession(db.Model, TenantModel):
    __tablename__ = "user_sessions"
    # Logins, logouts and ended sessions are audited as auth events; a row write per
    # request (last_seen_at) would only bury them.
    __audit__ = False
    __table_args__ = (
        UniqueConstraint("tenant_id", "token_hash"),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                             ondelete="CASCADE"),
        Index("ix_user_sessions_tenant_id_user_id", "tenant_id", "user_id"),
    )

    token_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(BigInteger)
    stage: Mapped[str] = mapped_column(String(16), default=STAGE_FULL)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    # A TOTP secret being enrolled in this session (sealed), until confirmed with a code.
    pending_totp_secret: Mapped[str | None] = mapped_column(String(255), nullable=True)


class PasswordHistory(db.Model, TenantModel):
    __tablename__ = "password_history"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                             ondelete="CASCADE"),
        Index("ix_password_history_tenant_id_user_id", "tenant_id", "user_id"),
    )

    user_id: Mapped[int] = mapped_column(BigInteger)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PlatformUser(db.Model, AccountMixin, UserMixin):
    """A platform operator: runs the installation, belongs to no tenant, sees no tenant data."""

    __tablename__ = "platform_users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False,
                                    default=new_id)
    __table_args__ = (UniqueConstraint("username"),)

    def __repr__(self) -> str:
        return f"<PlatformUser {self.username}>"


class PlatformSession(db.Model):
    __tablename__ = "platform_sessions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False,
                                    default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("platform_users.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(16), default=STAGE_FULL)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    pending_totp_secret: Mapped[str | None] = mapped_column(String(255), nullable=True)
