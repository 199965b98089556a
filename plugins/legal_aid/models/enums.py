"""The fixed vocabularies of the legal aid line, with their labels.

The rule modules (``matters``, ``eligibility``, ``assignment``) define the statute's own
vocabularies as plain ``StrEnum``s; :func:`label` gives every member of those and of the
ones below its display name, so templates need one function.
"""

from __future__ import annotations

import enum
from typing import Any

from flask_babel import lazy_gettext as _l

from core.sdk import enum_column  # noqa: F401 - the line's models import it from here
from plugins.legal_aid.assignment import MemberKind
from plugins.legal_aid.eligibility import (
    Art32Circumstance,
    Art42Ground,
    CheckMethod,
    LocalCategory,
    MandatoryDefence,
    MatterKind,
    Route,
)
from plugins.legal_aid.matters import MatterCategory


def label(member: enum.Enum | None) -> Any:
    """The display label of any legal aid vocabulary member ("" for None)."""
    if member is None:
        return ""
    return LABELS[(type(member), member.value)]


def choices(enum_class: type[enum.Enum]) -> list[tuple[str, Any]]:
    return [(member.value, label(member)) for member in enum_class]


class Labelled(enum.StrEnum):
    @property
    def label(self) -> Any:
        return LABELS[(type(self), self.value)]

    @classmethod
    def choices(cls) -> list[tuple[str, Any]]:
        return choices(cls)


class Channel(Labelled):
    """How a consultation (法律咨询) came in."""

    WINDOW = "window"  # 窗口 (the centre's service hall)
    HOTLINE = "hotline"  # 12348 热线
    ONLINE = "online"  # 网络 (12348 网站、公众号)
    WORKSTATION = "workstation"  # 工作站 (at a station, court, detention house, union…)


class ConsultationOutcome(Labelled):
    ANSWERED = "answered"  # 解答
    APPLICATION = "application"  # 转为法律援助申请
    REFERRED = "referred"  # 引导至其他部门
    MEDIATION = "mediation"  # 引导人民调解
    OTHER = "other"
    # 待跟进: recorded without an answer yet (a matter referred from the 12348 hotline or
    # another line); the centre answers it on the consultation's page.
    PENDING = "pending"


class CaseStatus(Labelled):
    RECEIVED = "received"  # 收到申请 (or the notice), under review
    INCOMPLETE = "incomplete"  # 材料不齐, the applicant told at once what to add (一次性告知)
    WITHDRAWN = "withdrawn"  # 视为撤回 (not completed in time) or withdrawn by the applicant
    REFUSED = "refused"  # 不予法律援助
    GRANTED = "granted"  # 给予法律援助 (or a notified case accepted), awaiting assignment
    ASSIGNED = "assigned"  # 指派, awaiting the 委托协议
    IN_PROGRESS = "in_progress"  # 委托协议 signed, being handled
    TERMINATED = "terminated"  # 终止法律援助 (Art. 48)
    ENDED = "ended"  # 办理结束, closure materials due within 30 days
    CLOSED = "closed"  # 结案 after the closure review (subsidy set)
    ARCHIVED = "archived"  # 归档

    @property
    def is_open(self) -> bool:
        return self not in (CaseStatus.WITHDRAWN, CaseStatus.REFUSED, CaseStatus.TERMINATED,
                            CaseStatus.CLOSED, CaseStatus.ARCHIVED)

    @property
    def holds_aid(self) -> bool:
        """The person currently holds legal aid (for fee waivers elsewhere)."""
        return self in (CaseStatus.GRANTED, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS,
                        CaseStatus.ENDED)


class MaterialStatus(Labelled):
    RECEIVED = "received"
    MISSING = "missing"  # asked for in the 一次性告知 notice


class AssignmentMethod(Labelled):
    POOL = "pool"  # 指派 from the pool by the centre
    CHOICE = "choice"  # 点援制: the applicant chose
    NOTIFIED = "notified"  # the lawyer named on a notice (值班律师 continuing, Art. 27)


class ReplacementReason(Labelled):
    """Why an assignee was replaced (法律援助法第五十五条, 程序规定第二十八条)."""

    RECIPIENT_REQUEST = "recipient_request"  # 受援人有证据证明不依法履行职责, asks for another
    PROVIDER_UNABLE = "provider_unable"  # 承办人员因故无法继续办理
    CONFLICT = "conflict"  # 利益冲突
    QUALITY = "quality"  # 质量问题 found by the centre
    OTHER = "other"


class NoteKind(Labelled):
    MEETING = "meeting"  # 会见/约见受援人
    FILE_READING = "file_reading"  # 阅卷
    INVESTIGATION = "investigation"  # 调查取证
    HEARING = "hearing"  # 出庭
    NEGOTIATION = "negotiation"  # 调解、和解、谈判
    DOCUMENT = "document"  # 代写/提交法律文书
    REPORT = "report"  # 向援助中心报告 (重大事项, Art. 48 ¶2)
    OTHER = "other"


class TerminationGround(Labelled):
    """法律援助法第四十八条第一款 (一)–(八)."""

    DECEPTION = "deception"  # (一) 以欺骗或者其他不正当手段获得
    CONCEALMENT = "concealment"  # (二) 故意隐瞒重要事实或者提供虚假证据
    ILLEGAL_USE = "illegal_use"  # (三) 利用法律援助从事违法活动
    NO_LONGER_ELIGIBLE = "no_longer_eligible"  # (四) 经济状况发生变化
    PROCEEDINGS_ENDED = "proceedings_ended"  # (五) 案件终止审理或者已经被撤销
    OWN_LAWYER = "own_lawyer"  # (六) 自行委托律师或者其他代理人
    RECIPIENT_REQUEST = "recipient_request"  # (七) 有正当理由要求终止
    OTHER_BY_LAW = "other_by_law"  # (八) 法律法规规定的其他情形

    @property
    def item(self) -> int:
        return list(TerminationGround).index(self) + 1


class CaseResult(Labelled):
    """结案报告: how the matter ended for the recipient."""

    WON = "won"  # 胜诉 / 辩护(代理)意见全部采纳
    PARTLY = "partly"  # 部分胜诉 / 部分采纳
    LOST = "lost"  # 败诉 / 未采纳
    SETTLED = "settled"  # 调解、和解结案
    WITHDRAWN = "withdrawn"  # 撤诉/撤回
    OTHER = "other"


class ReviewGrade(Labelled):
    """结案审查 (案件质量评估) grade; it sets the subsidy's share."""

    EXCELLENT = "excellent"  # 优秀
    QUALIFIED = "qualified"  # 合格
    UNQUALIFIED = "unqualified"  # 不合格


class ObjectionResult(Labelled):
    """法律援助法第四十九条第二款: the bureau upholds or orders a correction."""

    UPHELD = "upheld"  # 维持
    CORRECTED = "corrected"  # 责令改正


class QualityKind(Labelled):
    """The 1122 mechanism and the quality checks (seed 002)."""

    CONTACT = "contact"  # 对接: recipient and assignee put in touch (two are recorded)
    CHOICE = "choice"  # 选择: the recipient chooses or confirms the assignee (two)
    FOLLOW_UP = "follow_up"  # 受援人回访 (phone), with satisfaction
    HEARING = "hearing"  # 庭审旁听, scored
    FILE_REVIEW = "file_review"  # 案卷检查, scored
    KEY_REVIEW = "key_review"  # 重点案件评查, scored

    @property
    def scored(self) -> bool:
        return self in (QualityKind.HEARING, QualityKind.FILE_REVIEW, QualityKind.KEY_REVIEW)


class Satisfaction(Labelled):
    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    NEUTRAL = "neutral"
    DISSATISFIED = "dissatisfied"


class ComplaintStatus(Labelled):
    OPEN = "open"
    SUBSTANTIATED = "substantiated"  # 属实, with the action taken
    UNSUBSTANTIATED = "unsubstantiated"  # 不属实


class RecipientGroup(Labelled):
    """The groups the monthly report counts recipients by (a recipient may be in several)."""

    MIGRANT_WORKER = "migrant_worker"  # 农民工
    ELDERLY = "elderly"  # 老年人 (60+)
    MINOR = "minor"  # 未成年人
    DISABLED = "disabled"  # 残疾人
    WOMAN = "woman"  # 妇女
    MILITARY = "military"  # 军人军属


LABELS: dict[tuple[type, str], Any] = {
    (Channel, "window"): _l("Service window"),
    (Channel, "hotline"): _l("12348 hotline"),
    (Channel, "online"): _l("Online"),
    (Channel, "workstation"): _l("Workstation"),
    (ConsultationOutcome, "answered"): _l("Answered"),
    (ConsultationOutcome, "application"): _l("Turned into an application"),
    (ConsultationOutcome, "referred"): _l("Referred to another department"),
    (ConsultationOutcome, "mediation"): _l("Referred to mediation"),
    (ConsultationOutcome, "other"): _l("Other"),
    (ConsultationOutcome, "pending"): _l("To follow up"),
    (CaseStatus, "received"): _l("Under review"),
    (CaseStatus, "incomplete"): _l("Materials missing"),
    (CaseStatus, "withdrawn"): _l("Withdrawn"),
    (CaseStatus, "refused"): _l("Refused"),
    (CaseStatus, "granted"): _l("Granted, to assign"),
    (CaseStatus, "assigned"): _l("Assigned"),
    (CaseStatus, "in_progress"): _l("In progress"),
    (CaseStatus, "terminated"): _l("Terminated"),
    (CaseStatus, "ended"): _l("Ended, materials due"),
    (CaseStatus, "closed"): _l("Closed"),
    (CaseStatus, "archived"): _l("Archived"),
    (MaterialStatus, "received"): _l("Received"),
    (MaterialStatus, "missing"): _l("Missing"),
    (AssignmentMethod, "pool"): _l("Assigned from the pool"),
    (AssignmentMethod, "choice"): _l("Chosen by the applicant"),
    (AssignmentMethod, "notified"): _l("Named on the notice"),
    (ReplacementReason, "recipient_request"): _l("The recipient asked for another"),
    (ReplacementReason, "provider_unable"): _l("The assignee cannot go on"),
    (ReplacementReason, "conflict"): _l("Conflict of interest"),
    (ReplacementReason, "quality"): _l("Quality of the work"),
    (ReplacementReason, "other"): _l("Other"),
    (NoteKind, "meeting"): _l("Meeting the recipient"),
    (NoteKind, "file_reading"): _l("Reading the file"),
    (NoteKind, "investigation"): _l("Investigation and evidence"),
    (NoteKind, "hearing"): _l("Court hearing"),
    (NoteKind, "negotiation"): _l("Mediation or negotiation"),
    (NoteKind, "document"): _l("Legal document"),
    (NoteKind, "report"): _l("Report to the centre"),
    (NoteKind, "other"): _l("Other"),
    (TerminationGround, "deception"): _l("Aid obtained by deception or other improper means"),
    (TerminationGround, "concealment"): _l("Important facts concealed or false evidence given"),
    (TerminationGround, "illegal_use"): _l("Legal aid used for illegal activities"),
    (TerminationGround, "no_longer_eligible"): _l("Economic situation changed: no longer "
                                                  "eligible"),
    (TerminationGround, "proceedings_ended"): _l("Proceedings terminated or the case "
                                                 "revoked"),
    (TerminationGround, "own_lawyer"): _l("The recipient retained a lawyer or agent"),
    (TerminationGround, "recipient_request"): _l("The recipient asked to end it for good "
                                                 "reason"),
    (TerminationGround, "other_by_law"): _l("Other circumstances provided by law"),
    (CaseResult, "won"): _l("Won / opinion adopted"),
    (CaseResult, "partly"): _l("Partly won / partly adopted"),
    (CaseResult, "lost"): _l("Lost / not adopted"),
    (CaseResult, "settled"): _l("Settled by mediation or agreement"),
    (CaseResult, "withdrawn"): _l("Claim withdrawn"),
    (CaseResult, "other"): _l("Other"),
    (ReviewGrade, "excellent"): _l("Excellent"),
    (ReviewGrade, "qualified"): _l("Qualified"),
    (ReviewGrade, "unqualified"): _l("Unqualified"),
    (ObjectionResult, "upheld"): _l("Decision upheld"),
    (ObjectionResult, "corrected"): _l("Centre ordered to correct it"),
    (QualityKind, "contact"): _l("Contact between recipient and assignee"),
    (QualityKind, "choice"): _l("Recipient's choice of assignee"),
    (QualityKind, "follow_up"): _l("Follow-up call to the recipient"),
    (QualityKind, "hearing"): _l("Court hearing observed"),
    (QualityKind, "file_review"): _l("File review"),
    (QualityKind, "key_review"): _l("Key case review"),
    (Satisfaction, "very_satisfied"): _l("Very satisfied"),
    (Satisfaction, "satisfied"): _l("Satisfied"),
    (Satisfaction, "neutral"): _l("Neutral"),
    (Satisfaction, "dissatisfied"): _l("Dissatisfied"),
    (ComplaintStatus, "open"): _l("Being handled"),
    (ComplaintStatus, "substantiated"): _l("Substantiated"),
    (ComplaintStatus, "unsubstantiated"): _l("Not substantiated"),
    (RecipientGroup, "migrant_worker"): _l("Migrant workers"),
    (RecipientGroup, "elderly"): _l("Elderly people"),
    (RecipientGroup, "minor"): _l("Minors"),
    (RecipientGroup, "disabled"): _l("People with disabilities"),
    (RecipientGroup, "woman"): _l("Women"),
    (RecipientGroup, "military"): _l("Servicemen and their families"),
    # The rule modules' vocabularies.
    (Route, "apply"): _l("Application"),
    (Route, "notified"): _l("Notice from a court, procuratorate or police"),
    (MatterCategory, "criminal_defence"): _l("Criminal defence"),
    (MatterCategory, "criminal_representation"): _l("Criminal representation"),
    (MatterCategory, "civil"): _l("Civil"),
    (MatterCategory, "administrative"): _l("Administrative"),
    (MatterCategory, "state_compensation"): _l("State compensation"),
    (MatterCategory, "labour_arbitration"): _l("Labour arbitration"),
    (MatterCategory, "non_litigation"): _l("Non-litigation"),
    (MatterKind, "state_compensation"): _l("State compensation (Art. 31 (1))"),
    (MatterKind, "social_insurance"): _l("Social insurance or social assistance (Art. 31 (2))"),
    (MatterKind, "pension"): _l("Survivors' or disability pension (Art. 31 (3))"),
    (MatterKind, "maintenance"): _l("Support or maintenance payments (Art. 31 (4))"),
    (MatterKind, "labour_relation"): _l("Confirming a labour relationship (Art. 31 (5))"),
    (MatterKind, "wages"): _l("Payment of wages (Art. 31 (5))"),
    (MatterKind, "capacity"): _l("Civil capacity (Art. 31 (6))"),
    (MatterKind, "work_injury"): _l("Work injury compensation (Art. 31 (7))"),
    (MatterKind, "accident_injury"): _l("Traffic, food, drug or medical injury (Art. 31 (7))"),
    (MatterKind, "environment"): _l("Environmental or ecological damage (Art. 31 (8))"),
    (MatterKind, "other_by_law"): _l("Other matter provided by law (Art. 31 (9))"),
    (MatterKind, "other"): _l("Other matter (outside Art. 31)"),
    (MandatoryDefence, "minor"): _l("Minor"),
    (MandatoryDefence, "sensory_disability"): _l("Blind, deaf or mute"),
    (MandatoryDefence, "mental_incapacity"): _l("Adult not fully able to understand own "
                                                "conduct"),
    (MandatoryDefence, "life_or_death"): _l("May be sentenced to life imprisonment or death"),
    (MandatoryDefence, "death_review"): _l("Death sentence review"),
    (MandatoryDefence, "in_absentia"): _l("Trial in absentia"),
    (MandatoryDefence, "other_by_law"): _l("Other person provided by law"),
    (MandatoryDefence, "ordinary_procedure"): _l("Ordinary procedure, at the court's "
                                                 "discretion"),
    (Art32Circumstance, "hero_relative"): _l("Close relative of a hero or martyr"),
    (Art32Circumstance, "good_samaritan"): _l("Injured acting bravely for a just cause"),
    (Art32Circumstance, "retrial_acquittal"): _l("Acquitted on retrial, claiming compensation"),
    (Art32Circumstance, "abuse_victim"): _l("Victim of abuse, abandonment or domestic "
                                            "violence"),
    (Art32Circumstance, "other_by_law"): _l("Other circumstance provided by law"),
    (Art42Ground, "no_living_source"): _l("Minor, elderly or disabled person without a fixed "
                                          "source of living"),
    (Art42Ground, "assistance_recipient"): _l("Recipient of social or judicial assistance, or "
                                              "of special care"),
    (Art42Ground, "migrant_worker"): _l("Migrant worker claiming wages or work injury "
                                        "compensation"),
    (LocalCategory, "five_guarantees"): _l("Five-guarantee household"),
    (LocalCategory, "minimum_living"): _l("Minimum living allowance"),
    (LocalCategory, "welfare_institution"): _l("Supported in a welfare institution"),
    (LocalCategory, "severe_disability_or_illness"): _l("Severely disabled or seriously ill "
                                                        "without income"),
    (LocalCategory, "military"): _l("Servicemen and their families"),
    (LocalCategory, "martyr_survivor"): _l("Survivors of martyrs and fallen servicemen"),
    (LocalCategory, "elderly"): _l("Elderly person"),
    (CheckMethod, "shared_query"): _l("Checked through shared information"),
    (CheckMethod, "pledge"): _l("Personal integrity pledge"),
    (MemberKind, "lawyer"): _l("Lawyer"),
    (MemberKind, "legal_service_worker"): _l("Grassroots legal service worker"),
    (MemberKind, "staff"): _l("Legal aid centre staff"),
}
