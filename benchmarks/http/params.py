"""Statement parameters to JSON and back, so that the ceiling replays exactly the values the
application sent (a ``date`` stays a date, a ``Decimal`` a Decimal: psycopg adapts each type
differently, and a string in place of a date would change the plan or fail)."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

_TAG = "$t"


def encode(value: Any) -> Any:
    """A JSON-able form of a driver parameter (or of a whole parameter dict/sequence)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {_TAG: "dict", "v": {key: encode(item) for key, item in value.items()}}
    if isinstance(value, list | tuple):
        return {_TAG: type(value).__name__, "v": [encode(item) for item in value]}
    # datetime before date: a datetime is a date too.
    if isinstance(value, dt.datetime):
        return {_TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {_TAG: "date", "v": value.isoformat()}
    if isinstance(value, dt.time):
        return {_TAG: "time", "v": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {_TAG: "timedelta", "v": value.total_seconds()}
    if isinstance(value, Decimal):
        return {_TAG: "decimal", "v": str(value)}
    if isinstance(value, uuid.UUID):
        return {_TAG: "uuid", "v": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {_TAG: "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"cannot record a parameter of type {type(value).__name__}: {value!r}")


_DECODERS = {
    "dict": lambda v: {key: decode(item) for key, item in v.items()},
    "list": lambda v: [decode(item) for item in v],
    "tuple": lambda v: tuple(decode(item) for item in v),
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "timedelta": lambda v: dt.timedelta(seconds=v),
    "decimal": Decimal,
    "uuid": uuid.UUID,
    "bytes": base64.b64decode,
}


def decode(value: Any) -> Any:
    """The driver parameter :func:`encode` was given."""
    if isinstance(value, dict):
        return _DECODERS[value[_TAG]](value["v"])
    return value
