"""The mediation line's tables (all prefixed ``mediation_``); vocabularies in ``enums``."""

from plugins.mediation.models.cases import (
    Agreement,
    Case,
    CaseParty,
    JudicialConfirmation,
    MediationSession,
    ReturnVisit,
    StatusChange,
    Transfer,
)
from plugins.mediation.models.codes import NATIONAL_DISPUTE_TYPES, DisputeType
from plugins.mediation.models.committees import MAX_MEMBERS, MIN_MEMBERS, Committee, Mediator
from plugins.mediation.models.screening import Screening

__all__ = [
    "MAX_MEMBERS",
    "MIN_MEMBERS",
    "NATIONAL_DISPUTE_TYPES",
    "Agreement",
    "Case",
    "CaseParty",
    "Committee",
    "DisputeType",
    "JudicialConfirmation",
    "MediationSession",
    "Mediator",
    "ReturnVisit",
    "Screening",
    "StatusChange",
    "Transfer",
]
