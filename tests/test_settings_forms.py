"""Core's generic settings form: a marshmallow schema rendered, validated and stored."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from flask import Flask
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from core.db import db
from core.sdk import tenant_context
from core.settings import TenantSetting, tenant_settings
from core.settings_forms import (
    UnsupportedSettingField,
    audit_details,
    defaults_shown,
    save_settings,
    settings_form,
)

from conftest import TenantFixture


def _no_weekend(value: dt.date) -> None:
    if value.weekday() >= 5:
        raise ValidationError("Pick a working day.")


class Sample(Schema):
    seats = fields.Integer(required=True, validate=validate.Range(min=1, max=9),
                           metadata={"label": "Seats", "description": "How many seats."})
    ratio = fields.Float(load_default=0.5, validate=validate.Range(min=0, max=1))
    fee = fields.Decimal(places=2, load_default=Decimal("10.00"))
    motto = fields.String(load_default="", validate=validate.Length(max=20))
    colour = fields.String(load_default="red", validate=validate.OneOf(["red", "blue"]),
                           metadata={"choices_labels": {"red": "Red ink", "blue": "Blue ink"}})
    email = fields.Email(load_default=None, allow_none=True)
    loud = fields.Boolean(load_default=False)
    start = fields.Date(load_default=None, allow_none=True, validate=_no_weekend)
    days = fields.List(fields.String(validate=validate.OneOf(["mon", "tue", "wed"])),
                       load_default=lambda: ["mon"],
                       metadata={"choices_labels": ["Monday", "Tuesday", "Wednesday"]})


def tag(html: str, name: str) -> str:
    """The opening tag of the control named ``name``."""
    match = re.search(rf'<(input|select)[^>]*name="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


def block(html: str, name: str) -> str:
    """The form group (label, control, help, errors) of the control named ``name``."""
    start = html.index(tag(html, name))
    end = html.find('<div class="mb-3">', start)
    return html[start:end if end != -1 else len(html)]


def render(form) -> str:
    return "".join(str(field()) for field in form)


def test_each_field_type_becomes_the_matching_control(app: Flask) -> None:
    with app.test_request_context():
        form = settings_form(Sample, Sample().load({"seats": 3}))
        html = render(form)
        assert 'type="number"' in tag(html, "seats")
        assert 'min="1"' in tag(html, "seats") and 'max="9"' in tag(html, "seats")
        assert 'value="3"' in tag(html, "seats")
        assert form.seats.flags.required and not form.motto.flags.required
        assert str(form.seats.label.text) == "Seats"
        assert str(form.seats.description) == "How many seats."
        assert str(form.ratio.label.text) == "ratio"  # no label in metadata: the name
        assert 'step="any"' in tag(html, "ratio")
        assert 'maxlength="20"' in tag(html, "motto")
        assert 'type="email"' in tag(html, "email")
        assert 'type="checkbox"' in tag(html, "loud")
        assert 'type="date"' in tag(html, "start")
        assert 'multiple' in tag(html, "days")
        assert '<option selected value="mon">Monday</option>' in html
        assert '<option selected value="red">Red ink</option>' in html
        assert form.fee.data == Decimal("10.00")


def test_defaults_are_shown_as_people_read_them(app: Flask) -> None:
    with app.test_request_context():
        shown = defaults_shown(Sample)
    assert shown["colour"] == "Red ink" and shown["days"] == "Monday"
    assert shown["ratio"] == "0.5" and "email" not in shown and "seats" not in shown


def test_unsupported_fields_are_refused_when_the_form_is_built(app: Flask) -> None:
    class Odd(Schema):
        blob = fields.Dict()

    with app.test_request_context(), pytest.raises(UnsupportedSettingField, match="blob"):
        settings_form(Odd, {})


@pytest.fixture
def sample_settings(app: Flask, tenant_a: TenantFixture):
    def post(data: dict):
        with app.test_request_context(method="POST", data=MultiDict(data)), \
                tenant_context(tenant_a.id):
            proxy = tenant_settings("sample", Sample)
            form = settings_form(Sample, proxy.get_all())
            changed = save_settings(form, proxy)
            db.session.commit()
            return form, changed, proxy.get_all()

    return post


def stored_rows(app: Flask, tenant: TenantFixture) -> dict:
    with app.app_context(), tenant_context(tenant.id):
        from sqlalchemy import select

        return {row.name: row.value for row in db.session.scalars(
            select(TenantSetting).where(TenantSetting.namespace == "sample"))}


def test_a_valid_form_round_trips_dates_decimals_and_lists(app, tenant_a, sample_settings):
    form, changed, values = sample_settings({
        "seats": "4", "ratio": "0.25", "fee": "12.50", "motto": "  公正  ", "colour": "blue",
        "email": "office@example.cn", "loud": "y", "start": "2026-03-02",
        "days": ["tue", "wed"]})
    assert form.errors == {}
    assert values["seats"] == 4 and values["ratio"] == 0.25 and values["fee"] == Decimal("12.50")
    assert values["motto"] == "公正"  # stripped
    assert values["start"] == dt.date(2026, 3, 2) and values["days"] == ["tue", "wed"]
    assert values["loud"] is True and values["colour"] == "blue"
    assert set(changed) == {"seats", "ratio", "fee", "motto", "colour", "email", "loud",
                            "start", "days"}
    # The JSON column holds text for dates and decimals.
    rows = stored_rows(app, tenant_a)
    assert rows["start"] == "2026-03-02" and rows["fee"] == "12.50"

    with app.test_request_context():
        details = audit_details(Sample, changed)
    assert details["start"] == {"old": None, "new": "2026-03-02"}
    assert details["fee"] == {"old": "10.00", "new": "12.50"}


def test_blank_optional_fields_mean_none_or_the_default(app, tenant_a, sample_settings):
    sample_settings({"seats": "2", "ratio": "0.9", "email": "a@example.cn",
                     "start": "2026-03-03"})
    _form, _changed, values = sample_settings({"seats": "2", "ratio": "", "email": "",
                                               "start": ""})
    assert values["ratio"] == 0.5  # back to the default
    assert values["email"] is None and values["start"] is None


def test_every_error_is_shown_beside_its_field_and_nothing_is_stored(app, tenant_a,
                                                                      sample_settings):
    form, changed, values = sample_settings({
        "seats": "12", "ratio": "2", "colour": "green", "email": "nope",
        "start": "2026-03-07", "days": ["sun"], "motto": "x" * 21})
    assert changed is None
    # The form's validators and the schema's own (the weekend check) in one pass.
    assert set(form.errors) >= {"seats", "ratio", "colour", "email", "start", "days", "motto"}
    assert form.start.errors == ["Pick a working day."]
    assert stored_rows(app, tenant_a) == {}
    assert "seats" not in values  # required: no default, and never stored

    with app.test_request_context():
        html = render(form)
    assert 'value="12"' in tag(html, "seats") and 'value="nope"' in tag(html, "email")


def test_a_required_field_left_empty_is_refused(app, tenant_a, sample_settings):
    form, changed, _values = sample_settings({"seats": ""})
    assert changed is None and form.seats.errors
    assert stored_rows(app, tenant_a) == {}
