"""Migration checks for a plugin's own Alembic branch."""

from __future__ import annotations

from flask import Flask

from core import migrate
from core.db import db


def branch_tables(app: Flask, branch: str) -> set[str]:
    """The tables in the database named ``<branch>_…``."""
    with app.app_context():
        return {name for name in db.inspect(db.engine).get_table_names()
                if name.startswith(f"{branch}_")}


def assert_branch_reversible(app: Flask, branch: str) -> list[str]:
    """Downgrade ``branch`` to its base (every one of its tables must go), then upgrade to
    every head again (they must all return). Returns the branch's tables.

    Run it on the test database (the ``app`` fixture): the data of the branch is dropped,
    which the fixtures' clean-up does after every test anyway.
    """
    before = branch_tables(app, branch)
    assert before, f"no table named {branch}_… in the database: is the branch migrated?"
    with app.app_context():
        db.session.remove()
        migrate.downgrade(f"{branch}@base")
    left = branch_tables(app, branch)
    assert not left, f"downgrade of {branch} to base left tables behind: {sorted(left)}"
    with app.app_context():
        migrate.upgrade()
    again = branch_tables(app, branch)
    assert again == before, f"upgrade after downgrade gave {sorted(again)}, not {sorted(before)}"
    return sorted(before)


def branch_heads(app: Flask) -> list[str]:
    """The head revisions of every branch the app knows (core's and each loaded plugin's)."""
    with app.app_context():
        return migrate.heads()
