from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length

from plugins.notices.models import CATEGORY_LABELS, NoticeCategory


class NoticeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    category = SelectField(
        _l("Category"),
        choices=[SelectChoice(c.value, CATEGORY_LABELS[c]) for c in NoticeCategory],
        default=NoticeCategory.NOTICE.value,
    )
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=20000)])
    pinned = BooleanField(_l("Pin to the top"))
