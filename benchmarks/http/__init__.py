"""HTTP benchmark on PostgreSQL (``make bench``, issue #8 point 4).

The real app under gunicorn on loopback, loaded by wrk on the busiest pages, against a bare
Flask + SQLAlchemy Core app replaying the same SQL (benchmarks/ceiling.py) as the ceiling;
at 10 and at 3,000 tenants; prints the tables and writes docs/benchmarks.md.

- ``python -m benchmarks.http run --sizes 10 3000``: build or reuse ``fatong_bench_<N>``
  (databases.py), then measure each and write the report.
- ``python -m benchmarks.http measure --database-url URL --slug S --password P``: one
  database as it is (the demo tenant, for instance).
- ``python -m benchmarks.http report --results FILE``: the report again from saved results
  (after editing benchmarks/analysis.md).

One file per concern: pages.py (what is loaded), record.py (the SQL each page sends),
params.py (its parameters as JSON), serve.py (gunicorn, login), load.py and wrk.lua (wrk),
measure.py (one database), databases.py (the sized databases), report.py (targets, tables,
markdown).
"""
