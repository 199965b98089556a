"""The pages the HTTP benchmark loads, with the record ids and filters picked from the
database (so the same code works on the demo tenant and on a seeded county).

Mediation pages and the dashboards are seen by ``tiaojieke`` (the bureau's mediation
section, the widest mediation scope: the busiest lists); legal aid pages by ``zhuren`` (the
centre's director, county scope, who also reads the statistics). Both accounts exist in the
demo tenant and in every tenant ``fatong seed-scale`` creates.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Connection

MEDIATION_USER = "tiaojieke"
LEGAL_AID_USER = "zhuren"
#: Page kinds; the latency target applies to lists and details.
LIST, DETAIL, DASHBOARD, STATISTICS = "list", "detail", "dashboard", "statistics"


@dataclass(frozen=True)
class Page:
    """One benchmarked page of one tenant."""

    key: str  # stable identifier, also the ceiling's route
    title: str
    kind: str
    user: str  # who is logged in
    path: str  # absolute path on the app, query string included

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Page:
        return cls(**data)


def tenant_id(connection: Connection, slug: str) -> int:
    found = connection.scalar(text("SELECT id FROM tenants WHERE slug = :slug"), {"slug": slug})
    if found is None:
        raise LookupError(f"no tenant {slug!r} in this database")
    return int(found)


def _enter_tenant(connection: Connection, tenant: int) -> None:
    # Row-level security (core/tenancy/rls.py): the application's role sees a tenant's rows
    # only with app.tenant_id set for the transaction; harmless for the tables' owner.
    connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant)})


def _busiest_status(connection: Connection, table: str, tenant: int) -> str | None:
    return connection.scalar(text(
        f"SELECT status FROM {table} WHERE tenant_id = :t GROUP BY status "
        "ORDER BY count(*) DESC, status LIMIT 1"), {"t": tenant})


def _latest(connection: Connection, table: str, tenant: int, status: str,
            day_column: str) -> int | None:
    """The latest case in ``status`` (one that went the whole way: parties, sessions,
    agreement, visit… the fullest detail page), else the latest case at all."""
    query = (f"SELECT id FROM {table} WHERE tenant_id = :t {{extra}} "
             f"ORDER BY {day_column} DESC, id DESC LIMIT 1")
    found = connection.scalar(text(query.format(extra="AND status = :s")),
                              {"t": tenant, "s": status})
    if found is None:
        found = connection.scalar(text(query.format(extra="")), {"t": tenant})
    return None if found is None else int(found)


def _has_table(connection: Connection, table: str) -> bool:
    return connection.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": table})


@dataclass(frozen=True)
class Line:
    """A service line's busiest pages: its case list, its fullest case, its statistics."""

    key: str  # URL prefix and statistics key
    title: str
    table: str
    user: str
    fullest_status: str  # a case that went the whole way: the fullest detail page
    day_column: str


LINES = (
    Line("mediation", "mediation", "mediation_case", MEDIATION_USER, "archived", "applied_on"),
    Line("legal_aid", "legal aid", "legal_aid_case", LEGAL_AID_USER, "closed", "received_on"),
)


def last_full_month(today: date | None = None) -> tuple[int, int]:
    """The month before this one in the bureaus' time zone: seeded data covers it whole."""
    today = today or datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def choose_pages(connection: Connection, slug: str, today: date | None = None) -> list[Page]:
    """The benchmarked pages of tenant ``slug``, ids and filters read from the database.

    Runs in its own transaction on ``connection``, rolled back: it only reads."""
    try:
        tenant = tenant_id(connection, slug)
        _enter_tenant(connection, tenant)
        base = f"/t/{slug}"
        year, month = last_full_month(today)
        month_args = urlencode({"kind": "month", "year": year, "month": month})
        pages = [
            Page("workbench", "workbench (dashboard cards)", DASHBOARD, MEDIATION_USER,
                 f"{base}/"),
            Page("deadlines", "deadlines centre", DASHBOARD, MEDIATION_USER,
                 f"{base}/deadlines/"),
        ]
        for line in LINES:
            if not _has_table(connection, line.table):
                continue
            status = _busiest_status(connection, line.table, tenant)
            args = urlencode({"status": status, "page": 2} if status else {"page": 2})
            pages.append(Page(f"{line.key}_list", f"{line.title} cases, {status or 'all'}, page 2",
                              LIST, line.user, f"{base}/{line.key}/cases/?{args}"))
            case = _latest(connection, line.table, tenant, line.fullest_status, line.day_column)
            if case is not None:
                pages.append(Page(f"{line.key}_detail", f"{line.title} case detail", DETAIL,
                                  line.user, f"{base}/{line.key}/cases/{case}"))
            pages.append(Page(f"{line.key}_month", f"{line.title} statistics {year}-{month:02d}",
                              STATISTICS, line.user,
                              f"{base}/statistics/{line.key}/?{month_args}"))
    finally:
        connection.rollback()
    return pages
