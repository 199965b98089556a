from __future__ import annotations

from flask import Blueprint, current_app, g, render_template
from flask_login import current_user

from core.tenancy.web import current_hooks

bp = Blueprint("home", __name__, url_prefix="/t/<tenant>")


@bp.route("/")
def index():
    cards = [card for batch in current_hooks().dashboard_cards(tenant=g.tenant, user=current_user)
             for card in (batch or [])]
    cards.sort(key=lambda card: card.weight)
    manager = current_app.extensions["fatong.plugins"]
    modules = [record for record in manager.toggleable() if record.name in g.enabled_plugins]
    return render_template("home/index.html", cards=cards, modules=modules)
