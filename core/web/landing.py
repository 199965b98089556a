"""The public landing page: where a bureau's staff find their login."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

bp = Blueprint("landing", __name__)

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@bp.route("/", methods=["GET", "POST"])
def index():
    slug = ""
    if request.method == "POST":
        slug = (request.form.get("slug") or "").strip().lower()
        if SLUG_RE.match(slug):
            return redirect(url_for("auth.login", tenant=slug))
        flash(_("Enter your bureau's address code: lowercase letters, digits or hyphens."),
              "danger")
    return render_template("landing.html", slug=slug)
