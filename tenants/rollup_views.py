"""A parent tenant's view of its subordinate tenants, at /t/<tenant>/subordinates.

A city's or province's bureau sees its children and grandchildren (``Tenant.parent_id``):
their enabled service lines and activity counts, never anything about a person. The
figures are read in one audited cross-tenant read per page (see :mod:`tenants.rollup`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import regions
from core.access.checks import has_permission, require_permission
from core.plugins.contributions import ActivityCount, NavItem
from core.tenancy.models import Tenant
from tenants import rollup
from tenants.permissions import SUBORDINATE_VIEW

bp = Blueprint("tenants_rollup", __name__, url_prefix="/t/<tenant>/subordinates",
               template_folder="templates")

F = TypeVar("F", bound=Callable[..., Any])


def nav_items(tenant: Tenant, user: Any) -> list[NavItem]:
    # Permission first: the grants are cached per request, the child query is not.
    if not has_permission(SUBORDINATE_VIEW, user) or not rollup.has_listed_child(tenant.id):
        return []
    return [NavItem(title=_l("Subordinate bureaus"), endpoint="tenants_rollup.index",
                    weight=80, icon="diagram-3")]


def core_activity(tenant: Tenant, since: datetime) -> list[ActivityCount]:
    """The tenants module's ``tenant_activity`` figures (accounts, logins, people)."""
    return rollup.core_activity(tenant, since)


def _actor() -> str:
    username = getattr(current_user, "username", "") or "anonymous"
    return f"{g.tenant.slug}/{username}"


def load_descendant(view: F) -> F:
    """Replace ``child_id`` by the listed descendant, or answer 404.

    Above ``require_permission``, as core.admin.guards.load: an id that is no descendant of
    the current tenant (another tenant's, a sibling's, the parent's, an unknown one) is 404
    for everybody, never a telling 403.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        found = rollup.find_descendant(g.tenant.id, kwargs.pop("child_id"))
        if found is None:
            abort(404)
        kwargs["subordinate"] = found
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@bp.route("/")
@require_permission(SUBORDINATE_VIEW)
def index():
    period = rollup.parse_period(request.args.get("period"))
    subordinates, figures = rollup.overview(g.tenant, period, _actor())
    return render_template("tenants/rollup/index.html", subordinates=subordinates,
                           figures=figures, period=period, periods=rollup.PERIODS,
                           level_labels=rollup.LEVEL_LABELS,
                           status_labels=rollup.STATUS_LABELS, region_name=region_name)


@bp.route("/<int:child_id>")
@load_descendant
@require_permission(SUBORDINATE_VIEW)
def detail(subordinate: rollup.Subordinate):
    figures, values = rollup.detail(g.tenant, subordinate, _actor())
    labels: dict[str, Any] = {}
    for found in figures.values():
        for key, label in found.labels.items():
            labels.setdefault(key, label)
    labels = {key: labels[key] for key in sorted(labels, key=rollup.key_rank)}
    return render_template("tenants/rollup/detail.html", subordinate=subordinate,
                           child=subordinate.tenant, labels=labels, values=values,
                           periods=rollup.PERIODS, level_labels=rollup.LEVEL_LABELS,
                           status_labels=rollup.STATUS_LABELS, region_name=region_name)


def region_name(code: str) -> str:
    """The region's full name from the GB/T 2260 registry, or the code when unknown."""
    region = regions.get(code)
    return region.full_name if region is not None else code
