"""Risk analysis (研判) and case subsidies (以案定补): the pages, their print layout and
XLSX exports. The figures come from ``plugins/mediation/analysis.py`` and
``plugins/mediation/subsidies.py``; this module loads the records in the user's scope.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import xlsxwriter
from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from werkzeug.routing import BuildError

from core.sdk import (
    ReportPeriod,
    db,
    download_response,
    periods,
    places,
    require_permission,
    scope_filter,
)
from plugins.mediation import analysis as risk
from plugins.mediation import subsidies as pay
from plugins.mediation.models import (
    Agreement,
    Case,
    Committee,
    DisputeType,
    Mediator,
    Screening,
    StatusChange,
)
from plugins.mediation.models.enums import (
    AgreementKind,
    CaseStatus,
    Difficulty,
    RiskLevel,
    ScreeningStatus,
)
from plugins.mediation.permissions import REPORT_VIEW, SUBSIDY_VIEW
from plugins.mediation.settings import mediation_settings
from plugins.mediation.views import bp
from plugins.mediation.views.screening import case_url
from plugins.mediation.workflow import today

YEARS_OFFERED = 10
KIND_TITLES = {"month": _l("Month"), "quarter": _l("Quarter"), "year": _l("Year")}
QUARTER_TITLES = periods.QUARTER_TITLES
RESULT_TITLES = {pay.WRITTEN: _l("Agreed in writing"), pay.ORAL: _l("Agreed orally"),
                 pay.FAILED: _l("No agreement"), pay.TERMINATED: _l("Terminated (not paid)")}


# --- shared helpers ----------------------------------------------------------------------


period_label = periods.period_label
period_args = periods.period_args


xlsx_response = download_response


def new_workbook() -> tuple[xlsxwriter.Workbook, io.BytesIO, dict[str, Any]]:
    """A workbook where text stays text (no formulas, URLs or numbers read into strings)."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False})
    formats = {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "header": workbook.add_format({"bold": True, "bg_color": "#E7EEF7", "border": 1,
                                       "text_wrap": True, "valign": "vcenter"}),
        "cell": workbook.add_format({"border": 1}),
        "number": workbook.add_format({"border": 1, "num_format": "0"}),
        "money": workbook.add_format({"border": 1, "num_format": "#,##0.00"}),
        "total": workbook.add_format({"bold": True, "border": 1}),
        "total_number": workbook.add_format({"bold": True, "border": 1, "num_format": "0"}),
        "total_money": workbook.add_format({"bold": True, "border": 1,
                                            "num_format": "#,##0.00"}),
    }
    return workbook, output, formats


def write_row(sheet: Any, row: int, values: list[Any], formats: dict[str, Any],
              total: bool = False) -> None:
    """Text as strings, ints as numbers, Decimals as money."""
    for column, value in enumerate(values):
        prefix = "total_" if total else ""
        if isinstance(value, bool) or value is None:
            sheet.write_string(row, column, "" if value is None else str(value),
                               formats["total" if total else "cell"])
        elif isinstance(value, int):
            sheet.write_number(row, column, value, formats[prefix + "number"])
        elif hasattr(value, "as_tuple"):  # Decimal
            sheet.write_number(row, column, float(value), formats[prefix + "money"])
        else:
            sheet.write_string(row, column, str(value), formats["total" if total else "cell"])


# --- risk analysis: loading --------------------------------------------------------------


@dataclass
class Lookups:
    """Names and towns the analysis needs, read once per page."""

    types: dict[int, str]
    places: dict[int, Any]  # id -> Place, deactivated ones included
    committees: dict[int, Committee]
    unit_towns: dict[int, str]  # org unit -> its town (committee, or a station's one town)

    @classmethod
    def load(cls) -> Lookups:
        registry = {place.id: place for place in
                    db.session.scalars(places.search(include_inactive=True))}
        committees = list(db.session.scalars(select(Committee)))
        # A station is responsible for the places of its town: when they all lie in one
        # town, that is the station's town.
        station_towns: dict[int, set[str]] = {}
        for place in registry.values():
            if place.org_unit_id and place.town:
                station_towns.setdefault(place.org_unit_id, set()).add(place.town)
        unit_towns = {unit: next(iter(towns)) for unit, towns in station_towns.items()
                      if len(towns) == 1}
        unit_towns.update({c.org_unit_id: c.town for c in committees if c.town})
        return cls(types=dict(db.session.execute(select(DisputeType.id, DisputeType.name))
                              .all()),
                   places=registry, committees={c.id: c for c in committees},
                   unit_towns=unit_towns)

    def where(self, place_id: int | None, detail: str,
              fallback_town: str) -> tuple[str, str, str]:
        """(town, place key, place label): the registry's place, else the typed text; the
        town of the place, else ``fallback_town`` (the committee's or station's)."""
        place = self.places.get(place_id) if place_id else None
        detail = (detail or "").strip()
        town = (place.town if place is not None else "") or fallback_town
        if place is not None:
            return town, f"p{place.id}", place.full_name
        if detail:
            return town, f"t:{detail}", detail
        return town, "", ""


def load_disputes(since: date, until: date, lookups: Lookups) -> list[risk.Dispute]:
    """Cases and screenings dated ``since`` <= day < ``until`` in the user's scope."""
    case_day = func.coalesce(Case.accepted_on, Case.applied_on)
    disputes = []
    for day, type_id, place_id, detail, unit_id in db.session.execute(
            select(case_day, Case.dispute_type_id, Case.place_id, Case.place_detail,
                   Case.org_unit_id)
            .where(scope_filter(Case.org_unit_id, REPORT_VIEW), case_day >= since,
                   case_day < until)):
        town, key, label = lookups.where(place_id, detail, lookups.unit_towns.get(unit_id, ""))
        disputes.append(risk.Dispute(source=risk.CASE, day=day,
                                     dispute_type=lookups.types.get(type_id, ""), town=town,
                                     place_key=key, place=label))
    for day, type_id, place_id, detail, unit_id, status, case_id in db.session.execute(
            select(Screening.screened_on, Screening.dispute_type_id, Screening.place_id,
                   Screening.place_detail, Screening.org_unit_id, Screening.status,
                   Screening.case_id)
            .where(scope_filter(Screening.org_unit_id, REPORT_VIEW),
                   Screening.screened_on >= since, Screening.screened_on < until)):
        town, key, label = lookups.where(place_id, detail, lookups.unit_towns.get(unit_id, ""))
        converted = status is ScreeningStatus.CONVERTED and case_id is not None
        disputes.append(risk.Dispute(source=risk.SCREENING, day=day,
                                     dispute_type=lookups.types.get(type_id, ""), town=town,
                                     place_key=key, place=label, counted=not converted))
    return disputes


def watch_list(lookups: Lookups) -> list[dict[str, Any]]:
    """High-risk screenings still being watched (any date), newest first."""
    found = db.session.scalars(
        select(Screening).where(
            scope_filter(Screening.org_unit_id, REPORT_VIEW),
            Screening.status == ScreeningStatus.WATCHING,
            or_(Screening.risk_level == RiskLevel.HIGH, Screening.criminal_risk.is_(True),
                Screening.group_risk.is_(True)))
        .order_by(Screening.screened_on.desc(), Screening.id.desc()))
    rows = []
    for screening in found:
        town, _key, label = lookups.where(screening.place_id, screening.place_detail,
                                          lookups.unit_towns.get(screening.org_unit_id, ""))
        rows.append({"screening": screening, "town": town, "place": label,
                     "type": lookups.types.get(screening.dispute_type_id, "")})
    return rows


def prevented_cases(period: ReportPeriod) -> list[Case]:
    """Cases of the period (by date or closing) that prevented a criminal case or a group
    incident (防止民转刑, 防止群体性事件)."""
    case_day = func.coalesce(Case.accepted_on, Case.applied_on)
    return list(db.session.scalars(
        select(Case).where(
            scope_filter(Case.org_unit_id, REPORT_VIEW),
            or_(Case.prevented_criminal.is_(True), Case.prevented_group.is_(True)),
            or_(and_(case_day >= period.start, case_day < period.end),
                and_(Case.closed_on >= period.start, Case.closed_on < period.end)))
        .order_by(Case.closed_on.desc(), Case.id.desc())))


def _risk_context() -> dict[str, Any]:
    period, wrong = risk.parse_period(request.args, today())
    settings = mediation_settings().get_all()
    percent, min_count = settings["risk_jump_percent"], settings["risk_min_count"]
    lookups = Lookups.load()
    disputes = load_disputes(risk.earliest_needed(period), period.end, lookups)
    result = risk.analyse(disputes, period, percent, min_count)
    this_year = today().year
    return {
        "result": result, "period": period, "period_label": period_label(period),
        "previous_label": period_label(result.previous), "period_args": period_args(period),
        "period_error": _("That period cannot be shown; showing this quarter.")
        if wrong else None,
        "percent": percent, "min_count": min_count, "watch": watch_list(lookups),
        "prevented": prevented_cases(period), "case_url": case_url,
        "trend_labels": [f"{p.period.year}-{p.period.number:02d}" for p in result.trend],
        "picker": {
            "kinds": list(KIND_TITLES.items()),
            "years": list(range(max(this_year, period.year),
                                this_year - YEARS_OFFERED, -1)),
            "months": [(m, _("Month %(month)d", month=m)) for m in range(1, 13)],
            "quarters": list(QUARTER_TITLES.items()),
            "month": period.number if period.kind == "month" else today().month,
            "quarter": period.number if period.kind == "quarter"
            else (today().month - 1) // 3 + 1,
        },
    }


def _trend_chart(context: dict[str, Any]) -> dict[str, Any]:
    points = context["result"].trend
    return {"type": "line", "labels": context["trend_labels"], "series": [
        {"name": _("Cases"), "values": [p.cases for p in points]},
        {"name": _("Screening records"), "values": [p.screenings for p in points]},
        {"name": _("Disputes in all"), "values": [p.total for p in points]},
    ]}


def _bar_chart(breakdown: risk.Breakdown, title: str, limit: int = 15) -> dict[str, Any]:
    rows = breakdown.rows[:limit]
    return {"type": "bar", "title": title,
            "labels": [row.label or _("(not given)") for row in rows],
            "values": [row.total for row in rows]}


# --- risk analysis: pages ----------------------------------------------------------------


@bp.route("/risk/", endpoint="risk")
@require_permission(REPORT_VIEW)
def risk_page():
    context = _risk_context()
    return render_template(
        "mediation/analysis/risk.html", **context, trend_chart=_trend_chart(context),
        type_chart=_bar_chart(context["result"].by_type, _("By dispute type")))


@bp.route("/risk/print")
@require_permission(REPORT_VIEW)
def risk_print():
    """The quarterly meeting's paper: the same figures without menu or forms."""
    return render_template("mediation/analysis/risk_print.html", **_risk_context(),
                           print_js=_print_js())


def _print_js() -> str | None:
    try:
        return url_for("documents_assets.static", filename="print.js")
    except BuildError:
        return None


@bp.route("/risk/export.xlsx")
@require_permission(REPORT_VIEW)
def risk_xlsx():
    context = _risk_context()
    result: risk.Analysis = context["result"]
    workbook, output, formats = new_workbook()
    label, previous = context["period_label"], context["previous_label"]
    overview = workbook.add_worksheet(_("Overview")[:31])
    overview.set_column(0, 0, 30)
    overview.set_column(1, 1, 16)
    overview.write_string(0, 0, _("Dispute risk analysis: %(period)s", period=label),
                          formats["title"])
    rows = [
        [_("Period"), label], [_("Previous period"), previous],
        [_("Cases"), result.cases], [_("Screening records"), result.screenings],
        [_("Disputes in all (a screening that became a case counted once)"), result.total],
        [_("Disputes in the previous period"), result.previous_total],
        [_("Flag a rise of at least (%)"), context["percent"]],
        [_("Only with at least (disputes)"), context["min_count"]],
    ]
    for index, values in enumerate(rows, start=2):
        write_row(overview, index, values, formats)
    header = [_("Cases"), _("Screening records"), _("Disputes in all"),
              _("Previous period"), _("Change"), _("Flagged")]
    for title, breakdown, first in (
            (_("By dispute type"), result.by_type, _("Dispute type")),
            (_("By town"), result.by_town, _("Town")),
            (_("By place"), result.by_place, _("Place"))):
        sheet = workbook.add_worksheet(title[:31])
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 6, 12)
        sheet.write_string(0, 0, f"{title} · {label}", formats["title"])
        for column, text in enumerate([first, *header]):
            sheet.write_string(2, column, text, formats["header"])
        row = 3
        for line in breakdown.rows:
            write_row(sheet, row, [line.label or _("(not given)"), line.cases,
                                   line.screenings, line.total, line.previous, line.change,
                                   _("Yes") if line.flagged else ""], formats)
            row += 1
        totals = breakdown.totals
        write_row(sheet, row, [_("Total"), totals.cases, totals.screenings, totals.total,
                               totals.previous, totals.change, ""], formats, total=True)
    sheet = workbook.add_worksheet(_("Month by month")[:31])
    sheet.set_column(0, 3, 14)
    for column, text in enumerate([_("Month"), _("Cases"), _("Screening records"),
                                   _("Disputes in all")]):
        sheet.write_string(0, column, text, formats["header"])
    for index, (month, point) in enumerate(zip(context["trend_labels"], result.trend,
                                               strict=True), start=1):
        write_row(sheet, index, [month, point.cases, point.screenings, point.total], formats)
    sheet = workbook.add_worksheet(_("Watch list")[:31])
    sheet.set_column(0, 6, 16)
    sheet.set_column(4, 4, 50)
    for column, text in enumerate([_("Date found"), _("Town"), _("Place"), _("Dispute type"),
                                   _("What the dispute is about"), _("Risk level"),
                                   _("Escalation risk")]):
        sheet.write_string(0, column, text, formats["header"])
    for index, item in enumerate(context["watch"], start=1):
        screening = item["screening"]
        flags = "、".join(str(text) for text, on in (
            (_("May turn criminal"), screening.criminal_risk),
            (_("May lead to a group incident"), screening.group_risk)) if on)
        write_row(sheet, index, [screening.screened_on.isoformat(), item["town"],
                                 item["place"], item["type"], screening.summary,
                                 str(screening.risk_level.label), flags], formats)
    sheet = workbook.add_worksheet(_("Prevented escalation")[:31])
    sheet.set_column(0, 4, 18)
    for column, text in enumerate([_("Case number"), _("Closed on"), _("Dispute type"),
                                   _("Prevented a criminal case"),
                                   _("Prevented a group incident")]):
        sheet.write_string(0, column, text, formats["header"])
    for index, case in enumerate(context["prevented"], start=1):
        write_row(sheet, index, [case.number or "", case.closed_on.isoformat()
                                 if case.closed_on else "", case.dispute_type.name,
                                 _("Yes") if case.prevented_criminal else "",
                                 _("Yes") if case.prevented_group else ""], formats)
    workbook.close()
    period = context["period"]
    ascii_name = f"mediation-risk-{period.kind}-{period.year}-{period.number}.xlsx"
    return xlsx_response(output.getvalue(), ascii_name,
                         _("Dispute risk analysis %(period)s", period=label) + ".xlsx")


# --- case subsidies ----------------------------------------------------------------------


def last_month(day: date) -> tuple[date, date]:
    first_this = day.replace(day=1)
    end = date.fromordinal(first_this.toordinal() - 1)
    return end.replace(day=1), end


def _subsidy_period() -> tuple[date, date, str | None]:
    """``from``/``to`` of the query (both days included), default last month."""
    start, end = last_month(today())
    raw_from, raw_to = request.args.get("from", "").strip(), request.args.get("to", "").strip()
    if not raw_from and not raw_to:
        return start, end, None
    try:
        asked_from, asked_to = date.fromisoformat(raw_from), date.fromisoformat(raw_to)
    except ValueError:
        return start, end, _("Enter both dates as YYYY-MM-DD; showing last month.")
    if asked_from > asked_to:
        return start, end, _("The period ends before it starts; showing last month.")
    return asked_from, asked_to, None


def _result_of(status: CaseStatus, before_archive: CaseStatus | None,
               agreement_kind: Any) -> str | None:
    outcome = before_archive if status is CaseStatus.ARCHIVED else status
    if outcome is CaseStatus.AGREED:
        return pay.ORAL if agreement_kind is AgreementKind.ORAL else pay.WRITTEN
    return {CaseStatus.FAILED: pay.FAILED,
            CaseStatus.TERMINATED: pay.TERMINATED}.get(outcome)


def load_closed_cases(start: date, end: date) -> list[pay.ClosedCase]:
    """Cases in the user's scope closed from ``start`` to ``end`` with a paid result (or
    terminated), as plain records."""
    cases = list(db.session.scalars(
        select(Case).where(
            scope_filter(Case.org_unit_id, SUBSIDY_VIEW),
            Case.closed_on >= start, Case.closed_on <= end,
            Case.status.in_([CaseStatus.AGREED, CaseStatus.FAILED, CaseStatus.TERMINATED,
                             CaseStatus.ARCHIVED]))))
    ids = [case.id for case in cases]
    kinds = dict(db.session.execute(
        select(Agreement.case_id, Agreement.kind).where(Agreement.case_id.in_(ids)))
        .all()) if ids else {}
    archived_from = dict(db.session.execute(
        select(StatusChange.case_id, StatusChange.from_status).where(
            StatusChange.case_id.in_(ids),
            StatusChange.to_status == CaseStatus.ARCHIVED)).all()) if ids else {}
    mediators = {m.id: m for m in db.session.scalars(select(Mediator).where(
        Mediator.id.in_({c.mediator_id for c in cases if c.mediator_id})))} if ids else {}
    # A line without a mediator names the case's committee: those read in one query, not
    # one per case.
    unmediated = {c.committee_id for c in cases if c.mediator_id is None}
    committees = dict(db.session.execute(select(Committee.id, Committee.name).where(
        Committee.id.in_(unmediated))).all()) if unmediated else {}
    closed = []
    for case in cases:
        result = _result_of(case.status, archived_from.get(case.id), kinds.get(case.id))
        if result is None:
            continue
        mediator = mediators.get(case.mediator_id)
        closed.append(pay.ClosedCase(
            case_id=case.id, number=case.number or "", closed_on=case.closed_on,
            result=result, difficulty=case.difficulty, mediator_id=case.mediator_id,
            mediator=mediator.name if mediator else "",
            committee=(mediator.committee.name if mediator
                       else committees.get(case.committee_id, "")),
            summary=case.summary))
    return closed


def _subsidy_context() -> dict[str, Any]:
    start, end, error = _subsidy_period()
    settings = mediation_settings().get_all()
    rates = pay.Rates.from_settings(settings)
    table = pay.subsidy_table(load_closed_cases(start, end), rates, start, end)
    return {"table": table, "rates": rates, "start": start, "end": end, "error": error,
            "period_args": {"from": start.isoformat(), "to": end.isoformat()},
            "results": list(RESULT_TITLES.items()), "difficulties": list(Difficulty),
            "case_url": case_url}


@bp.route("/subsidies/", endpoint="subsidies")
@require_permission(SUBSIDY_VIEW)
def subsidies_page():
    return render_template("mediation/analysis/subsidies.html", **_subsidy_context())


@bp.route("/subsidies/cases")
@require_permission(SUBSIDY_VIEW)
def subsidy_cases():
    """Each mediator's counted cases; ``mediator`` (an id, or ``none``) narrows to one."""
    context = _subsidy_context()
    wanted = request.args.get("mediator", "").strip()
    lines = context["table"].lines
    if wanted == "none":
        lines = [line for line in lines if line.mediator_id is None]
    elif wanted:
        lines = [line for line in lines if str(line.mediator_id) == wanted]
    return render_template("mediation/analysis/subsidy_cases.html", **context, lines=lines,
                           mediator=wanted)


@bp.route("/subsidies/export.xlsx")
@require_permission(SUBSIDY_VIEW)
def subsidies_xlsx():
    context = _subsidy_context()
    table: pay.SubsidyTable = context["table"]
    workbook, output, formats = new_workbook()
    period = _("%(start)s to %(end)s", start=table.start.isoformat(), end=table.end.isoformat())
    sheet = workbook.add_worksheet(_("Case subsidies")[:31])
    sheet.set_column(0, 1, 24)
    sheet.set_column(2, 10, 11)
    sheet.set_column(11, 11, 14)
    sheet.write_string(0, 0, _("Case subsidies: %(period)s", period=period),
                       formats["title"])
    header = [_("Mediator"), _("Committee"), *[str(t) for _k, t in context["results"]],
              *[str(d.label) for d in Difficulty], _("Amount (yuan)")]
    for column, text in enumerate(header):
        sheet.write_string(2, column, text, formats["header"])
    row = 3
    for line in table.lines:
        write_row(sheet, row, [line.mediator or _("(no mediator assigned)"), line.committee,
                               *[line.count(key) for key, _t in context["results"]],
                               *[line.by_difficulty(d) for d in Difficulty], line.amount],
                  formats)
        row += 1
    write_row(sheet, row, [_("Total"), "", *[table.count(key) for key, _t in context["results"]],
                           *[table.by_difficulty(d) for d in Difficulty], table.total],
              formats, total=True)
    rates = context["rates"]
    row += 2
    sheet.write_string(row, 0, _("Rates"), formats["header"])
    for difficulty in Difficulty:
        row += 1
        write_row(sheet, row, [str(difficulty.label), rates.by_difficulty[difficulty]], formats)
    write_row(sheet, row + 1, [_("Oral agreements: share of the rate (%)"),
                               int(rates.oral_share)], formats)
    write_row(sheet, row + 2, [_("Cases without agreement: share of the rate (%)"),
                               int(rates.failed_share)], formats)
    cases = workbook.add_worksheet(_("Cases")[:31])
    cases.set_column(0, 2, 22)
    cases.set_column(3, 8, 12)
    for column, text in enumerate([_("Mediator"), _("Committee"), _("Case number"),
                                   _("Closed on"), _("Result"), _("Difficulty"),
                                   _("Rate (yuan)"), _("Share of the rate"), _("Amount (yuan)")]):
        cases.write_string(0, column, text, formats["header"])
    row = 1
    for line in table.lines:
        for paid in line.cases:
            write_row(cases, row, [line.mediator or _("(no mediator assigned)"),
                                   line.committee, paid.case.number,
                                   paid.case.closed_on.isoformat(),
                                   str(RESULT_TITLES[paid.case.result]),
                                   str(paid.case.difficulty.label), paid.rate,
                                   int(paid.share), paid.amount], formats)
            row += 1
    workbook.close()
    ascii_name = f"mediation-subsidies-{table.start.isoformat()}-{table.end.isoformat()}.xlsx"
    return xlsx_response(output.getvalue(), ascii_name,
                         _("Case subsidies %(period)s", period=period) + ".xlsx")
