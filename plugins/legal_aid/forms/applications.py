"""The new-application form (申请 or 通知): the applicant (found in the people registry or
registered), the matter, the eligibility facts and the materials received.

Choices that depend on the tenant or the user (org units, people found by a search) are
filled in by the view before validation.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.sdk import Gender, people
from plugins.legal_aid.eligibility import Route
from plugins.legal_aid.forms.intake import (
    REQUIRED,
    CaseDetailsMixin,
    FactsMixin,
    blank,
    date_not_future,
    options,
)
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models.enums import choices

MAX_MATERIALS = 20


class MaterialRow(Form):
    """One material received with the application (a plain ``Form``: the page's CSRF token
    covers the rows)."""

    received = BooleanField(_l("Received"))
    name = StringField(_l("Material"), validators=[Optional(), Length(max=100)])
    copies = IntegerField(_l("Copies"), default=1,
                          validators=[Optional(), NumberRange(min=1, max=100)])


class ApplicationForm(CaseDetailsMixin, FactsMixin, FlaskForm):
    route = SelectField(_l("How the case came in"), choices=options(choices(Route)),
                        default=Route.APPLY.value)
    notifying_organ = StringField(_l("Notifying court, procuratorate or police"),
                                  validators=[Optional(), Length(max=100)],
                                  render_kw={"placeholder": _l("e.g. 剑阁县人民法院")})
    notice_number = StringField(_l("Notice number"), validators=[Optional(), Length(max=60)])
    notice_received_on = DateField(_l("Notice received on"),
                                   validators=[Optional(), date_not_future])
    received_on = DateField(_l("Application received on"),
                            validators=[DataRequired(REQUIRED), date_not_future])
    org_unit_id = SelectField(_l("Registered at"), coerce=int,
                              validators=[DataRequired(REQUIRED)])
    category = SelectField(_l("Category"), choices=options(blank() + choices(MatterCategory)),
                           validators=[DataRequired(REQUIRED)], default="")
    consultation_id = HiddenField()

    # The applicant: a registered person, or a new one.
    lookup = StringField(_l("Find a registered person"), validators=[Length(max=100)],
                         render_kw={"autocomplete": "off",
                                    "placeholder": _l("Name, ID number or phone")})
    person_id = SelectField(_l("Registered person"), choices=[], validate_choice=False,
                            default="")
    name = StringField(_l("Full name"), validators=[Length(max=100)])
    gender = SelectField(_l("Gender"), choices=[], default="")
    id_type = SelectField(_l("Type of document"), choices=[], default="resident_id")
    id_number = StringField(_l("Document number"), validators=[Length(max=40)],
                            render_kw={"autocomplete": "off", "spellcheck": "false"})
    birth_date = DateField(_l("Date of birth"), validators=[Optional(), date_not_future])
    phone = StringField(_l("Phone"), validators=[Length(max=40)],
                        render_kw={"autocomplete": "off"})
    address = StringField(_l("Address"), validators=[Length(max=500)])

    materials = FieldList(FormField(MaterialRow), min_entries=1, max_entries=MAX_MATERIALS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gender.choices = options(blank(_l("(from the ID number)"))
                                      + [(g.value, g.label) for g in Gender])
        self.id_type.choices = options((t.value, t.label) for t in people.IdType)

    @property
    def notified(self) -> bool:
        return self.route.data == Route.NOTIFIED.value

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        ok = self.check_facts() and ok
        if self.notified:
            if not (self.notifying_organ.data or "").strip():
                self.notifying_organ.errors = [*self.notifying_organ.errors,
                                               _l("Name the organ that sent the notice.")]
                ok = False
            if not self.notice_received_on.data:
                self.notice_received_on.errors = [*self.notice_received_on.errors,
                                                  _l("Enter when the notice was received.")]
                ok = False
        if not self.person_id.data and not (self.name.data or "").strip():
            self.name.errors = [*self.name.errors,
                                _l("Choose a registered person or enter the applicant's "
                                   "name.")]
            ok = False
        for entry in self.materials:
            row = entry.form
            if row.received.data and not (row.name.data or "").strip():
                row.name.errors = [*row.name.errors, _l("Name the material received.")]
                ok = False
        return ok
