"""List, read, write and remove notices."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from core.sdk import db, has_permission, require_permission
from plugins.notices.forms import NoticeForm
from plugins.notices.models import Notice, NoticeCategory
from plugins.notices.plugin import MANAGE, VIEW
from plugins.notices.settings import notices_settings

bp = Blueprint("notices", __name__, template_folder="templates")


def _notice_or_404(notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        abort(404)
    return notice


@bp.route("/")
@require_permission(VIEW)
def index():
    settings = notices_settings().get_all()
    page_size = settings["page_size"]
    page = max(request.args.get("page", 1, type=int), 1)
    category = request.args.get("category") or None
    query = select(Notice)
    if category in {c.value for c in NoticeCategory}:
        query = query.where(Notice.category == NoticeCategory(category))
    else:
        category = None
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    order = [Notice.created_at.desc(), Notice.id.desc()]
    if settings["pinned_first"]:
        order.insert(0, Notice.pinned.desc())
    notices = db.session.scalars(
        query.order_by(*order).limit(page_size).offset((page - 1) * page_size)
    ).all()
    pages = max((total + page_size - 1) // page_size, 1)
    return render_template("notices/index.html", notices=notices, page=page, pages=pages,
                           total=total, category=category, categories=list(NoticeCategory),
                           can_manage=has_permission(MANAGE))


@bp.route("/new", methods=["GET", "POST"])
@require_permission(MANAGE)
def create():
    form = NoticeForm()
    if request.method == "GET":
        form.category.data = notices_settings().get("default_category")
    if form.validate_on_submit():
        notice = Notice(author_id=current_user.id)
        _fill(notice, form)
        db.session.add(notice)
        db.session.commit()
        flash(_("Notice published."), "success")
        return redirect(url_for("notices.detail", notice_id=notice.id))
    return render_template("notices/form.html", form=form, notice=None)


@bp.route("/<int:notice_id>")
@require_permission(VIEW)
def detail(notice_id: int):
    return render_template("notices/detail.html", notice=_notice_or_404(notice_id),
                           can_manage=has_permission(MANAGE))


@bp.route("/<int:notice_id>/edit", methods=["GET", "POST"])
@require_permission(MANAGE)
def edit(notice_id: int):
    notice = _notice_or_404(notice_id)
    form = NoticeForm(obj=notice)
    if request.method == "GET":
        form.category.data = notice.category.value
    if form.validate_on_submit():
        _fill(notice, form)
        db.session.commit()
        flash(_("Notice saved."), "success")
        return redirect(url_for("notices.detail", notice_id=notice.id))
    return render_template("notices/form.html", form=form, notice=notice)


@bp.route("/<int:notice_id>/delete", methods=["POST"])
@require_permission(MANAGE)
def delete(notice_id: int):
    notice = _notice_or_404(notice_id)
    db.session.delete(notice)
    db.session.commit()
    flash(_("Notice deleted."), "info")
    return redirect(url_for("notices.index"))


def _fill(notice: Notice, form: NoticeForm) -> None:
    notice.title = form.title.data.strip()
    notice.body = form.body.data
    notice.category = NoticeCategory(form.category.data)
    notice.pinned = bool(form.pinned.data)
