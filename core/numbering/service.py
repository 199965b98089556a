"""Issue gap-free document numbers: （2026）剑人调字第12号.

A number is taken inside the caller's transaction: the counter row stays locked until the
caller commits (the number is kept) or rolls back (the number is given back, so the next
caller gets it and the sequence has no gap). Concurrent callers of the same series wait for
each other; different series, years or tenants do not.

Plugins declare their series at import time and issue numbers in their own transaction::

    register_series("mediation.case", "（{year}）{abbr}人调字第{n}号", _l("Mediation case"))
    value, text = issue_number("mediation.case")      # 12, "（2026）剑人调字第12号"

A tenant overrides a series' format and sets its short name (``abbr``) in the settings
namespace ``numbering``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from core.db import db
from core.numbering.models import NumberCounter
from core.settings import SettingsProxy, tenant_settings
from core.tenancy.context import require_tenant_id

NAMESPACE = "numbering"
TIMEZONE = ZoneInfo("Asia/Shanghai")
PLACEHOLDERS = ("year", "abbr", "n")
DEFAULT_FORMAT = "{n}"
MAX_SERIES_LENGTH = 60  # NumberCounter.series is String(60)
MAX_FORMAT_LENGTH = 120
MAX_ABBREVIATION_LENGTH = 20

# Sample values used to try a format before accepting it (catches bad format specs).
_SAMPLE = {"year": 2026, "abbr": "剑", "n": 12}


@dataclass(frozen=True)
class Series:
    key: str
    default_format: str
    title: Any  # usually a lazy string


_registry: dict[str, Series] = {}


# --- formats -----------------------------------------------------------------------------


def format_errors(fmt: str) -> list[str]:
    """Why ``fmt`` is not a usable number format (translated messages); [] when it is."""
    if not isinstance(fmt, str) or not fmt.strip():
        return [_("The format must not be empty.")]
    if len(fmt) > MAX_FORMAT_LENGTH:
        return [_("The format is longer than %(max)d characters.", max=MAX_FORMAT_LENGTH)]
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        return [_("Unbalanced braces: write placeholders as {year}, {abbr} and {n}.")]
    errors: list[str] = []
    names = [name for _text, name, _spec, _conv in parsed if name is not None]
    unknown = sorted({name for name in names if name not in PLACEHOLDERS})
    if unknown:
        errors.append(_("Unknown placeholder(s): %(names)s. Allowed: {year}, {abbr}, {n}.",
                        names=", ".join("{" + name + "}" for name in unknown)))
    if "n" not in names:
        errors.append(_("The format must contain {n}, the number itself."))
    if not errors:
        try:
            fmt.format(**_SAMPLE)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            errors.append(_("The format cannot be applied: check what follows each placeholder."))
    return errors


def validate_format(fmt: str) -> str:
    """``fmt`` unchanged, or marshmallow.ValidationError with the translated reasons."""
    errors = format_errors(fmt)
    if errors:
        raise ValidationError(errors)
    return fmt


def _validate_formats(value: dict[str, str]) -> None:
    # One flat list for the field, each message naming its series, to show beside it.
    messages = [f"{series}: {error}" for series, fmt in sorted(value.items())
                for error in format_errors(fmt)]
    if messages:
        raise ValidationError(messages)


class NumberingSettingsSchema(Schema):
    abbreviation = fields.String(
        load_default="", validate=validate.Length(max=MAX_ABBREVIATION_LENGTH),
        metadata={"label": _l("Short name in document numbers"),
                  "description": _l("Replaces {abbr} in number formats, e.g. 剑.")})
    # series key -> format; a series absent here uses the default its plugin registered.
    formats = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=MAX_SERIES_LENGTH)),
        values=fields.String(), load_default=dict, validate=_validate_formats,
        metadata={"label": _l("Number formats")})


def numbering_settings() -> SettingsProxy:
    return tenant_settings(NAMESPACE, NumberingSettingsSchema)


# --- the registry of series --------------------------------------------------------------


def register_series(series: str, default_format: str = DEFAULT_FORMAT,
                    title: Any = None) -> Series:
    """Declare a series and its default format; call at import time. Idempotent.

    Raises ValueError for a bad key or format, or a key already declared differently.
    """
    _check_series(series)
    errors = format_errors(default_format)
    if errors:
        raise ValueError(f"series {series!r}: bad default format {default_format!r}: "
                         + " ".join(str(e) for e in errors))
    entry = Series(key=series, default_format=default_format,
                   title=series if title is None else title)
    known = _registry.get(series)
    # Plugin modules are imported once per app built (tests build several): same is fine.
    if known is not None and known.default_format != default_format:
        raise ValueError(f"series {series!r} is already registered with format "
                         f"{known.default_format!r}")
    _registry[series] = entry
    return entry


def registered_series() -> list[Series]:
    return sorted(_registry.values(), key=lambda entry: entry.key)


def series_format(series: str) -> str:
    """The format of ``series`` for the current tenant: its setting, else the default."""
    stored = (numbering_settings().get("formats") or {}).get(series)
    if isinstance(stored, str) and not format_errors(stored):
        return stored
    entry = _registry.get(series)
    return entry.default_format if entry is not None else DEFAULT_FORMAT


def _check_series(series: str) -> None:
    if not isinstance(series, str) or not series.strip() or len(series) > MAX_SERIES_LENGTH:
        raise ValueError(f"a series is a non-empty key of at most {MAX_SERIES_LENGTH} "
                         f"characters, got {series!r}")


# --- counters ----------------------------------------------------------------------------


def current_year() -> int:
    """This year in China (a number issued on 31 Dec 23:30 Beijing time is that year's)."""
    return datetime.now(TIMEZONE).year


def next_value(series: str, year: int | None = None) -> int:
    """The next number of ``series`` in ``year`` (default: this year) for the current tenant.

    Runs in the caller's transaction and leaves the counter row locked until it ends: a
    commit keeps the number, a rollback gives it back. Does not commit.
    """
    _check_series(series)
    year = current_year() if year is None else year
    tenant_id = require_tenant_id()
    value = _increment(tenant_id, series, year)
    if value is not None:
        return value
    try:
        # A savepoint, so that losing the race to create the row costs only this insert,
        # not the caller's transaction.
        with db.session.begin_nested():
            db.session.add(NumberCounter(series=series, year=year, last_value=1))
        return 1
    except IntegrityError:
        pass
    # Another transaction created the row (and has committed, or the insert would still be
    # waiting on the unique index): take the next number from it like everyone else.
    value = _increment(tenant_id, series, year)
    if value is None:
        raise RuntimeError(f"number counter {series!r}/{year} vanished while being created")
    return value


def _increment(tenant_id: int, series: str, year: int) -> int | None:
    # One UPDATE ... RETURNING rather than SELECT ... FOR UPDATE then UPDATE: it takes the
    # same row lock on PostgreSQL (and re-reads the row a concurrent committer changed), and
    # it is also correct on SQLite, where a plain SELECT takes no lock and a read-then-write
    # would hand two writers the same number. On SQLite the UPDATE takes the database's
    # write lock, held to the end of the transaction, even when it matches no row.
    statement = (
        update(NumberCounter)
        .where(NumberCounter.tenant_id == tenant_id, NumberCounter.series == series,
               NumberCounter.year == year)
        .values(last_value=NumberCounter.last_value + 1)
        .returning(NumberCounter.last_value)
        .execution_options(synchronize_session="fetch")
    )
    return db.session.execute(statement).scalar_one_or_none()


def format_number(series: str, value: int, year: int) -> str:
    """``value`` written in the current tenant's format of ``series``."""
    abbreviation = numbering_settings().get("abbreviation") or ""
    return series_format(series).format(year=year, abbr=abbreviation, n=value)


def issue_number(series: str, year: int | None = None) -> tuple[int, str]:
    """Take the next number (see :func:`next_value`) and write it out: ``(12, "…第12号")``."""
    year = current_year() if year is None else year
    value = next_value(series, year)
    return value, format_number(series, value, year)


__all__ = [
    "NAMESPACE",
    "NumberingSettingsSchema",
    "Series",
    "current_year",
    "format_errors",
    "format_number",
    "issue_number",
    "next_value",
    "numbering_settings",
    "register_series",
    "registered_series",
    "series_format",
    "validate_format",
]
