"""The legal aid line's pages, one module per subject, all on the ``legal_aid`` blueprint
(mounted at ``/t/<slug>/legal_aid/``).

AidCase workflow steps are *actions* (``views/actions.py``): each area of the case page
registers its own in ``actions_*.py`` with its form, permission, handler and when it is
offered; one route posts them all.
"""

from flask import Blueprint

bp = Blueprint("legal_aid", __name__, template_folder="../templates")

# Imported for their routes and actions.
from plugins.legal_aid.views import (  # noqa: E402, F401
    actions,
    actions_assignment,
    actions_closure,
    actions_decision,
    actions_intake,
    actions_quality,
    applications,
    cases,
    consultations,
    providers,
    quality,
    subsidies,
)

actions.register_routes()
