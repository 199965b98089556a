from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.sdk import TenantModel, User, db, utcnow


class NoticeCategory(enum.StrEnum):
    NOTICE = "notice"  # 通知
    BULLETIN = "bulletin"  # 通报 (e.g. 督查通报)
    ANNOUNCEMENT = "announcement"  # 公告

    @property
    def label(self):
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    NoticeCategory.NOTICE: _l("Notice"),
    NoticeCategory.BULLETIN: _l("Bulletin"),
    NoticeCategory.ANNOUNCEMENT: _l("Announcement"),
}


class Notice(db.Model, TenantModel):
    __tablename__ = "notices_notice"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "author_id"], ["users.tenant_id", "users.id"],
                             ondelete="RESTRICT"),
        Index("ix_notices_notice_tenant_pinned_created", "tenant_id", "pinned", "created_at"),
    )

    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[NoticeCategory] = mapped_column(
        Enum(NoticeCategory, native_enum=False, length=20,
             values_callable=lambda e: [m.value for m in e]),
        default=NoticeCategory.NOTICE,
    )
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    # Only author_id is foreign here; tenant_id belongs to the primary key and is never
    # rewritten by the relationship.
    author: Mapped[User | None] = relationship(
        User,
        primaryjoin="and_(Notice.tenant_id == User.tenant_id, "
                    "foreign(Notice.author_id) == User.id)",
        lazy="joined",
    )
