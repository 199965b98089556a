"""Referrals to legal aid and mediation through ``core.sdk.referrals``: the receiving line
opens its record, the call keeps the receipt, both are committed together; a line switched
off is neither offered nor accepted, and nothing is written then."""

from __future__ import annotations

import re

from conftest import post_call
from core.sdk import Tenant, db, disable_plugin, tenant_context
from flask import Flask
from sqlalchemy import select

from fatong_hotline.models import HotlineCall, Outcome


def _call(app: Flask, tenant, call_id: int) -> HotlineCall:
    with app.app_context(), tenant_context(tenant.id):
        call = db.session.scalar(select(HotlineCall).where(HotlineCall.id == call_id))
        db.session.expunge(call)
        return call


def _disable(app: Flask, tenant, *names: str) -> None:
    with app.app_context():
        row = db.session.get(Tenant, tenant.id)
        for name in names:
            disable_plugin(row, name)
        db.session.commit()


def _receipt_link(client, call_id: int) -> str:
    """The link the call's page gives to the receiving record."""
    page = client.get(f"/t/jiange/hotline/calls/{call_id}").get_data(as_text=True)
    match = re.search(r'<a href="([^"]+)" data-testid="referral-link">', page)
    assert match, "no link to the receiving record"
    return match.group(1)


def _refer(client, call_id: int, target: str, note: str = ""):
    return client.post(f"/t/jiange/hotline/calls/{call_id}/refer",
                       data={"target": target, "note": note})


def test_both_lines_offered_on_the_call_page(app, tenant_a, operator, call_form) -> None:
    call_id = post_call(operator, tenant_a, call_form())
    page = operator.get(f"/t/jiange/hotline/calls/{call_id}").get_data(as_text=True)
    assert 'data-testid="referral-form"' in page
    assert 'value="legal_aid.consultation"' in page and 'value="mediation.screening"' in page


def test_refer_to_legal_aid_opens_a_consultation(app, tenant_a, operator, client_a,
                                                 call_form) -> None:
    call_id = post_call(operator, tenant_a, call_form(question="农民工讨薪，想申请法律援助"))
    response = _refer(operator, call_id, "legal_aid.consultation", "请中心尽快联系")
    assert response.status_code == 302
    call = _call(app, tenant_a, call_id)
    assert call.outcome is Outcome.REFERRED and call.referral_target == "legal_aid.consultation"
    assert call.referral_record_id and call.referral_endpoint == "legal_aid.consultation_detail"
    assert call.referral_url_values == {"consultation_id": call.referral_record_id}
    assert call.referral_number and call.referred_at is not None

    link = _receipt_link(operator, call_id)
    assert link == f"/t/jiange/legal_aid/consultations/{call.referral_record_id}"
    page = operator.get(f"/t/jiange/hotline/calls/{call_id}").get_data(as_text=True)
    assert 'data-testid="referral-form"' not in page  # once only
    # The receiving record exists and its page answers (the leader may see consultations).
    received = client_a.get(link)
    assert received.status_code == 200
    body = received.get_data(as_text=True)
    assert "农民工讨薪，想申请法律援助" in body and call.number in body

    # A second referral of the same call is refused, nothing changes.
    again = _refer(operator, call_id, "mediation.screening")
    assert again.status_code == 302
    assert _call(app, tenant_a, call_id).referral_target == "legal_aid.consultation"


def test_refer_to_mediation_opens_a_screening_record(app, tenant_a, operator, client_a,
                                                     call_form) -> None:
    call_id = post_call(operator, tenant_a, call_form(caller_name="赵大爷",
                                                      question="邻居占用公共过道"))
    assert _refer(operator, call_id, "mediation.screening").status_code == 302
    call = _call(app, tenant_a, call_id)
    assert call.referral_target == "mediation.screening"
    assert call.referral_endpoint == "mediation.screening_detail"
    link = _receipt_link(operator, call_id)
    assert link == f"/t/jiange/mediation/screenings/{call.referral_record_id}"
    received = client_a.get(link)
    assert received.status_code == 200
    assert "邻居占用公共过道" in received.get_data(as_text=True)


def _flashes(client, call_id: int) -> str:
    page = client.get(f"/t/jiange/hotline/calls/{call_id}").get_data(as_text=True)
    return " ".join(re.findall(r'class="alert alert-danger[^"]*"[^>]*>(.*?)<', page, re.S))


def _consultations(app: Flask, tenant) -> int:
    from sqlalchemy import func, text

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(text(
            "legal_aid_consultation")).where(text("tenant_id = :t")).params(t=tenant.id))


def test_refused_when_the_line_is_disabled_nothing_written(app, tenant_a, operator,
                                                          call_form) -> None:
    call_id = post_call(operator, tenant_a, call_form())
    _disable(app, tenant_a, "legal_aid")
    page = operator.get(f"/t/jiange/hotline/calls/{call_id}").get_data(as_text=True)
    assert 'value="legal_aid.consultation"' not in page
    assert 'value="mediation.screening"' in page

    # A form drawn before the line was switched off: core refuses (ReferralRefused), the
    # page says so, nothing is written.
    response = _refer(operator, call_id, "legal_aid.consultation")
    assert response.status_code == 302
    call = _call(app, tenant_a, call_id)
    assert call.outcome is Outcome.ANSWERED and call.referral_target == ""
    assert _flashes(operator, call_id).strip()
    assert _consultations(app, tenant_a) == 0

    _disable(app, tenant_a, "mediation")
    page = operator.get(f"/t/jiange/hotline/calls/{call_id}").get_data(as_text=True)
    assert 'data-testid="referral-none"' in page and 'data-testid="referral-form"' not in page


def test_a_receiver_refusing_after_adding_rows_leaves_nothing(app, tenant_a, operator,
                                                             call_form, monkeypatch) -> None:
    # The receiving line added its record to the session, then something refused: the
    # call and the record are rolled back together.
    from core.sdk import referrals

    call_id = post_call(operator, tenant_a, call_form())
    real_refer = referrals.refer

    def refer_then_refuse(referral, *, user):
        real_refer(referral, user=user)
        raise referrals.ReferralRefused("拒绝接收")

    monkeypatch.setattr(referrals, "refer", refer_then_refuse)
    response = _refer(operator, call_id, "legal_aid.consultation")
    monkeypatch.undo()
    assert response.status_code == 302
    call = _call(app, tenant_a, call_id)
    assert call.outcome is Outcome.ANSWERED and call.referral_target == ""
    assert "拒绝接收" in _flashes(operator, call_id)
    assert _consultations(app, tenant_a) == 0


def test_an_empty_referral_form_shows_the_error(app, tenant_a, operator, call_form) -> None:
    call_id = post_call(operator, tenant_a, call_form())
    response = _refer(operator, call_id, "")
    assert response.status_code == 422
    assert 'is-invalid' in response.get_data(as_text=True)
    assert _call(app, tenant_a, call_id).referral_target == ""


def test_referring_needs_the_permission(app, tenant_a, operator, call_form, make_user,
                                        login_client) -> None:
    call_id = post_call(operator, tenant_a, call_form())
    make_user(tenant_a, "lingdao", ["leader"])
    leader = login_client(tenant_a, "lingdao")
    page = leader.get(f"/t/jiange/hotline/calls/{call_id}").get_data(as_text=True)
    assert 'data-testid="referral-form"' not in page
    assert _refer(leader, call_id, "legal_aid.consultation").status_code == 403
