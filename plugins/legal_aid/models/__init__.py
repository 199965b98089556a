"""The legal aid line's tables (all prefixed ``legal_aid_``); vocabularies in ``enums``."""

from plugins.legal_aid.models.cases import (
    AidCase,
    AidStatusChange,
    Assignment,
    Material,
    ProgressNote,
)
from plugins.legal_aid.models.consultations import Consultation
from plugins.legal_aid.models.providers import Provider
from plugins.legal_aid.models.quality import Complaint, QualityCheck

__all__ = ["Assignment", "AidCase", "Complaint", "Consultation", "Material", "ProgressNote",
           "Provider", "QualityCheck", "AidStatusChange"]
