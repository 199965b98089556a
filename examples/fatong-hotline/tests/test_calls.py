"""Recording calls: the form (validation beside the fields, nothing lost, nothing half
written), callers from the people registry, the call log's filters, org-unit scoping,
callbacks and the deadlines centre, and the person page's timeline."""

from __future__ import annotations

import re
from datetime import timedelta

from conftest import beijing, category_id, post_call, unit_id
from core.sdk import Person, db, people, tenant_context, workdays
from flask import Flask
from sqlalchemy import func, select

from fatong_hotline.models import HotlineCall, Outcome, today

NEW = "/t/jiange/hotline/calls/new"
ID_NUMBER = "11010519491231002X"


def _calls(app: Flask, tenant) -> list[HotlineCall]:
    with app.app_context(), tenant_context(tenant.id):
        found = list(db.session.scalars(select(HotlineCall).order_by(HotlineCall.number)))
        db.session.expunge_all()
        return found


def _people(app: Flask, tenant) -> int:
    with app.app_context(), tenant_context(tenant.id):
        return db.session.scalar(select(func.count()).select_from(Person))


def test_record_an_anonymous_call(app, tenant_a, operator, call_form) -> None:
    assert operator.get(NEW).status_code == 200
    call_id = post_call(operator, tenant_a, call_form())
    page = operator.get(f"/t/jiange/hotline/calls/{call_id}").get_data(as_text=True)
    year = today().year
    assert re.search(rf'data-testid="call-number">RX{year}000001<', page)
    assert "老板拖欠工资三个月" in page and "王先生" in page and "劳动争议" in page
    [call] = _calls(app, tenant_a)
    assert call.number == f"RX{year}000001"
    assert call.person_id is None and call.caller_name == "王先生"
    assert call.outcome is Outcome.ANSWERED and call.duration_minutes == 8
    assert call.received_on == today()  # Beijing's date, whatever the server's
    assert call.callback_due_on is None
    assert _people(app, tenant_a) == 0  # an anonymous caller leaves no person

    second = post_call(operator, tenant_a, call_form(caller_name=""))
    assert second != call_id
    assert [c.number for c in _calls(app, tenant_a)] == [f"RX{year}000001",
                                                          f"RX{year}000002"]


def test_errors_beside_the_fields_and_nothing_typed_lost(app, tenant_a, operator,
                                                         call_form) -> None:
    form = call_form(question="", duration_minutes="abc", received_at="2999-01-01T10:00",
                     outcome="transferred", transferred_to="", category_id="0",
                     answer="已告知相关规定")
    response = operator.post(NEW, data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for name in ("question", "duration_minutes", "received_at", "transferred_to",
                 "category_id"):
        assert re.search(rf'<(input|textarea|select)[^>]*class="[^"]*is-invalid[^"]*"'
                         rf'[^>]*name="{name}"|name="{name}"[^>]*class="[^"]*is-invalid',
                         page), name
    assert page.count('class="invalid-feedback"') >= 5
    assert "已告知相关规定" in page and "王先生" in page  # kept
    assert _calls(app, tenant_a) == []


def test_a_tampered_unit_or_category_is_refused_not_a_500(app, tenant_a, operator,
                                                          call_form) -> None:
    # An id no unit or category of the tenant has: an error beside the field, no 500.
    response = operator.post(NEW, data=call_form(org_unit_id="12345"))
    assert response.status_code == 422
    response = operator.post(NEW, data=call_form(category_id="999999"))
    assert response.status_code == 422
    assert _calls(app, tenant_a) == []


def test_caller_registered_in_the_people_registry(app, tenant_a, operator, call_form) -> None:
    call_id = post_call(operator, tenant_a, call_form(
        caller_name="张三", caller_id_number=ID_NUMBER, caller_phone="13800138000"))
    [call] = _calls(app, tenant_a)
    assert call.person_id is not None and call.caller_name == ""
    with app.app_context(), tenant_context(tenant_a.id):
        person = people.get(call.person_id)
        assert person.name == "张三" and person.id_number.reveal() == ID_NUMBER
    page = operator.get(f"/t/jiange/hotline/calls/{call_id}").get_data(as_text=True)
    assert f'href="/t/jiange/people/{call.person_id}"' in page
    assert ID_NUMBER not in page

    # The same ID number again: the same person, not a second one.
    post_call(operator, tenant_a, call_form(caller_name="张三", caller_id_number=ID_NUMBER))
    assert _people(app, tenant_a) == 1
    assert {c.person_id for c in _calls(app, tenant_a)} == {call.person_id}

    # Found by search and picked.
    response = operator.post(NEW, data=call_form(op="find", lookup="张三"))
    assert response.status_code == 200
    assert f'<option selected value="{call.person_id}">张三' in response.get_data(as_text=True)
    post_call(operator, tenant_a, call_form(person_id=str(call.person_id), caller_name=""))
    assert _people(app, tenant_a) == 1


def test_an_invalid_id_number_is_refused_beside_the_field(app, tenant_a, operator,
                                                          call_form) -> None:
    response = operator.post(NEW, data=call_form(caller_name="张三",
                                                 caller_id_number="110105194912310021"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'class="form-control is-invalid"[^>]*name="caller_id_number"', page) \
        or re.search(r'name="caller_id_number"[^>]*class="form-control is-invalid"', page)
    assert "110105194912310021" in page  # kept for correction
    assert _calls(app, tenant_a) == [] and _people(app, tenant_a) == 0

    # Numbers without a name cannot be registered.
    response = operator.post(NEW, data=call_form(caller_name="", caller_phone="13800138000"))
    assert response.status_code == 422
    assert _calls(app, tenant_a) == [] and _people(app, tenant_a) == 0


def test_filters_and_text_search(app, tenant_a, operator, call_form) -> None:
    post_call(operator, tenant_a, call_form(question="工资拖欠"))
    post_call(operator, tenant_a, call_form(
        question="离婚财产分割", category_id=category_id(app, tenant_a, "婚姻家庭"),
        outcome="callback"))
    post_call(operator, tenant_a, call_form(question="上个月的借款", received_at=beijing(40),
                                            category_id=category_id(app, tenant_a, "借贷纠纷")))

    def found(**args) -> int:
        response = operator.get("/t/jiange/hotline/", query_string=args)
        assert response.status_code == 200
        match = re.search(r'data-testid="call-total" data-count="(\d+)"',
                          response.get_data(as_text=True))
        return int(match.group(1)) if match else 0

    this_month = today().strftime("%Y-%m")
    assert found() == 3
    assert found(month=this_month) == 2  # 40 days back is always another month
    assert found(q="离婚") == 1
    assert found(category=category_id(app, tenant_a, "借贷纠纷")) == 1
    assert found(outcome="callback") == 1
    assert found(callback="waiting") == 1
    assert found(**{"from": today().isoformat(), "to": today().isoformat()}) == 2
    assert found(day=(today() - timedelta(days=40)).isoformat()) == 1
    assert found(month="garbage", outcome="nonsense", category="x") == 3  # ignored, no 500


def test_pagination(app, tenant_a, operator, call_form, client_a) -> None:
    with app.app_context(), tenant_context(tenant_a.id):
        from core.sdk import tenant_settings

        from fatong_hotline.settings import NAMESPACE, HotlineSettingsSchema

        tenant_settings(NAMESPACE, HotlineSettingsSchema).set_many({"page_size": 10})
        db.session.commit()
    for n in range(12):
        post_call(operator, tenant_a, call_form(question=f"问题{n:02d}"))
    first = operator.get("/t/jiange/hotline/").get_data(as_text=True)
    second = operator.get("/t/jiange/hotline/?page=2").get_data(as_text=True)
    assert first.count('data-testid="call-row"') == 10
    assert second.count('data-testid="call-row"') == 2
    assert 'data-testid="pagination"' in first


def test_a_station_operator_sees_only_their_station(app, tenant_a, station, operator,
                                                    call_form, make_user,
                                                    login_client) -> None:
    bureau_call = post_call(operator, tenant_a, call_form(question="局里接的电话"))
    station_call = post_call(operator, tenant_a, call_form(
        question="所里接的电话", org_unit_id=unit_id(app, tenant_a, station)))
    make_user(tenant_a, "suoli", ["hotline_operator"], org_unit_code=station)
    clerk = login_client(tenant_a, "suoli")

    page = clerk.get("/t/jiange/hotline/").get_data(as_text=True)
    assert "所里接的电话" in page and "局里接的电话" not in page
    assert clerk.get(f"/t/jiange/hotline/calls/{station_call}").status_code == 200
    assert clerk.get(f"/t/jiange/hotline/calls/{bureau_call}").status_code == 404
    assert clerk.post(f"/t/jiange/hotline/calls/{bureau_call}/callback").status_code == 404
    assert clerk.post(f"/t/jiange/hotline/calls/{bureau_call}/refer").status_code == 404
    # The form offers only the station, and refuses the bureau.
    form = clerk.get(NEW).get_data(as_text=True)
    assert "普安司法所" in form and "剑阁县司法局</option>" not in form
    response = clerk.post(NEW, data=call_form(org_unit_id=unit_id(app, tenant_a)))
    assert response.status_code == 422
    # The bureau's operator sees both.
    page = operator.get("/t/jiange/hotline/").get_data(as_text=True)
    assert "所里接的电话" in page and "局里接的电话" in page


def test_callback_due_in_working_days_and_in_the_deadlines(app, tenant_a, operator,
                                                          call_form) -> None:
    call_id = post_call(operator, tenant_a, call_form(outcome="callback"))
    [call] = _calls(app, tenant_a)
    with app.app_context(), tenant_context(tenant_a.id):
        expected = workdays.add_working_days(call.received_on, 2)
    assert call.callback_due_on == expected

    deadlines = operator.get("/t/jiange/deadlines/").get_data(as_text=True)
    assert call.number in deadlines
    assert f"/t/jiange/hotline/calls/{call_id}" in deadlines

    detail = f"/t/jiange/hotline/calls/{call_id}"
    # An empty callback form: errors beside the fields, nothing recorded.
    response = operator.post(f"{detail}/callback", data={"done_at": "", "note": ""})
    assert response.status_code == 422
    assert 'data-testid="callback-form"' in response.get_data(as_text=True)
    assert _calls(app, tenant_a)[0].callback_done_at is None

    response = operator.post(f"{detail}/callback",
                             data={"done_at": beijing(), "note": "已回访，当事人已申请仲裁"})
    assert response.status_code == 302
    [call] = _calls(app, tenant_a)
    assert call.callback_done_at is not None and call.callback_note == "已回访，当事人已申请仲裁"
    page = operator.get(detail).get_data(as_text=True)
    assert 'data-testid="callback-done"' in page and "已回访" in page
    assert call.number not in operator.get("/t/jiange/deadlines/").get_data(as_text=True)
    # Twice: refused politely.
    again = operator.post(f"{detail}/callback", data={"done_at": beijing(), "note": "再次"})
    assert again.status_code == 302
    assert _calls(app, tenant_a)[0].callback_note == "已回访，当事人已申请仲裁"


def _card_value(page: str, href: str) -> int:
    """The figure of the workbench card whose link is ``href``."""
    match = re.search(r'<div class="fs-2 fw-semibold">(\d+)</div>(?:(?!fs-2).)*?href="'
                      + re.escape(href) + '"', page, re.S)
    assert match, href
    return int(match.group(1))


def test_dashboard_cards_and_person_timeline(app, tenant_a, operator, call_form) -> None:
    call_id = post_call(operator, tenant_a, call_form(
        caller_name="张三", caller_id_number=ID_NUMBER, outcome="callback"))
    post_call(operator, tenant_a, call_form())
    post_call(operator, tenant_a, call_form(received_at=beijing(3)))
    [with_person] = [c for c in _calls(app, tenant_a) if c.person_id]

    home = operator.get("/t/jiange/").get_data(as_text=True)
    assert _card_value(home, f"/t/jiange/hotline/?day={today().isoformat()}") == 2
    assert _card_value(home, "/t/jiange/hotline/?callback=waiting") == 1

    page = operator.get(f"/t/jiange/people/{with_person.person_id}").get_data(as_text=True)
    assert with_person.number in page
    assert f'href="/t/jiange/hotline/calls/{call_id}"' in page


def test_garbage_in_the_caller_pick_is_an_error_not_a_500(app, tenant_a, operator,
                                                          call_form) -> None:
    for value in ("abc", "999999"):
        response = operator.post(NEW, data=call_form(person_id=value))
        assert response.status_code == 422, value
    assert _calls(app, tenant_a) == []
