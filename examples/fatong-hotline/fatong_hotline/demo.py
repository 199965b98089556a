"""``demo_data``: a week of sample calls and a demo operator for ``fatong demo``."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from core.sdk import OrgUnit, User, db, grant_role, hookimpl
from sqlalchemy import func, select

from fatong_hotline.models import TIMEZONE, HotlineCall, HotlineCategory, Outcome, today
from fatong_hotline.service import callback_due, issue_call_number, seed_categories

DEMO_OPERATOR = ("rexian", "12348话务员（演示）")

# (days ago, hour, category, caller, question, answer, minutes, outcome)
SAMPLE_CALLS = (
    (0, 9, "劳动争议", "王先生", "在工地干了三个月，老板拖欠工资不给，怎么办？",
     "告知可向劳动保障监察投诉或申请劳动仲裁，并可申请法律援助。", 8, Outcome.ANSWERED),
    (0, 10, "婚姻家庭", "", "离婚后孩子抚养费对方一直不给，能起诉吗？",
     "可以向法院起诉要求支付抚养费，建议先准备离婚协议和支付记录。", 6, Outcome.CALLBACK),
    (1, 14, "借贷纠纷", "李女士", "借给亲戚五万元没有写借条，只有转账记录，能要回来吗？",
     "转账记录结合聊天记录可以作为证据，建议协商不成再起诉。", 12, Outcome.ANSWERED),
    (1, 16, "邻里纠纷", "赵大爷", "邻居在公共过道堆放杂物，多次沟通无果。",
     "建议由村（居）人民调解委员会调解。", 5, Outcome.ANSWERED),
    (2, 11, "交通事故", "", "被电动车撞伤，对方没有保险，医药费谁出？",
     "侵权人应承担赔偿责任，可申请交警调解或起诉。", 10, Outcome.ANSWERED),
    (3, 9, "投诉建议", "", "反映某律师事务所收费过高。",
     "已告知向局律师工作股反映，并转相关科室。", 4, Outcome.TRANSFERRED),
    (4, 15, "其他", "", "无声电话。", "", 1, Outcome.INVALID),
    (5, 10, "房产物业", "陈先生", "物业公司停水停电催缴物业费是否合法？",
     "物业公司无权以停水停电方式催缴，可向住建部门投诉。", 7, Outcome.CALLBACK),
)


def _operator(bureau: OrgUnit) -> User | None:
    """The demo's operator, with the demo admin's password (the hook is not given it)."""
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    if admin is None:
        return None
    username, display_name = DEMO_OPERATOR
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, display_name=display_name,
                    password_hash=admin.password_hash)
        db.session.add(user)
        db.session.flush()
        grant_role(user, "hotline_operator", bureau, actor="demo")
    else:
        user.password_hash = admin.password_hash  # `fatong demo` may set a new password
    return user


@hookimpl
def demo_data(tenant: Any) -> None:
    seed_categories()
    bureau = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None))
                               .order_by(OrgUnit.id).limit(1))
    if bureau is None:
        return
    operator = _operator(bureau)
    if db.session.scalar(select(func.count()).select_from(HotlineCall)):
        return  # idempotent: the sample calls are there
    categories = {c.name: c for c in db.session.scalars(select(HotlineCategory))}
    now = today()
    for days_ago, hour, category, caller, question, answer, minutes, outcome in SAMPLE_CALLS:
        if category not in categories:
            continue
        day = now - timedelta(days=days_ago)
        received = datetime.combine(day, time(hour, 5 * days_ago), tzinfo=TIMEZONE)
        db.session.add(HotlineCall(
            number=issue_call_number(day.year), received_at=received.astimezone(UTC),
            received_on=day, org_unit_id=bureau.id, caller_name=caller,
            category_id=categories[category].id, question=question, answer=answer,
            duration_minutes=minutes, outcome=outcome,
            transferred_to="局律师工作股" if outcome is Outcome.TRANSFERRED else "",
            callback_due_on=callback_due(day) if outcome is Outcome.CALLBACK else None,
            handled_by_id=operator.id if operator else None))
    db.session.flush()
