"""The targets of issue #8 point 4, the printed tables and docs/benchmarks.md.

The "why / what would fix it" of a missed target comes in two parts: facts the harness
gathers itself (the statement breakdown, the app's time over the ceiling's, the SQL alone
and its slowest statements: where the time goes), and the reasoning, which a person writes
in benchmarks/analysis.md and which is copied into the report as it is. The facts change
with every run; the reasoning is only as good as its author, and a placeholder says so
when it is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from benchmarks.http.measure import PageResult, SizeResult
from benchmarks.http.pages import DETAIL, LIST, STATISTICS
from benchmarks.http.record import PING, READ, SETTING, WRITE

LATENCY_TARGET_MS = 50.0  # p95 of list and detail pages, at the largest size (3,000 tenants)
STATEMENT_TARGET = 10  # SQL statements sent per page
RATIO_TARGET = 0.70  # requests/s over the ceiling's
GROWTH_TARGET = 1.25  # p95 at the largest size over p95 at the smallest
STATISTICS_TARGET_MS = 300.0  # one request of a county's monthly statistics

ANALYSIS = Path(__file__).resolve().parents[1] / "analysis.md"
REGENERATE = ("`make bench`, or `python -m benchmarks.http report` to rebuild this file from the "
              "last results (instance/bench/results.json) after editing benchmarks/analysis.md")


@dataclass(frozen=True)
class Check:
    target: str
    page: str  # page key
    title: str
    tenants: int | None  # None for a comparison across sizes
    value: str
    ok: bool


def _tenants(count: int) -> str:
    return f"{count:,} tenant" + ("" if count == 1 else "s")


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def evaluate(sizes: list[SizeResult]) -> list[Check]:
    """Every target on every page it applies to."""
    checks: list[Check] = []
    if not sizes:
        return checks
    largest = max(sizes, key=lambda size: size.tenants)
    smallest = min(sizes, key=lambda size: size.tenants)
    for size in sizes:
        for page in size.pages:
            for name, result in (("app", page.app), ("ceiling", page.ceiling)):
                if result is not None and result.error_count:
                    # Non-2xx answers or socket errors: the figures measured something else.
                    checks.append(Check(f"the {name} answers every request", page.key,
                                        page.title, size.tenants,
                                        f"{result.error_count} errors {result.errors}", False))
            checks.append(Check(f"≤ {STATEMENT_TARGET} SQL statements", page.key, page.title,
                                size.tenants, str(page.statements),
                                page.statements <= STATEMENT_TARGET))
            if page.ratio is not None:
                checks.append(Check(f"≥ {RATIO_TARGET:.0%} of the ceiling's req/s", page.key,
                                    page.title, size.tenants, f"{page.ratio:.0%}",
                                    page.ratio >= RATIO_TARGET))
            if page.kind == STATISTICS and page.single_ms is not None:
                checks.append(Check(f"one request ≤ {STATISTICS_TARGET_MS:.0f} ms", page.key,
                                    page.title, size.tenants, f"{page.single_ms:.0f} ms",
                                    page.single_ms <= STATISTICS_TARGET_MS))
            if size is largest and page.kind in (LIST, DETAIL) and page.app is not None:
                checks.append(Check(f"p95 ≤ {LATENCY_TARGET_MS:.0f} ms", page.key, page.title,
                                    size.tenants, f"{page.app.p95_ms:.1f} ms",
                                    page.app.p95_ms <= LATENCY_TARGET_MS))
    if largest is not smallest:
        for page in largest.pages:
            small = smallest.page(page.key)
            if small is None or small.app is None or page.app is None:
                continue
            growth = page.app.p95_ms / small.app.p95_ms if small.app.p95_ms else float("inf")
            checks.append(Check(
                f"p95 at {largest.tenants} ≤ {GROWTH_TARGET}× p95 at {smallest.tenants}",
                page.key, page.title, None, f"{growth:.2f}×", growth <= GROWTH_TARGET))
    return checks


# --- the terminal --------------------------------------------------------------------------


def table(size: SizeResult) -> str:
    lines = [f"== {_tenants(size.tenants)}, measured: {', '.join(size.slugs)} ==",
             f"{'page':<20} {'SQL':>4} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} "
             f"{'ceil p50':>9} {'ceil req/s':>10} {'ratio':>6}"]
    for page in size.pages:
        app, ceiling = page.app, page.ceiling
        lines.append(
            f"{page.key:<20} {page.statements:>4} {_fmt(app and app.p50_ms):>8} "
            f"{_fmt(app and app.p95_ms):>8} {_fmt(app and app.rps):>8} "
            f"{_fmt(ceiling and ceiling.p50_ms):>9} {_fmt(ceiling and ceiling.rps):>10} "
            f"{'—' if page.ratio is None else f'{page.ratio:.0%}':>6}")
    return "\n".join(lines)


def check_lines(checks: list[Check]) -> str:
    lines = ["== targets =="]
    for check in checks:
        where = _tenants(check.tenants) if check.tenants is not None else "across sizes"
        lines.append(f"{'ok    ' if check.ok else 'MISSED'}  {check.target:<34} "
                     f"{check.page:<18} {where:<14} {check.value}")
    missed = sum(not check.ok for check in checks)
    lines.append(f"{len(checks) - missed} ok, {missed} missed")
    return "\n".join(lines)


# --- docs/benchmarks.md --------------------------------------------------------------------


def _breakdown(page: PageResult) -> str:
    parts = []
    names = {PING: "pool pre-ping", SETTING: "row-level security SET LOCAL", READ: "queries",
             WRITE: "writes"}
    for kind in (PING, SETTING, READ, WRITE):
        if page.breakdown.get(kind):
            parts.append(f"{page.breakdown[kind]} {names[kind]}")
    return " + ".join(parts)


def _results_table(sizes: list[SizeResult]) -> list[str]:
    head = ["page", "SQL"]
    for size in sizes:
        n = size.tenants
        head += [f"p50 ms @{n}", f"p95 ms @{n}", f"req/s @{n}", f"ceiling req/s @{n}",
                 f"ratio @{n}"]
    comparing = len(sizes) > 1
    if comparing:
        head.append(f"p95 @{sizes[-1].tenants} / @{sizes[0].tenants}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for page in sizes[0].pages:
        row = [f"{page.title}", str(max(size.page(page.key).statements for size in sizes
                                         if size.page(page.key)))]
        for size in sizes:
            found = size.page(page.key)
            app = found.app if found else None
            ceiling = found.ceiling if found else None
            row += [_fmt(app and app.p50_ms), _fmt(app and app.p95_ms), _fmt(app and app.rps),
                    _fmt(ceiling and ceiling.rps),
                    "—" if not found or found.ratio is None else f"{found.ratio:.0%}"]
        if comparing:
            first, last = sizes[0].page(page.key), sizes[-1].page(page.key)
            if first and last and first.app and last.app and first.app.p95_ms:
                row.append(f"{last.app.p95_ms / first.app.p95_ms:.2f}×")
            else:
                row.append("—")
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _facts(sizes: list[SizeResult], checks: list[Check]) -> list[str]:
    """Per page with a missed target, at the largest size: where the time goes."""
    missed: dict[str, list[Check]] = {}
    for check in checks:
        if not check.ok:
            missed.setdefault(check.page, []).append(check)
    if not missed:
        return ["Every target is met."]
    largest = max(sizes, key=lambda size: size.tenants)
    lines: list[str] = []
    for key, page_checks in missed.items():
        page = largest.page(key) or next(s.page(key) for s in sizes if s.page(key))
        lines.append(f"### {page.title}")
        lines.append("")
        lines.append("Missed: " + "; ".join(
            f"{c.target} ({c.value}" + (f" at {_tenants(c.tenants)})" if c.tenants else ")")
            for c in page_checks) + ".")
        lines.append("")
        lines.append(f"- `{page.path}` at {_tenants(largest.tenants)} sends "
                     f"{page.statements} statements per request: {_breakdown(page)}.")
        if page.app and page.ceiling:
            own = page.app.p50_ms - page.ceiling.p50_ms
            lines.append(
                f"- Median latency {page.app.p50_ms:.1f} ms; the ceiling's (same SQL, no app) "
                f"{page.ceiling.p50_ms:.1f} ms; so about {own:.1f} ms per request is the app's "
                f"own work (auth, ORM, templates). The SQL replayed alone, statement by "
                f"statement, takes {page.db_ms:.1f} ms.")
        if page.single_ms is not None:
            lines.append(f"- One request timed alone: {page.single_ms:.0f} ms.")
        if page.top:
            lines.append("- Slowest statements (median when replayed alone):")
            for ms, rows, sql in page.top:
                counted = "" if rows is None else f", {rows} row" + ("" if rows == 1 else "s")
                lines.append(f"  - {ms:.2f} ms{counted}: `{sql}`")
        lines.append("")
    return lines


def markdown(sizes: list[SizeResult], machine: dict[str, str], analysis: str | None) -> str:
    checks = evaluate(sizes)
    when = max(size.measured_at for size in sizes) if sizes else "?"
    lines = [
        "<!-- Generated by `make bench` (benchmarks/http): do not edit by hand; regenerate with "
        "`make bench`, or `python -m benchmarks.http report` after editing "
        "benchmarks/analysis.md. -->",
        "# HTTP benchmarks (issue #8 point 4)",
        "",
        f"Generated on {when}; regenerate with {REGENERATE}. The \"why / what would fix it\" "
        "section is copied from benchmarks/analysis.md: edit that file, not this one.",
        "",
        "The real app (`core.app:create_app()`) runs under gunicorn on 127.0.0.1 and wrk loads "
        "each page; then the ceiling (benchmarks/ceiling.py), a bare Flask + SQLAlchemy Core "
        "app replaying the very statements the page sent (recorded at the driver's cursor, "
        "row-level security's `SET LOCAL` and the pool's pre-ping included), runs with the "
        "same settings. *Ratio* is the app's requests/s over the ceiling's; *SQL* counts every "
        "statement sent per request.",
        "",
        "## Setup",
        "",
        f"- Machine: {machine.get('cores', '?')} cores ({machine.get('cpu', '?')}), "
        f"{machine.get('memory', '?')} memory, Python {machine.get('python', '?')}",
        f"- PostgreSQL {sizes[0].server_version if sizes else '?'} on the same machine",
        f"- Servers: {machine.get('gunicorn', '?')}; the same for the app and the ceiling, "
        "one after the other",
        f"- Load: {machine.get('load', '?')}",
    ]
    for size in sizes:
        lines.append(f"- {_tenants(size.tenants)}: database `{size.database}`, measured "
                     f"{size.measured_at} on tenant(s) {', '.join(size.slugs)} (load average "
                     f"then: {size.load_average or '?'})")
    lines += ["", "## Results", "", *_results_table(sizes), "", "## Targets", "",
              "| target | page | tenants | value | result |", "|---|---|---|---|---|"]
    for check in checks:
        lines.append(f"| {check.target} | {check.title} | "
                     f"{check.tenants if check.tenants is not None else 'both'} | "
                     f"{check.value} | {'ok' if check.ok else '**MISSED**'} |")
    missed = sum(not check.ok for check in checks)
    lines += ["", f"{len(checks) - missed} met, {missed} missed.", "",
              "## Missed targets: the facts (generated)", "",
              "Every statement of every page, with its parameters and its time, is in the "
              "run's recording (instance/bench/recording-<database>.json).", "",
              *_facts(sizes, checks),
              "## Why, and what would fix it (benchmarks/analysis.md)", ""]
    if analysis and analysis.strip():
        lines.append(analysis.strip())
    else:
        lines.append("*Not written yet.* Put the reasoning for each missed target in "
                     "benchmarks/analysis.md and regenerate.")
    return "\n".join(lines).rstrip() + "\n"


def read_analysis(path: Path = ANALYSIS) -> str | None:
    """benchmarks/analysis.md without its HTML comments (the instructions); None when
    nothing else is written there."""
    if not path.exists():
        return None
    text = re.sub(r"<!--.*?-->", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return text.strip() or None
