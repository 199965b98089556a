"""The provider pool pages: the list with loads, a provider's page with the cases the user
may see, and the form (create, edit, validation, permissions, tenant isolation)."""

from __future__ import annotations

from sqlalchemy import func, select

from core.sdk import User, db, tenant_context
from plugins.legal_aid.assignment import MemberKind
from plugins.legal_aid.models import Provider
from plugins.legal_aid.models.enums import CaseStatus

from conftest import login
from legal_aid_support import _user, drive_case, in_world, login_as, world  # noqa: F401


def base(world) -> str:
    return f"/t/{world.tenant.slug}/legal_aid/providers"


def form(**overrides) -> dict:
    data = {"name": "王芳", "kind": "lawyer", "organisation": "四川蜀道律师事务所",
            "licence_number": "15108201510000001", "phone": "0839-6600000",
            "practice_since": "2015-07-01", "criminal_defence_since": "2016-01-01",
            "specialities": ["civil", "criminal_defence"], "hometown": "剑阁县",
            "languages": "普通话，四川话", "county": "剑阁县", "max_load": "6", "user_id": "",
            "active": "y", "notes": ""}
    data.update(overrides)
    return data


def count(app, world, *conditions) -> int:
    with in_world(app, world):
        return db.session.scalar(select(func.count()).select_from(Provider).where(*conditions))


def test_list_shows_loads_and_detail_shows_cases(app, world, login_as):
    with in_world(app, world):
        case = drive_case(world, CaseStatus.IN_PROGRESS, provider="zhou")
        db.session.commit()
        case_id = case.id
    client = login_as("reviewer")
    page = client.get(f"{base(world)}/").get_data(as_text=True)
    zhou = world.provider_ids["zhou"]
    assert page.count('data-testid="provider-row"') == 4
    row = page.split(f'data-provider="{zhou}"')[1].split("</tr>")[0]
    assert "1 / 8" in row and "周婷" in row
    assert 'data-testid="provider-new"' not in page  # the reviewer cannot manage
    detail = client.get(f"{base(world)}/{zhou}").get_data(as_text=True)
    assert f'data-case="{case_id}"' in detail
    # A provider linked user without the view permission cannot open the pool.
    assert login_as("lawyer2").get(f"{base(world)}/").status_code == 403


def test_create_edit_and_validation(app, world, login_as):
    client = login_as("director")
    assert client.get(f"{base(world)}/new").status_code == 200
    bad = client.post(f"{base(world)}/new", data=form(name="", practice_since="2099-01-01",
                                                      criminal_defence_since="2014-01-01",
                                                      max_load="0"))
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    # Each bad field is marked (the messages may be translated: count the markers).
    for name in ("name", "practice_since", "max_load"):
        assert f'is-invalid" id="{name}"' in text, name
    assert count(app, world, Provider.name == "王芳") == 0
    early = client.post(f"{base(world)}/new", data=form(criminal_defence_since="2014-01-01"))
    assert early.status_code == 422
    assert 'is-invalid" id="criminal_defence_since"' in early.get_data(as_text=True)
    response = client.post(f"{base(world)}/new", data=form())
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with in_world(app, world):
        provider = db.session.scalar(select(Provider).where(Provider.name == "王芳"))
        assert provider.kind is MemberKind.LAWYER and provider.max_load == 6
        assert provider.specialities == "civil,criminal_defence"
        assert provider.languages == "普通话,四川话" and provider.active
        provider_id = provider.id
        lawyer2_id = db.session.scalar(select(User.id).where(User.username == "lawyer2"))
    # An account already linked to another provider is refused.
    taken = client.post(f"{base(world)}/{provider_id}/edit", data=form(user_id=lawyer2_id))
    assert taken.status_code == 422 and 'is-invalid" id="user_id"' in taken.get_data(
        as_text=True)
    page = client.get(f"{base(world)}/{provider_id}/edit").get_data(as_text=True)
    assert 'value="civil" checked' in page or 'checked value="civil"' in page \
        or ('value="civil"' in page and "checked" in page)
    response = client.post(f"{base(world)}/{provider_id}/edit",
                           data=form(active="", specialities=["labour_arbitration"]))
    assert response.status_code == 303
    with in_world(app, world):
        provider = db.session.get(Provider, provider_id)
        assert not provider.active and provider.specialities == "labour_arbitration"
        assert provider.user_id is None
    listing = client.get(f"{base(world)}/").get_data(as_text=True)
    assert f'data-provider="{provider_id}"' not in listing  # inactive hidden by default
    assert f'data-provider="{provider_id}"' in client.get(
        f"{base(world)}/?active=all").get_data(as_text=True)


def test_manage_needs_the_permission_and_ids_stay_in_the_tenant(app, world, login_as,
                                                                tenant_b):
    reviewer = login_as("reviewer")
    assert reviewer.get(f"{base(world)}/new").status_code == 403
    li = world.provider_ids["li"]
    assert reviewer.post(f"{base(world)}/{li}/edit", data=form()).status_code == 403
    with app.app_context(), tenant_context(tenant_b.id):
        _user("b_director", "乙主任", "legal_aid_director", None)
        db.session.commit()
    other = app.test_client()
    login(other, tenant_b, "b_director")
    assert other.get(f"/t/{tenant_b.slug}/legal_aid/providers/").status_code == 200
    assert other.get(f"/t/{tenant_b.slug}/legal_aid/providers/{li}").status_code == 404
    assert other.get(f"/t/{tenant_b.slug}/legal_aid/providers/{li}/edit").status_code == 404
    assert login_as("director").get(f"{base(world)}/999999").status_code == 404
