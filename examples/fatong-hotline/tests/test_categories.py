"""The call categories page: add, rename, reorder, deactivate. A deactivated category is
no longer offered for new calls but stays on the calls that have it."""

from __future__ import annotations

import re

from conftest import category_id, post_call

PAGE = "/t/jiange/hotline/categories/"


def test_add_a_category_and_refuse_a_duplicate(app, tenant_a, supervisor) -> None:
    response = supervisor.post(PAGE, data={"name": "  拆迁安置 ", "sort_order": "5"})
    assert response.status_code == 302
    page = supervisor.get(PAGE).get_data(as_text=True)
    assert "<td>拆迁安置</td>" in page
    assert category_id(app, tenant_a, "拆迁安置") is not None

    response = supervisor.post(PAGE, data={"name": "拆迁安置", "sort_order": "7"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'class="form-control is-invalid"[^>]*name="name"[^>]*value="拆迁安置"'
                     r'|name="name"[^>]*class="form-control is-invalid"', page) \
        or ('is-invalid' in page and 'value="拆迁安置"' in page)
    assert page.count("<td>拆迁安置</td>") == 1

    response = supervisor.post(PAGE, data={"name": "", "sort_order": "-3"})
    assert response.status_code == 422
    assert response.get_data(as_text=True).count('class="invalid-feedback"') == 2


def test_rename_and_deactivate_keeps_old_calls(app, tenant_a, supervisor, operator,
                                               call_form) -> None:
    labour = category_id(app, tenant_a, "劳动争议")
    call_id = post_call(operator, tenant_a, call_form(category_id=labour))
    edit = f"/t/jiange/hotline/categories/{labour}/edit"
    assert supervisor.get(edit).status_code == 200
    # Renaming onto another category's name: refused beside the field.
    response = supervisor.post(edit, data={"name": "婚姻家庭", "sort_order": "0",
                                           "active": "y"})
    assert response.status_code == 422 and "is-invalid" in response.get_data(as_text=True)

    response = supervisor.post(edit, data={"name": "劳动人事争议", "sort_order": "1"})
    assert response.status_code == 302  # "active" unticked: deactivated
    page = supervisor.get(PAGE).get_data(as_text=True)
    assert re.search(rf'data-category-id="{labour}" data-active="no"', page)

    form = operator.get("/t/jiange/hotline/calls/new").get_data(as_text=True)
    assert "劳动人事争议" not in form and "婚姻家庭" in form
    response = operator.post("/t/jiange/hotline/calls/new", data=call_form(category_id=labour))
    assert response.status_code == 422  # not offered any more
    detail = operator.get(f"/t/jiange/hotline/calls/{call_id}").get_data(as_text=True)
    assert 'data-testid="call-category">劳动人事争议<' in detail

    # Offered again when reactivated.
    supervisor.post(edit, data={"name": "劳动人事争议", "sort_order": "1", "active": "y"})
    assert "劳动人事争议" in operator.get("/t/jiange/hotline/calls/new").get_data(as_text=True)


def test_only_managers_manage_categories(app, tenant_a, operator) -> None:
    labour = category_id(app, tenant_a, "劳动争议")
    assert operator.get(PAGE).status_code == 403
    assert operator.post(PAGE, data={"name": "x"}).status_code == 403
    assert operator.post(f"/t/jiange/hotline/categories/{labour}/edit",
                         data={"name": "x"}).status_code == 403


def test_unknown_category_is_404(supervisor) -> None:
    assert supervisor.get("/t/jiange/hotline/categories/12345/edit").status_code == 404
