"""The benchmark's databases: ``fatong_bench_<N>`` on the PostgreSQL server, holding N
county tenants made by ``fatong seed-scale``; reused while it still holds N tenants.

As in production, the application connects as a role of its own (``fatong_bench_app``: no
superuser, no BYPASSRLS, owns nothing) so that row-level security applies to every page
measured; migrations and VACUUM run as the server URL's user, the tables' owner.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from core.testing.databases import application_role_url

APP_ROLE = "fatong_bench_app"
YEARS = 1
FATONG = str(Path(sys.executable).with_name("fatong"))


def database_name(tenants: int) -> str:
    return f"fatong_bench_{tenants}"


def owner_url(server_url: str, tenants: int) -> str:
    return make_url(server_url).set(database=database_name(tenants)).render_as_string(
        hide_password=False)


def tenant_count(url: str) -> int | None:
    """How many tenants the database at ``url`` holds; None when it is missing or empty."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text("SELECT count(*) FROM tenants")))
    except DBAPIError:
        return None
    finally:
        engine.dispose()


def _fatong(args: list[str], app_url: str, owner: str) -> None:
    env = {**os.environ, "FATONG_DATABASE_URL": app_url, "FATONG_MIGRATION_DATABASE_URL": owner}
    shown = ["***" if previous == "--password" else arg
             for previous, arg in zip(["", *args], args, strict=False)]
    print("$ fatong " + " ".join(shown), flush=True)
    subprocess.run([FATONG, *args], env=env, check=True)


def prepare(server_url: str, tenants: int, password: str) -> str:
    """Make sure ``fatong_bench_<tenants>`` holds ``tenants`` seeded tenants (else drop,
    create, migrate and seed it), VACUUM ANALYZE it; return the application's URL."""
    owner = owner_url(server_url, tenants)
    name = database_name(tenants)
    found = tenant_count(owner)
    if found == tenants:
        print(f"== {name}: reusing it ({tenants} tenants)", flush=True)
        app_url = application_role_url(owner, APP_ROLE)
    else:
        held = "missing" if found is None else f"{found} tenants"
        print(f"== {name}: building it ({held}, {tenants} wanted)", flush=True)
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        # Creates the role when the server has none yet; the upgrade then grants it what the
        # application needs on the new database's tables.
        app_url = application_role_url(owner, APP_ROLE)
        _fatong(["db", "upgrade"], app_url, owner)
        _fatong(["seed-scale", "--tenants", str(tenants), "--years", str(YEARS),
                 "--password", password], app_url, owner)
    vacuum = create_engine(owner, isolation_level="AUTOCOMMIT")
    try:
        with vacuum.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
    finally:
        vacuum.dispose()
    return app_url


def pick_slugs(url: str, count: int) -> list[str]:
    """``count`` active tenants spread evenly over the database's (by id: creation order)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            slugs = list(connection.scalars(text(
                "SELECT slug FROM tenants WHERE status = 'active' ORDER BY id")))
    finally:
        engine.dispose()
    if not slugs:
        raise LookupError("no active tenant to measure")
    count = max(1, min(count, len(slugs)))
    # The middle of each of `count` equal slices: never only the first tenants seeded.
    return [slugs[(2 * index + 1) * len(slugs) // (2 * count)] for index in range(count)]
