"""The assignment area of the case page: assignment (指派) from the pool, by the applicant's
choice (点援制) or of the lawyer named on a notice; replacement (更换, Art. 55); and the
legal aid agreement (委托协议) that starts the handling.

The rules are ``assignment.py``'s: the intro of the assign step shows the ranked candidates
and the ineligible members with the articles that exclude them, and the handler applies the
same rules to the provider chosen, so the page and the decision cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from core.sdk import db
from plugins.legal_aid.assignment import (
    Candidate,
    PoolMember,
    Reason,
    Verdict,
    check_choice,
    eligible,
    rank,
    replacement_candidates,
)
from plugins.legal_aid.eligibility import Route
from plugins.legal_aid.forms.assignment import AgreementForm, AssignForm, ReplaceForm
from plugins.legal_aid.models import AidCase, Assignment, Provider
from plugins.legal_aid.models.enums import AssignmentMethod, CaseStatus
from plugins.legal_aid.permissions import CASE_ASSIGN, CASE_HANDLE
from plugins.legal_aid.pool import case_profile, member_of, open_loads, pool_members
from plugins.legal_aid.views import bp
from plugins.legal_aid.views.actions import Refused, action
from plugins.legal_aid.workflow import transition

S = CaseStatus


@dataclass(frozen=True)
class PoolView:
    """The assign step's intro: who may take the case, best first, and who may not."""

    ranked: list[Candidate]
    ineligible: list[tuple[PoolMember, Verdict]]
    senior_required: bool
    today: date


def assignment_pool(case: AidCase, on: date | None = None) -> PoolView:
    from plugins.legal_aid.workflow import today

    on = on or today()
    profile = case_profile(case)
    members = [member for _, member in pool_members()]
    ranked = rank(members, profile, on)
    ranked_ids = {c.member.id for c in ranked}
    ineligible = [(m, eligible(m, profile, on)) for m in members if m.id not in ranked_ids]
    return PoolView(ranked, ineligible, profile.serious, on)


def replacement_pool(case: AidCase, on: date | None = None) -> list[Candidate]:
    from plugins.legal_aid.workflow import today

    on = on or today()
    members = [member for _, member in pool_members()]
    current = next((m for m in members if m.id == str(case.provider_id)), None)
    if current is None and case.provider is not None:
        current = member_of(case.provider)
    if current is None:
        return []
    return replacement_candidates(current, members, case_profile(case), on)


bp.add_app_template_global(assignment_pool, "legal_aid_assignment_pool")
bp.add_app_template_global(replacement_pool, "legal_aid_replacement_pool")


def reasons_text(reasons: tuple[Reason, ...]) -> str:
    """Reasons with their articles, one a line (the assignment's rationale, or an error)."""
    return "\n".join(f"{reason.text}（{reason.article}）" for reason in reasons)


def _provider(provider_id: int | None) -> Provider | None:
    if provider_id is None:
        return None
    return db.session.scalar(select(Provider).where(Provider.id == provider_id))


def _provider_choices() -> list[tuple[Any, Any]]:
    providers = db.session.scalars(select(Provider).where(Provider.active.is_(True))
                                   .order_by(Provider.name, Provider.id))
    return [("", "—")] + [(p.id, f"{p.name}（{p.organisation}）" if p.organisation else p.name)
                          for p in providers]


# --- assign ----------------------------------------------------------------------------------


def _prepare_assign(case: AidCase, form: AssignForm, bound: bool) -> None:
    form.provider.choices = _provider_choices()
    if not bound and case.route is Route.NOTIFIED:
        form.method.data = AssignmentMethod.POOL.value


@action("assign", AssignForm, CASE_ASSIGN, _l("Assign a provider"), _l("Assign"),
        offered=lambda case: case.status is S.GRANTED, prepare=_prepare_assign,
        intro_template="legal_aid/cases/actions/_assign_pool.html",
        today_defaults=("assigned_on",), order=40)
def assign(case: AidCase, form: AssignForm) -> str:
    from plugins.legal_aid.workflow import today

    provider = _provider(form.provider.data)
    if provider is None or not provider.active:
        raise Refused(_("Choose an active provider of the pool."), "provider")
    day = form.assigned_on.data
    granted_on = case.decided_on or case.notice_received_on
    if granted_on is not None and day < granted_on:
        raise Refused(_("A case cannot be assigned before legal aid was granted."),
                      "assigned_on")
    method = AssignmentMethod(form.method.data)
    if method is AssignmentMethod.NOTIFIED and case.route is not Route.NOTIFIED:
        raise Refused(_("Only a case started by a notice has a lawyer named on it."), "method")
    member = member_of(provider, open_loads([provider.id]).get(provider.id, 0))
    on = min(day, today())
    if method is AssignmentMethod.CHOICE:
        verdict = check_choice(member, case_profile(case, chosen=provider), on)
    else:
        verdict = eligible(member, case_profile(case), on)
    if not verdict.ok:
        raise Refused(_("%(name)s cannot be assigned: %(reasons)s", name=provider.name,
                        reasons="；".join(f"{r.text}（{r.article}）" for r in verdict.reasons)),
                      "provider")
    rationale = reasons_text(verdict.reasons)
    if method is AssignmentMethod.POOL:
        ranked = [c.member.id for c in assignment_pool(case, on).ranked]
        if member.id in ranked:
            rationale = _("Ranked %(pos)s of %(total)s eligible providers.",
                          pos=ranked.index(member.id) + 1, total=len(ranked)) + "\n" + rationale
    note = (form.note.data or "").strip()
    if note:
        rationale += "\n" + note
    db.session.add(Assignment(case_id=case.id, provider_id=provider.id, method=method,
                              assigned_on=day, rationale=rationale))
    transition(case, S.ASSIGNED, user=current_user, on=day, provider_id=provider.id,
               assigned_on=day, note=f"{provider.name} · {method.label}")
    return _("Assigned to %(name)s (notice %(number)s).", name=provider.name,
             number=case.assignment_number)


# --- replace ---------------------------------------------------------------------------------


def _prepare_replace(case: AidCase, form: ReplaceForm, bound: bool) -> None:
    form.provider.choices = [("", "—")] + [
        (int(c.member.id), c.member.name) for c in replacement_pool(case)]


def _current_assignment(case: AidCase) -> Assignment | None:
    return db.session.scalar(select(Assignment).where(
        Assignment.case_id == case.id, Assignment.provider_id == case.provider_id,
        Assignment.ended_on.is_(None)).order_by(Assignment.id.desc()).limit(1))


@action("replace", ReplaceForm, CASE_ASSIGN, _l("Replace the provider"), _l("Replace"),
        offered=lambda case: case.status in (S.ASSIGNED, S.IN_PROGRESS)
        and case.provider_id is not None, prepare=_prepare_replace,
        today_defaults=("replaced_on",), order=41)
def replace(case: AidCase, form: ReplaceForm) -> str:
    from plugins.legal_aid.models.enums import ReplacementReason

    # The choices are the eligible candidates now (validated by the form); load it again.
    provider = _provider(form.provider.data)
    candidates = {c.member.id: c for c in replacement_pool(case)}
    if provider is None or str(provider.id) not in candidates:
        raise Refused(_("Choose one of the eligible providers."), "provider")
    day = form.replaced_on.data
    current = _current_assignment(case)
    started = current.assigned_on if current is not None else case.assigned_on
    if started is not None and day < started:
        raise Refused(_("The replacement cannot precede the current assignment."),
                      "replaced_on")
    reason = ReplacementReason(form.reason.data)
    note = (form.note.data or "").strip()
    if current is not None:
        current.ended_on = day
        current.replacement_reason = reason
        current.replacement_note = note[:300]
    db.session.add(Assignment(case_id=case.id, provider_id=provider.id,
                              method=AssignmentMethod.POOL, assigned_on=day,
                              rationale=reasons_text(candidates[str(provider.id)].reasons)))
    previous = case.provider.name if case.provider is not None else ""
    case.provider_id = provider.id
    db.session.flush()
    if case.status is S.IN_PROGRESS:
        return _("%(old)s replaced by %(new)s. The new provider signs a new agreement with "
                 "the recipient.", old=previous, new=provider.name)
    return _("%(old)s replaced by %(new)s.", old=previous, new=provider.name)


# --- agreement -------------------------------------------------------------------------------


@action("agreement", AgreementForm, CASE_HANDLE, _l("Record the legal aid agreement"),
        _l("Record the agreement"), offered=lambda case: case.status is S.ASSIGNED,
        today_defaults=("signed_on",), order=50)
def agreement(case: AidCase, form: AgreementForm) -> str:
    day = form.signed_on.data
    if case.assigned_on is not None and day < case.assigned_on:
        raise Refused(_("The agreement cannot precede the assignment."), "signed_on")
    transition(case, S.IN_PROGRESS, user=current_user, on=day, agreement_signed_on=day,
               agreement_excluded_days=form.excluded_days.data or 0)
    return _("Agreement recorded: the case is in progress.")
