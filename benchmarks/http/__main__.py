"""``python -m benchmarks.http run|measure|report`` (see benchmarks/http/__init__.py).

Exit status 1 when a target is missed, as the in-process benchmarks do; the report is
written first.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "benchmarks.md"
WORKDIR = Path(os.environ.get("BENCH_WORKDIR") or ROOT / "instance" / "bench")
SERVER = os.environ.get("PG_SERVER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = os.environ.get("BENCH_PASSWORD", "Fatong@2026")


def _finish(sizes: list, machine: dict[str, str], results_file: Path,
            docs: Path | None) -> int:
    from benchmarks.http import report

    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.write_text(json.dumps(
        {"machine": machine, "sizes": [size.to_json() for size in sizes]},
        ensure_ascii=False, indent=1), encoding="utf-8")
    print()
    for size in sizes:
        print(report.table(size))
        print()
    checks = report.evaluate(sizes)
    print(report.check_lines(checks))
    print(f"results: {results_file}")
    if docs is not None:
        docs.write_text(report.markdown(sizes, machine, report.read_analysis()),
                        encoding="utf-8")
        print(f"report: {docs}")
    return 1 if any(not check.ok for check in checks) else 0


def run(args: argparse.Namespace) -> int:
    from benchmarks.http import databases
    from benchmarks.http.measure import machine, measure

    sizes = []
    for tenants in sorted(args.sizes):
        app_url = databases.prepare(args.server, tenants, args.password)
        slugs = databases.pick_slugs(app_url, args.tenants_measured)
        sizes.append(measure(app_url, slugs, args.password, args.workdir))
    return _finish(sizes, machine(), args.workdir / "results.json", args.docs)


def measure_one(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from benchmarks.http.measure import machine, measure

    size = measure(args.database_url, args.slug, args.password, args.workdir)
    name = make_url(args.database_url).database
    return _finish([size], machine(), args.workdir / f"results-{name}.json", args.docs)


def regenerate(args: argparse.Namespace) -> int:
    from benchmarks.http.measure import SizeResult

    data = json.loads(args.results.read_text(encoding="utf-8"))
    sizes = [SizeResult.from_json(size) for size in data["sizes"]]
    return _finish(sizes, data["machine"], args.results, args.docs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run_parser = commands.add_parser("run", help="build or reuse the sized databases, "
                                                 "measure each, write the report")
    run_parser.add_argument("--sizes", type=int, nargs="+",
                            default=[int(n) for n in os.environ.get("BENCH_SIZES",
                                                                    "10 3000").split()])
    run_parser.add_argument("--server", default=SERVER, help="PostgreSQL server URL")
    run_parser.add_argument("--tenants-measured", type=int,
                            default=int(os.environ.get("BENCH_TENANTS", "1")),
                            help="tenants loaded per database (requests rotate over them)")
    run_parser.add_argument("--docs", type=Path, default=DOCS)
    run_parser.set_defaults(handler=run)

    measure_parser = commands.add_parser("measure", help="measure one database as it is")
    measure_parser.add_argument("--database-url", required=True,
                                help="the application's URL (its role, under RLS)")
    measure_parser.add_argument("--slug", action="append", required=True,
                                help="a tenant to load (repeat for several)")
    measure_parser.add_argument("--docs", type=Path, default=None,
                                help="also write the markdown report there")
    measure_parser.set_defaults(handler=measure_one)

    report_parser = commands.add_parser("report", help="print and write the report again "
                                                       "from saved results")
    report_parser.add_argument("--results", type=Path, default=WORKDIR / "results.json")
    report_parser.add_argument("--docs", type=Path, default=DOCS)
    report_parser.set_defaults(handler=regenerate)

    for sub in (run_parser, measure_parser):
        sub.add_argument("--password", default=PASSWORD,
                         help="the seeded accounts' password (env BENCH_PASSWORD)")
        sub.add_argument("--workdir", type=Path, default=WORKDIR,
                         help="recordings, server logs and results")
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
