"""Every hook a Fatong plugin can implement. Each one is documented in docs/plugin-hooks.md.

Startup hooks run once when the application is created, for every loaded plugin, whatever
the tenants enable. Request-time hooks are only ever called through ``hooks_for(tenant)``, so
a plugin that a tenant has not enabled is never asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.plugins.markers import hookspec

if TYPE_CHECKING:
    from datetime import date

    import click
    from flask import Flask
    from flask.blueprints import Blueprint

    from core.access.permissions import Permission, RoleTemplate
    from core.benefits import LegalAidStatus
    from core.plugins.contributions import (
        ActivityCount,
        DashboardCard,
        Deadline,
        DocumentTemplate,
        Metric,
        NavItem,
        PersonRecord,
        ReportPeriod,
    )
    from core.referrals import Referral, ReferralReceipt, ReferralTarget


# --- startup hooks (not gated) ---------------------------------------------------------


@hookspec
def register_blueprints(app: Flask) -> list[Blueprint]:
    """Return the Flask blueprints of the plugin.

    A plugin's blueprint must be named after the plugin; it is mounted under
    ``/t/<tenant>/<plugin name>/`` and answers 404 for tenants that have not enabled it.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands or groups to the ``fatong`` command line."""


@hookspec
def register_permissions() -> list[Permission]:
    """Return the permissions the plugin checks, named ``<plugin>.<object>.<action>``.

    A permission only takes effect for tenants that have the plugin enabled.
    """


@hookspec
def role_templates() -> list[RoleTemplate]:
    """Return default roles for new tenants; a template whose key exists (e.g. ``staff``)
    adds its permissions to that role."""


@hookspec
def document_templates() -> list[DocumentTemplate]:
    """Return the print-ready documents (A4 pages with the tenant's name and the document
    number) the plugin offers; each is printed at ``/t/<slug>/documents/<key>/<id>``."""


@hookspec
def platform_nav_items() -> list[NavItem]:
    """Return entries for the platform operators' console menu (``/platform/``).

    Endpoints are resolved without a tenant. Operators see no tenant's business data: link
    only to pages about the platform itself (tenants, plugins, the platform audit trail).
    """


# --- lifecycle hooks (called for one plugin only) -------------------------------------


@hookspec
def plugin_enabled(tenant: Any) -> None:
    """The plugin was just enabled for ``tenant``: seed that tenant's defaults.

    Runs inside the tenant's context and the enabling transaction; raising aborts the change.
    Called again on every re-enable, so it must be idempotent.
    """


@hookspec
def plugin_disabled(tenant: Any) -> None:
    """The plugin was just disabled for ``tenant``. Data must be kept: it returns on re-enable."""


@hookspec
def demo_data(tenant: Any) -> None:
    """Fill ``tenant`` (the demo tenant, the plugin enabled) with realistic sample records.

    Called by ``fatong demo`` inside the tenant's context; must be idempotent (do nothing when
    the plugin's sample records are already there). Never called for real tenants.
    """


@hookspec
def scale_template(tenant: Any, years: int, volume: float) -> None:
    """Fill ``tenant`` (seed-scale's template county) with one county's records of the line
    for the last ``years`` years, ``volume`` times the yearly volume (1.0: a busy county).

    Called by ``fatong seed-scale`` inside the template's context, once, on an empty tenant;
    the records are then copied to every seeded tenant, so make them through the workflow
    (numbers, history, deadlines) as the demo does. A plugin without it gets ``demo_data``.
    """


# --- request-time hooks (gated by hooks_for(tenant)) -----------------------------------


@hookspec
def nav_items(tenant: Any, user: Any) -> list[NavItem]:
    """Return the navigation entries the plugin adds to the tenant's side menu."""


@hookspec
def dashboard_cards(tenant: Any, user: Any) -> list[DashboardCard]:
    """Return cards for the tenant's workbench (工作台) page."""


@hookspec
def person_records(tenant: Any, person: Any) -> list[PersonRecord]:
    """Return the plugin's records about ``person`` (a ``core.sdk.Person`` of ``tenant``)
    for the timeline of the person's page in the people registry (当事人)."""


@hookspec
def tenant_activity(tenant: Any, since: Any) -> list[ActivityCount]:
    """Return activity figures of ``tenant`` since ``since`` (an aware ``datetime``), shown to
    its parent tenants (a city's or province's bureau) beside each child.

    Called through ``hooks_for(tenant)`` inside a cross-tenant read opened for the parent:
    count rows, never return anything about a person.
    """


@hookspec
def deadlines(tenant: Any, user: Any) -> list[Deadline]:
    """Return the items with a due date that ``user`` should act on, for the deadlines centre
    (待办/预警) and its workbench card.

    Return only what the user may see: check ``has_permission`` and filter by org-unit scope
    with ``scope_filter`` as on the plugin's own pages.
    """


@hookspec
def report_metrics(tenant: Any, period: ReportPeriod) -> list[Metric]:
    """Return the plugin's statistics of ``tenant`` for ``period`` (a month, quarter or year),
    shown on the plugin's statistics page, charted and exported to XLSX.

    Figures only, for the whole tenant: never anything about a person.
    """


@hookspec
def legal_aid_status(tenant: Any, person_id: int, on: date) -> LegalAidStatus | None:
    """Return a ``LegalAidStatus`` when the person ``person_id`` of ``tenant`` holds legal aid
    on the day ``on`` (granted, not terminated, not yet closed), else None.

    Other lines ask through ``core.sdk.benefits.legal_aid_status(person_id, on)`` (a notary
    office waiving its fee) and never import the legal aid plugin. Answer for the tenant's
    own people only; no permission check: the caller needs the fact, not the case.
    """


@hookspec
def referral_targets(tenant: Any, user: Any) -> list[ReferralTarget]:
    """Return the kinds of record this plugin opens for a matter referred from another line
    (``ReferralTarget`` with a key ``<plugin>.<what>``); ``[]`` when it takes none.

    Offered to the referring user by ``core.sdk.referrals.targets(user)``; enabled plugins
    only.
    """


@hookspec(firstresult=True)
def accept_referral(tenant: Any, user: Any, referral: Referral) -> ReferralReceipt | None:
    """Open this plugin's record for ``referral`` when ``referral.target`` is one of its
    targets and return a ``ReferralReceipt``; return None for any other target.

    Add rows to the session without committing (the referring plugin commits both sides
    together); raise ``core.sdk.referrals.ReferralRefused`` with a translated message when
    the matter cannot be taken (no unit to receive it, say). ``user`` is the referring user,
    who need not hold this plugin's permissions: record them as the source, not the handler.
    """
