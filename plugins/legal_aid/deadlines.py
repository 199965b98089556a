"""A case's deadlines as the case page and the deadlines centre show them: the statute's
(``timeline.statutory_deadlines``) plus the supplement period the bureau sets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from plugins.legal_aid.models import AidCase
from plugins.legal_aid.models.enums import CaseStatus
from plugins.legal_aid.settings import legal_aid_settings
from plugins.legal_aid.timeline import statutory_deadlines
from plugins.legal_aid.workflow import today


@dataclass(frozen=True)
class CaseDeadline:
    key: str
    title: Any
    due: date
    basis: str
    done: bool
    completed_on: date | None
    approximate: bool

    @property
    def overdue(self) -> bool:
        return not self.done and self.due < today()

    @property
    def days_left(self) -> int:
        return (self.due - today()).days


def case_deadlines(case: AidCase, review_days: int | None = None, *,
                   add_working_days: Any = None,
                   working_days_between: Any = None) -> list[CaseDeadline]:
    """Every deadline of the case, done or not, in the order of the procedure.

    The calendar counters may be passed in (memoised) when many cases are computed at once.
    """
    if review_days is None:
        review_days = int(legal_aid_settings().get("review_days") or 30)
    found: list[CaseDeadline] = []
    if case.supplement_due_on is not None:
        found.append(CaseDeadline(
            key="supplement", title=_l("Applicant to supply the missing materials"),
            due=case.supplement_due_on, basis="法律援助法第四十三条第二款",
            done=case.status is not CaseStatus.INCOMPLETE,
            completed_on=case.supplement_received_on or case.withdrawn_on, approximate=False))
    for item in statutory_deadlines(case.dates(),
                                    agreement_excluded_days=case.agreement_excluded_days or 0,
                                    review_days=review_days,
                                    add_working_days=add_working_days,
                                    working_days_between=working_days_between):
        done = item.done
        # A step the case will never reach (refused, withdrawn, terminated) is not owed.
        if not done and not case.status.is_open and item.key not in ("objection",):
            done = True
        found.append(CaseDeadline(item.key, item.title, item.due, item.basis, done,
                                  item.completed_on, item.approximate))
    return found
