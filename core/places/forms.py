"""The place form. Checks beyond the form's own are the API's (core.places.api.validate)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from core.places.models import PLACE_KIND_LABELS, PlaceKind


def _int_or_none(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None  # a forged value: "no unit" is then refused as not a choice


class PlaceForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, PLACE_KIND_LABELS[k])
                                            for k in PlaceKind],
                       default=PlaceKind.VILLAGE.value)
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    town = StringField(_l("Town (乡镇/街道)"), validators=[Optional(), Length(max=100)])
    org_unit_id = SelectField(_l("Responsible unit"), coerce=_int_or_none,
                              validators=[Optional()])
    code = StringField(_l("Code"), validators=[Optional(), Length(max=40)])
    address = StringField(_l("Street address"), validators=[Optional(), Length(max=200)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=50)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=30)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])

    FIELDS = ("kind", "name", "town", "org_unit_id", "code", "address", "contact_name",
              "contact_phone", "notes")

    def values(self) -> dict[str, object]:
        """The submitted values, keyed as the API's fields."""
        return {name: self[name].data for name in self.FIELDS}
