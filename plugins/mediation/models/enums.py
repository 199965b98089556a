"""The fixed vocabularies of the mediation line, with their labels."""

from __future__ import annotations

import enum
from typing import Any

from flask_babel import lazy_gettext as _l

from core.sdk import enum_column  # noqa: F401 - the line's models import it from here


class Labelled(enum.StrEnum):
    @property
    def label(self) -> Any:
        return LABELS[(type(self), self.value)]

    @classmethod
    def choices(cls) -> list[tuple[str, Any]]:
        return [(member.value, member.label) for member in cls]


class CommitteeType(Labelled):
    VILLAGE = "village"  # 村民委员会调委会
    COMMUNITY = "community"  # 居民委员会(社区)调委会
    TOWN = "town"  # 乡镇调委会
    SUBDISTRICT = "subdistrict"  # 街道调委会
    ENTERPRISE = "enterprise"  # 企事业单位调委会
    INDUSTRY = "industry"  # 行业性、专业性调委会


class IndustryField(Labelled):
    MEDICAL = "medical"  # 医疗纠纷
    TRAFFIC = "traffic"  # 道路交通
    LABOUR = "labour"  # 劳动争议
    PROPERTY = "property"  # 物业
    MARRIAGE = "marriage"  # 婚姻家庭
    CONSUMER = "consumer"  # 消费
    OTHER = "other"


class MediatorPosition(Labelled):
    CHAIR = "chair"  # 主任
    VICE_CHAIR = "vice_chair"  # 副主任
    MEMBER = "member"  # 委员
    HIRED = "hired"  # 聘任调解员 (not a committee member, Art. 13)

    @property
    def is_member(self) -> bool:
        return self is not MediatorPosition.HIRED


class Employment(Labelled):
    FULL_TIME = "full_time"  # 专职
    PART_TIME = "part_time"  # 兼职


class CaseSource(Labelled):
    INITIATIVE = "initiative"  # 主动调解
    APPLICATION = "application"  # 申请调解
    REFERRAL = "referral"  # 接受委托移送


class Counterpart(Labelled):
    """The organ a case came from (委托移送) or went to (移送)."""

    COURT = "court"  # 人民法院
    POLICE = "police"  # 公安机关
    PETITION = "petition"  # 信访部门
    PROCURATORATE = "procuratorate"  # 人民检察院
    GOVERNMENT = "government"  # 其他政府部门
    OTHER = "other"


class Difficulty(Labelled):
    """For 以案定补: the subsidy rate depends on it."""

    SIMPLE = "simple"  # 简易
    ORDINARY = "ordinary"  # 一般
    DIFFICULT = "difficult"  # 疑难复杂
    MAJOR = "major"  # 重大


class CaseStatus(Labelled):
    APPLIED = "applied"  # 申请/登记, awaiting a decision to accept
    ACCEPTED = "accepted"  # 受理
    REJECTED = "rejected"  # 不予受理
    MEDIATING = "mediating"  # 调解中
    AGREED = "agreed"  # 达成协议 (then 回访/履行, 司法确认)
    FAILED = "failed"  # 调解不成
    TERMINATED = "terminated"  # 终止 (a party refuses, Art. 17; withdraws)
    TRANSFERRED = "transferred"  # 移送 out to a court, the police, a petition office
    ARCHIVED = "archived"  # 归档

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset({CaseStatus.APPLIED, CaseStatus.ACCEPTED, CaseStatus.MEDIATING})


class PartyRole(Labelled):
    APPLICANT = "applicant"  # 申请人
    RESPONDENT = "respondent"  # 被申请人
    THIRD_PARTY = "third_party"  # 第三人


class AgreementKind(Labelled):
    WRITTEN = "written"  # 书面协议 (Art. 28–29)
    ORAL = "oral"  # 口头协议 (Art. 28, 30)


class Performance(Labelled):
    PENDING = "pending"  # 未到期/待履行
    PERFORMED = "performed"  # 已履行
    PARTIAL = "partial"  # 部分履行
    NOT_PERFORMED = "not_performed"  # 未履行


class TerminationReason(Labelled):
    PARTY_REFUSED = "party_refused"  # 一方明确拒绝调解 (Art. 17)
    PARTY_WITHDREW = "party_withdrew"  # 当事人要求终止 (Art. 23)
    OTHER_ROUTE = "other_route"  # 当事人已起诉/仲裁/行政处理
    OTHER = "other"


class RejectionReason(Labelled):
    PARTY_REFUSED = "party_refused"  # 一方明确拒绝调解 (Art. 17)
    NOT_MEDIABLE = "not_mediable"  # 法律禁止或专属机关管辖 (若干规定 Art. 22)
    ALREADY_HANDLED = "already_handled"  # 法院、公安等已受理或解决
    OTHER = "other"


class ConfirmationResult(Labelled):
    PENDING = "pending"  # 已申请, 待法院决定
    CONFIRMED = "confirmed"  # 确认有效
    REFUSED = "refused"  # 不予确认 / 驳回


class VisitMethod(Labelled):
    ON_SITE = "on_site"  # 实地
    PHONE = "phone"  # 电话
    OTHER = "other"


class Satisfaction(Labelled):
    SATISFIED = "satisfied"  # 满意
    BASIC = "basic"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意


class RiskLevel(Labelled):
    LOW = "low"  # 一般
    MEDIUM = "medium"  # 较大
    HIGH = "high"  # 重大 (可能激化)


class ScreeningStatus(Labelled):
    WATCHING = "watching"  # 跟踪稳控
    RESOLVED = "resolved"  # 已化解
    CONVERTED = "converted"  # 已转为调解案件
    REFERRED = "referred"  # 已移交有关部门


class TransferDirection(Labelled):
    IN = "in"  # 委托移送 into mediation
    OUT = "out"  # 移送 out of mediation


# (type, value) keys: members of different enums share values ("other", "pending") and
# StrEnum members hash like their values, so the members themselves cannot be the keys.
_LABEL_PAIRS: list[tuple[Any, Any]] = [
    (CommitteeType.VILLAGE, _l("Village committee")),
    (CommitteeType.COMMUNITY, _l("Residents' (community) committee")),
    (CommitteeType.TOWN, _l("Township committee")),
    (CommitteeType.SUBDISTRICT, _l("Subdistrict committee")),
    (CommitteeType.ENTERPRISE, _l("Enterprise or institution committee")),
    (CommitteeType.INDUSTRY, _l("Industry or professional committee")),
    (IndustryField.MEDICAL, _l("Medical disputes")),
    (IndustryField.TRAFFIC, _l("Road traffic")),
    (IndustryField.LABOUR, _l("Labour disputes")),
    (IndustryField.PROPERTY, _l("Property management")),
    (IndustryField.MARRIAGE, _l("Marriage and family")),
    (IndustryField.CONSUMER, _l("Consumer disputes")),
    (IndustryField.OTHER, _l("Other field")),
    (MediatorPosition.CHAIR, _l("Chair")),
    (MediatorPosition.VICE_CHAIR, _l("Vice chair")),
    (MediatorPosition.MEMBER, _l("Member")),
    (MediatorPosition.HIRED, _l("Hired mediator")),
    (Employment.FULL_TIME, _l("Full-time")),
    (Employment.PART_TIME, _l("Part-time")),
    (CaseSource.INITIATIVE, _l("On the committee's initiative")),
    (CaseSource.APPLICATION, _l("On application")),
    (CaseSource.REFERRAL, _l("Referred by another organ")),
    (Counterpart.COURT, _l("Court")),
    (Counterpart.POLICE, _l("Police")),
    (Counterpart.PETITION, _l("Petition office")),
    (Counterpart.PROCURATORATE, _l("Procuratorate")),
    (Counterpart.GOVERNMENT, _l("Other government department")),
    (Counterpart.OTHER, _l("Other organisation")),
    (Difficulty.SIMPLE, _l("Simple")),
    (Difficulty.ORDINARY, _l("Ordinary")),
    (Difficulty.DIFFICULT, _l("Difficult")),
    (Difficulty.MAJOR, _l("Major")),
    (CaseStatus.APPLIED, _l("Applied")),
    (CaseStatus.ACCEPTED, _l("Accepted")),
    (CaseStatus.REJECTED, _l("Not accepted")),
    (CaseStatus.MEDIATING, _l("Mediating")),
    (CaseStatus.AGREED, _l("Agreement reached")),
    (CaseStatus.FAILED, _l("No agreement")),
    (CaseStatus.TERMINATED, _l("Terminated")),
    (CaseStatus.TRANSFERRED, _l("Transferred out")),
    (CaseStatus.ARCHIVED, _l("Archived")),
    (PartyRole.APPLICANT, _l("Applicant")),
    (PartyRole.RESPONDENT, _l("Respondent")),
    (PartyRole.THIRD_PARTY, _l("Third party")),
    (AgreementKind.WRITTEN, _l("Written agreement")),
    (AgreementKind.ORAL, _l("Oral agreement")),
    (Performance.PENDING, _l("Not yet due")),
    (Performance.PERFORMED, _l("Performed")),
    (Performance.PARTIAL, _l("Partly performed")),
    (Performance.NOT_PERFORMED, _l("Not performed")),
    (TerminationReason.PARTY_REFUSED, _l("A party refuses mediation (Art. 17)")),
    (TerminationReason.PARTY_WITHDREW, _l("A party asks to end the mediation (Art. 23)")),
    (TerminationReason.OTHER_ROUTE, _l("The dispute went to court, arbitration or an authority")),
    (TerminationReason.OTHER, _l("Other reason")),
    (RejectionReason.PARTY_REFUSED, _l("A party refuses mediation (Art. 17)")),
    (RejectionReason.NOT_MEDIABLE, _l("The matter may not be mediated")),
    (RejectionReason.ALREADY_HANDLED, _l("Already accepted or decided by a court or authority")),
    (RejectionReason.OTHER, _l("Other reason")),
    (ConfirmationResult.PENDING, _l("Awaiting the court")),
    (ConfirmationResult.CONFIRMED, _l("Confirmed")),
    (ConfirmationResult.REFUSED, _l("Not confirmed")),
    (VisitMethod.ON_SITE, _l("On site")),
    (VisitMethod.PHONE, _l("By phone")),
    (VisitMethod.OTHER, _l("Other way")),
    (Satisfaction.SATISFIED, _l("Satisfied")),
    (Satisfaction.BASIC, _l("Mostly satisfied")),
    (Satisfaction.UNSATISFIED, _l("Not satisfied")),
    (RiskLevel.LOW, _l("Ordinary")),
    (RiskLevel.MEDIUM, _l("Elevated")),
    (RiskLevel.HIGH, _l("High (may escalate)")),
    (ScreeningStatus.WATCHING, _l("Being watched")),
    (ScreeningStatus.RESOLVED, _l("Resolved")),
    (ScreeningStatus.CONVERTED, _l("Became a case")),
    (ScreeningStatus.REFERRED, _l("Handed to another authority")),
    (TransferDirection.IN, _l("Referred in")),
    (TransferDirection.OUT, _l("Transferred out")),
]
LABELS: dict[tuple[type, str], Any] = {(type(member), member.value): label
                                       for member, label in _LABEL_PAIRS}
