def test_login_and_workbench(app, tenant_a, client_a):
    response = client_a.get(f"/t/{tenant_a.slug}/")
    assert response.status_code == 200
    assert "剑阁县司法局" in response.get_data(as_text=True)
