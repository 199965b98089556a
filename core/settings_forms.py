"""A settings form from a marshmallow schema: core renders every module's settings.

A plugin describes its tenant settings with a marshmallow schema (``PluginInfo.settings_schema``)
and gets a validated, audited settings page without writing one. This module turns the schema
into a Flask-WTF form (:func:`settings_form`) and saves the form back through the schema
(:func:`save_settings`). Which field types and ``metadata`` keys are understood is documented
in docs/plugin-settings.md.

Validation happens twice: the form's WTForms validators (mirroring Range, Length, OneOf,
Email and ``required``; their messages are translated) and then the schema's own ``load``,
whose errors are put beside their fields. Nothing is stored unless both pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from marshmallow import Schema, ValidationError, fields, missing, validate
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms import validators as wtv
from wtforms.fields import Field, SelectChoice

from core.masking import mask
from core.settings import SettingsProxy, to_json

#: ``metadata`` keys the renderer reads (see docs/plugin-settings.md).
LABEL = "label"
DESCRIPTION = "description"
CHOICES_LABELS = "choices_labels"
PERSONAL = "personal"


class UnsupportedSettingField(TypeError):
    """A schema field the generic form cannot render; a plugin author's mistake."""


# --- schema -> form ----------------------------------------------------------------------


def _validators_of(field: fields.Field, kind: type) -> list:
    return [v for v in field.validators if isinstance(v, kind)]


def _choices(field: fields.Field) -> tuple[list[Any], list[Any]] | None:
    """(values, labels) of a OneOf on the field (or ContainsOnly/OneOf on a list's items)."""
    candidates = [*_validators_of(field, validate.OneOf),
                  *_validators_of(field, validate.ContainsOnly)]
    if isinstance(field, fields.List):
        candidates += _validators_of(field.inner, validate.OneOf)
    if not candidates:
        return None
    found = candidates[0]
    values = list(found.choices)
    labels = field.metadata.get(CHOICES_LABELS)
    if isinstance(labels, Mapping):
        labels = [labels.get(value, value) for value in values]
    elif labels is None:
        labels = list(found.labels) if any(found.labels) else values
    return values, list(labels)


def _is_email(field: fields.Field) -> bool:
    return isinstance(field, fields.Email) or bool(_validators_of(field, validate.Email))


def _range_validators(field: fields.Field, integer: bool) -> list:
    result = []
    for found in _validators_of(field, validate.Range):
        low, high = found.min, found.max
        if integer:  # exclusive bounds of whole numbers are inclusive ones off by one
            low = low + 1 if low is not None and not found.min_inclusive else low
            high = high - 1 if high is not None and not found.max_inclusive else high
        result.append(wtv.NumberRange(min=low, max=high))
    return result


def _length_validators(field: fields.Field) -> list:
    result = []
    for found in _validators_of(field, validate.Length):
        low, high = (found.equal, found.equal) if found.equal is not None else (found.min,
                                                                                 found.max)
        result.append(wtv.Length(min=-1 if low is None else low, max=-1 if high is None else high))
    return result


class _EmailCheck:
    """WTForms' Email validator needs the email_validator package; marshmallow's does not."""

    def __call__(self, form: Any, field: Field) -> None:
        try:
            validate.Email()(field.data or "")
        except ValidationError as exc:
            raise wtv.ValidationError(_("Enter a valid email address.")) from exc


def _coerce_for(field: fields.Field) -> Callable[[Any], Any]:
    target = field.inner if isinstance(field, fields.List) else field
    base: Callable[[Any], Any] = int if isinstance(target, fields.Integer) else str

    def coerce(value: Any) -> Any:
        # The blank choice of an optional select must not fail int("").
        return None if value in ("", None) else base(value)

    return coerce


def _label_of(name: str, field: fields.Field) -> Any:
    return field.metadata.get(LABEL) or name


def _form_field(name: str, field: fields.Field) -> Any:
    """The unbound WTForms field for one schema field."""
    label = _label_of(name, field)
    description = field.metadata.get(DESCRIPTION, "")
    presence = [wtv.InputRequired()] if field.required else [wtv.Optional()]
    choices = _choices(field)
    common = {"label": label, "description": description}

    if isinstance(field, fields.List):
        if choices is None or not isinstance(field.inner, fields.String | fields.Integer):
            raise UnsupportedSettingField(
                f"setting {name!r}: a List needs String or Integer items limited by OneOf")
        values, labels = choices
        return SelectMultipleField(
            choices=[SelectChoice(v, lab) for v, lab in zip(values, labels, strict=True)],
            coerce=_coerce_for(field),
            validators=[wtv.InputRequired()] if field.required else [], **common)
    if isinstance(field, fields.Boolean):
        return BooleanField(**common)
    if choices is not None:
        values, labels = choices
        options = [SelectChoice(v, lab) for v, lab in zip(values, labels, strict=True)]
        if not field.required and (field.allow_none or field.load_default is missing):
            options.insert(0, SelectChoice("", "—"))
        return SelectField(choices=options, coerce=_coerce_for(field),
                           validators=presence, **common)
    if isinstance(field, fields.Integer):
        return IntegerField(validators=[*presence, *_range_validators(field, True)], **common)
    if isinstance(field, fields.Decimal):
        places = None if field.places is None else -field.places.as_tuple().exponent
        return DecimalField(validators=[*presence, *_range_validators(field, False)],
                            places=places, **common)
    if isinstance(field, fields.Float):
        return FloatField(validators=[*presence, *_range_validators(field, False)],
                          render_kw={"step": "any"}, **common)
    if isinstance(field, fields.DateTime):
        raise UnsupportedSettingField(f"setting {name!r}: DateTime is not supported, use Date")
    if isinstance(field, fields.Date):
        return DateField(validators=presence, **common)
    if isinstance(field, fields.String):
        checks = [*presence, *_length_validators(field)]
        if _is_email(field):
            return EmailField(validators=[*checks, _EmailCheck()], filters=[_strip], **common)
        return StringField(validators=checks, filters=[_strip], **common)
    raise UnsupportedSettingField(
        f"setting {name!r}: {type(field).__name__} fields cannot be rendered")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


@cache
def settings_form_class(schema_cls: type[Schema]) -> type[FlaskForm]:
    """The FlaskForm subclass for a schema, one field per schema field in declared order."""
    schema = schema_cls()
    attributes = {name: _form_field(name, field) for name, field in schema.fields.items()
                  if not field.dump_only}
    return type(f"{schema_cls.__name__}Form", (FlaskForm,), attributes)


def settings_form(schema_cls: type[Schema], values: Mapping[str, Any] | None = None,
                  formdata: Any = None) -> FlaskForm:
    """A form for ``schema_cls`` showing ``values`` (the stored settings, defaults included).

    ``formdata`` None means Flask-WTF's default: the request's form when one was submitted.
    """
    form_cls = settings_form_class(schema_cls)
    kwargs: dict[str, Any] = {"data": dict(values or {})}
    if formdata is not None:
        kwargs["formdata"] = formdata
    return form_cls(**kwargs)


# --- form -> stored settings ---------------------------------------------------------------


def _blank(form_field: Field) -> bool:
    raw = form_field.raw_data
    return bool(raw) and isinstance(raw[0], str) and not raw[0].strip()


def submitted_values(form: FlaskForm, schema_cls: type[Schema],
                     skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The form's input as the schema loads it (serialized), without the ``skip`` fields.

    A blank optional field means "no value": None where the field allows it, else its
    default. A field absent from the submission keeps the value the form was built with.
    """
    schema = schema_cls()
    values: dict[str, Any] = {}
    for name, field in schema.fields.items():
        form_field = getattr(form, name, None)
        if form_field is None or field.dump_only or name in skip:
            continue
        value = form_field.data
        if not isinstance(field, fields.Boolean | fields.List) and _blank(form_field):
            if field.allow_none:
                value = None
            elif field.load_default is not missing:
                value = field.load_default() if callable(field.load_default) \
                    else field.load_default
        if isinstance(field, fields.List) and value is None:
            value = []
        values[name] = None if value is None else to_json(field, value)
    return values


def add_schema_errors(form: FlaskForm, messages: Mapping[str, Any]) -> list[str]:
    """Put marshmallow's messages beside their fields; returns the ones with no field."""
    leftover = []
    for name, found in messages.items():
        texts = _flatten(found)
        target = getattr(form, name, None) if name != "_schema" else None
        if target is None:
            leftover.extend(texts)
        else:
            target.errors = [*target.errors, *texts]
    return leftover


def _flatten(found: Any) -> list[str]:
    if isinstance(found, Mapping):  # a list field's per-item errors
        return [text for value in found.values() for text in _flatten(value)]
    if isinstance(found, list | tuple):
        return [text for value in found for text in _flatten(value)]
    return [str(found)]


def save_settings(form: FlaskForm, proxy: SettingsProxy) -> dict[str, tuple[Any, Any]] | None:
    """Validate the submitted form and store it; {name: (old, new)} of what changed.

    None when anything is invalid: every message is beside its field (those belonging to
    no field are added to ``form.form_errors``) and nothing was written. The schema checks
    the fields the form's own validators let through in the same pass, so all mistakes
    show at once. The caller checks that the request is a submission (POST) and commits.
    """
    form_ok = form.validate()
    failed = frozenset(name for name, errors in form.errors.items() if errors)
    values = submitted_values(form, proxy.schema, skip=failed)
    schema_errors = proxy.schema().validate(values, partial=True)
    if schema_errors or not form_ok:
        form.form_errors.extend(add_schema_errors(form, schema_errors))
        return None
    try:
        return proxy.set_many(values)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, Mapping) else {"_schema": exc.messages}
        form.form_errors.extend(add_schema_errors(form, messages))
        return None


# --- showing and auditing ----------------------------------------------------------------


def display_value(field: fields.Field, value: Any) -> str:
    """A value as a person reads it: choice labels, yes/no, ISO dates; '' for nothing."""
    if value is None or value == "" or value == []:
        return ""
    choices = _choices(field)
    if choices is not None:
        labels = {v: str(label) for v, label in zip(*choices, strict=True)}
        items = value if isinstance(value, list | tuple) else [value]
        return "、".join(labels.get(item, str(item)) for item in items)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def defaults_shown(schema_cls: type[Schema]) -> dict[str, str]:
    """Field name -> its default as text, for the fields that have a visible default."""
    shown = {}
    schema = schema_cls()
    defaults = SettingsProxy("", schema_cls).defaults()
    for name, field in schema.fields.items():
        text = display_value(field, defaults.get(name))
        if text:
            shown[name] = text
    return shown


def audit_details(schema_cls: type[Schema],
                  changed: Mapping[str, tuple[Any, Any]]) -> dict[str, dict[str, Any]]:
    """{name: {"old", "new"}} as JSON, masked where ``metadata["personal"]`` names a kind."""
    schema = schema_cls()
    details = {}
    for name, (old, new) in changed.items():
        field = schema.fields[name]
        kind = field.metadata.get(PERSONAL)
        pair = {}
        for key, value in (("old", old), ("new", new)):
            stored = None if value is None else to_json(field, value)
            pair[key] = mask(stored, kind) if kind else stored
        details[name] = pair
    return details
