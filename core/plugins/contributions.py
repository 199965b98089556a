"""Small value types that plugins return from request-time hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class NavItem:
    """One entry of the side navigation.

    ``title`` should be a lazy-translated string; ``endpoint`` a Flask endpoint of the
    plugin, resolved with the current tenant filled in. Lower ``weight`` sorts first.
    ``group`` (lazy-translated, optional) puts the entry under a heading such as
    "System administration"; give the entries of one group neighbouring weights.
    ``badge`` (optional) is a short figure shown beside the title, such as a count of items
    waiting (the operators' console shows it; the tenant menu ignores it).
    """

    title: Any
    endpoint: str
    weight: int = 100
    icon: str = ""
    url_values: dict[str, Any] = field(default_factory=dict)
    group: Any = None
    badge: Any = None


@dataclass(frozen=True)
class DashboardCard:
    """A card on the workbench page: a title, a figure or short text, and a link."""

    title: Any
    value: Any
    endpoint: str | None = None
    note: Any = ""
    weight: int = 100
    url_values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PersonRecord:
    """One entry of a person's timeline (the ``person_records`` hook).

    ``line`` names the service line (a lazy translation such as ``_l("Legal aid")``; the
    person page lists each distinct line as one the person appears in), ``title`` the record
    (a case number, a notarial act), ``date`` a ``date`` or ``datetime`` (or None), ``url``
    a link to the record, ``summary`` one short line: the person's role, the status. Never
    put unmasked ID or phone numbers in ``title`` or ``summary``.
    """

    line: Any
    title: Any
    date: Any = None
    url: str | None = None
    summary: Any = ""


@dataclass(frozen=True)
class ActivityCount:
    """One figure of a tenant's activity for its parent tenants (the ``tenant_activity`` hook).

    ``key`` is stable (``<plugin>.<what>``, e.g. ``notices.published``) so that figures of
    many tenants can be added up; ``label`` a lazy translation; ``value`` a count. Figures
    only: never names, numbers or anything else about a person.
    """

    key: str
    label: Any
    value: int


@dataclass(frozen=True)
class Deadline:
    """One item of the deadlines centre (待办/预警, the ``deadlines`` hook).

    ``title`` names the item (a case number and what is due), ``due`` the ``date`` it is due,
    ``url`` a link to the record, ``severity`` one of ``"normal"``, ``"important"``,
    ``"critical"``, ``org_unit_id`` the org unit the item belongs to, ``line`` the service
    line (a lazy translation), ``note`` one short line. Return only items the user may see.
    """

    title: Any
    due: date
    url: str | None = None
    severity: str = "normal"
    org_unit_id: int | None = None
    line: Any = ""
    note: Any = ""


@dataclass(frozen=True)
class DocumentTemplate:
    """A print-ready document a plugin offers (the ``document_templates`` hook).

    ``key`` is ``<plugin>.<document>`` (e.g. ``mediation.agreement``) and appears in the URL
    ``/t/<slug>/documents/<key>/<object id>``; ``title`` names the document (人民调解协议书);
    ``template`` is a Jinja2 template of the plugin that fills the ``content`` block of the
    A4 print layout ``documents/print.html``; ``load`` is called with the object id inside
    the tenant's context and returns the template's context as a dict, which must hold
    ``number`` (the document number, or ``""``), or ``None`` when the object does not exist
    or is outside the user's scope (the page answers 404). ``permission`` is required to
    print it; a tuple means any one of them (e.g. staff's view permission or an assignee's
    own-case permission, with ``load`` then checking which objects each may print).
    """

    key: str
    title: Any
    template: str
    load: Callable[[int], dict[str, Any] | None]
    permission: str | tuple[str, ...]

    @property
    def permissions(self) -> tuple[str, ...]:
        """The permissions any one of which lets a user print it."""
        return (self.permission,) if isinstance(self.permission, str) else self.permission


@dataclass(frozen=True)
class ReportPeriod:
    """The month, quarter or year a statistics page shows (passed to ``report_metrics``).

    ``kind`` is ``"month"``, ``"quarter"`` or ``"year"``; ``start`` is the first day and
    ``end`` the day after the last (a half-open range ``start <= day < end``).
    """

    kind: str
    year: int
    number: int  # month 1-12, quarter 1-4, or 1 for a year
    start: date
    end: date


@dataclass(frozen=True)
class Metric:
    """One figure of a plugin's statistics for a period (the ``report_metrics`` hook).

    ``key`` is stable and namespaced (``mediation.accepted``,
    ``mediation.by_type.marriage``); ``label`` a lazy translation; ``value`` an ``int``,
    ``float`` or ``Decimal``; ``group`` the table the figure belongs to (a lazy translation;
    figures with the same group form one table and one chart); ``unit`` e.g. 件, 元, ``%``;
    ``chart`` ``"bar"``, ``"pie"`` or ``""`` (no chart for this group). Aggregates only:
    never a name, an ID number or free text about a person.
    """

    key: str
    label: Any
    value: int | float | Decimal
    group: Any = ""
    unit: Any = ""
    chart: str = "bar"
