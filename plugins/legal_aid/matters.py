"""案件类别: the categories of legal aid matters (SF/T 0024, criminal split into defence and
representation), shared by the eligibility, assignment and deadline rules."""

from __future__ import annotations

import enum


class MatterCategory(enum.StrEnum):
    CRIMINAL_DEFENCE = "criminal_defence"  # 刑事辩护 (Art. 24-26)
    # 刑事代理: victims, private prosecutors, civil claimants (Art. 29) and respondents in
    # compulsory-treatment proceedings (Art. 28).
    CRIMINAL_REPRESENTATION = "criminal_representation"
    CIVIL = "civil"
    ADMINISTRATIVE = "administrative"
    STATE_COMPENSATION = "state_compensation"
    LABOUR_ARBITRATION = "labour_arbitration"
    NON_LITIGATION = "non_litigation"


CRIMINAL = frozenset({MatterCategory.CRIMINAL_DEFENCE, MatterCategory.CRIMINAL_REPRESENTATION})
