"""The mediation line's pages, one module per subject, all on the ``mediation`` blueprint
(mounted at ``/t/<slug>/mediation/``)."""

from flask import Blueprint

bp = Blueprint("mediation", __name__, template_folder="../templates")

# Imported for their routes.
from plugins.mediation.views import (  # noqa: E402, F401
    analysis,
    case_actions,
    cases,
    committees,
    screening,
)
