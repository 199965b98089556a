"""The legal aid line's permission names (declared in plugin.py)."""

CONSULTATION_VIEW = "legal_aid.consultation.view"
CONSULTATION_EDIT = "legal_aid.consultation.edit"
# Every case in the user's org-unit scope.
CASE_VIEW = "legal_aid.case.view"
# Only the cases assigned to the provider linked to the user (承办律师).
CASE_VIEW_ASSIGNED = "legal_aid.case.view_assigned"
CASE_INTAKE = "legal_aid.case.intake"  # register, materials, 一次性告知, withdrawal
CASE_DECIDE = "legal_aid.case.decide"  # 给予/不予, 终止
CASE_ASSIGN = "legal_aid.case.assign"  # 指派, 更换
CASE_HANDLE = "legal_aid.case.handle"  # agreement, progress notes, end, closure materials
CASE_REVIEW = "legal_aid.case.review"  # 结案审查, subsidy, archive
OBJECTION_DECIDE = "legal_aid.objection.decide"  # the bureau (Art. 49)
QUALITY_EDIT = "legal_aid.quality.edit"  # 1122 records, follow-ups, reviews, complaints
PROVIDER_VIEW = "legal_aid.provider.view"
PROVIDER_MANAGE = "legal_aid.provider.manage"
REPORT_VIEW = "legal_aid.report.view"
SUBSIDY_VIEW = "legal_aid.subsidy.view"
