"""Code lists of the mediation line that each tenant may edit: dispute types (纠纷类型)."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantModel, db

# The national categories of the monthly reports (国家统计局 调解民间纠纷分类 and the
# ministry's forms), seeded when a tenant enables the line; tenants may add local ones.
NATIONAL_DISPUTE_TYPES: tuple[tuple[str, str], ...] = (
    ("marriage_family", "婚姻家庭"),
    ("neighbourhood", "邻里"),
    ("housing_homestead", "房屋宅基地"),
    ("contract", "合同"),
    ("production_business", "生产经营"),
    ("damages", "损害赔偿"),
    ("forest_land", "山林土地"),
    ("land_acquisition", "征地拆迁"),
    ("environment", "环境污染"),
    ("labour", "劳动争议"),
    ("consumer", "消费"),
    ("medical", "医疗"),
    ("traffic", "道路交通"),
    ("property_management", "物业"),
    ("tourism", "旅游"),
    ("intellectual_property", "知识产权"),
    ("internet", "互联网"),
    ("other", "其他"),
)


class DisputeType(db.Model, TenantModel):
    __tablename__ = "mediation_dispute_type"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(50))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # A national category keeps its code so that reports add up across tenants.
    national: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<DisputeType {self.code} {self.name}>"
