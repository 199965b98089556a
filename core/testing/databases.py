"""Throwaway databases for test runs: a SQLite file, or a scratch PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
