"""The mediation line's permission names (declared in plugin.py)."""

CASE_VIEW = "mediation.case.view"
CASE_EDIT = "mediation.case.edit"
CASE_MANAGE = "mediation.case.manage"
COMMITTEE_VIEW = "mediation.committee.view"
COMMITTEE_MANAGE = "mediation.committee.manage"
REPORT_VIEW = "mediation.report.view"
SUBSIDY_VIEW = "mediation.subsidy.view"
