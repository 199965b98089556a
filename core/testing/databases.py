"""Throwaway databases for test runs: a SQLite file, or a scratch PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ENV = "FATONG_TEST_POSTGRES_URL"


@contextmanager
def scratch_database(directory: Path, prefix: str = "fatong_test",
                     before_drop: Callable[[], None] | None = None) -> Iterator[str]:
    """Yield the URL of an empty database, dropped afterwards.

    With ``FATONG_TEST_POSTGRES_URL`` (a server URL) set, a PostgreSQL database named
    ``<prefix>_<pid>_<random>`` is created on that server and dropped with FORCE at the end;
    otherwise a SQLite file in ``directory``. ``before_drop`` lets the caller close its pools.
    """
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        yield f"sqlite:///{directory / (prefix + '.db')}"
        return
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        if before_drop is not None:
            before_drop()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


APPLICATION_ROLE = "fatong_test_app"


def application_role_url(owner_url: str, role: str = APPLICATION_ROLE) -> str:
    """The URL of ``owner_url``'s database for ``role``: a login role without superuser,
    BYPASSRLS or ownership (created when missing; trust authentication on the test
    server), as the application connects in production."""
    from sqlalchemy.exc import DBAPIError

    admin = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :name"),
                                       {"name": role})
            if not exists:
                # A parallel run may create it meanwhile.
                with suppress(DBAPIError):
                    connection.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER '
                                            "NOBYPASSRLS NOCREATEDB NOCREATEROLE"))
    finally:
        admin.dispose()
    return make_url(owner_url).set(username=role, password=None).render_as_string(
        hide_password=False)
