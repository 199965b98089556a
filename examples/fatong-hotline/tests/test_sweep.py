"""The cross-tenant sweep over every hotline route: tenant A's user with tenant B's slug or
B's ids gets 404 everywhere, B's rows stay as they were, anonymous users are sent to login."""

from __future__ import annotations

from datetime import UTC, datetime

from core.sdk import OrgUnit, User, db, new_id
from core.testing import Sweep
from sqlalchemy import select

from fatong_hotline.models import TIMEZONE, HotlineCall, HotlineCategory, Outcome, today
from fatong_hotline.service import callback_due, issue_call_number


def seed(title: str) -> None:
    """A row in each hotline table for the current tenant (repeatable: fresh names)."""
    category = HotlineCategory(name=f"{title}{new_id()}"[:50])
    db.session.add(category)
    db.session.flush()
    bureau = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    now = datetime.now(TIMEZONE)
    db.session.add(HotlineCall(
        number=issue_call_number(now.year), received_at=now.astimezone(UTC),
        received_on=today(), org_unit_id=bureau.id, caller_name=title,
        category_id=category.id, question=title, duration_minutes=3,
        outcome=Outcome.CALLBACK, callback_due_on=callback_due(today()),
        handled_by_id=admin.id))


def test_no_cross_tenant_access(rls_app, tenant_a, tenant_b) -> None:
    # rls_app: on PostgreSQL the app's own role, behind row-level security, as in production.
    Sweep(rls_app, seed=seed, prefixes=("/t/<tenant>/hotline",)).run(tenant_a, tenant_b)
