import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("put", "/api/v1/persons", 405), ("delete", "/api/v1/units", 405), ("get", "/api/v1/no-such-thing", 404)],
)
def test_every_api_4xx_has_the_one_error_shape(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert body["detail"] and body["errors"] == []


@pytest.mark.django_db
def test_method_not_allowed_keeps_the_allow_header(client):
    response = client.delete("/api/v1/units")
    assert response["Allow"] == "GET"


@pytest.mark.django_db
def test_screens_keep_their_html_error_pages(client):
    response = client.get("/no-such-screen/")
    assert response.status_code in (302, 404)
    assert not response.get("Content-Type", "").startswith("application/json")


@pytest.mark.django_db
def test_a_nul_in_a_query_parameter_is_refused_naming_it(api_client, province_admin):
    # Found by the API fuzzer: PostgreSQL cannot compare with text holding NUL, which was a 500.
    response = api_client(province_admin).get("/api/v1/tasks", {"kind": "&6\x00", "status": "done"})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "kind" and "NUL" in error["message"]


@pytest.mark.django_db
def test_a_nul_in_a_screen_address_is_a_400_not_a_server_error(client):
    response = client.get("/tasks/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert "q" in response.content.decode()


@pytest.mark.django_db
def test_ordinary_query_text_passes(api_client, province_admin):
    assert api_client(province_admin).get("/api/v1/tasks", {"kind": "call_contact"}).status_code == 200


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_a_400_naming_the_body(api_client, province_admin, english):
    response = api_client(province_admin).post("/api/v1/checkins", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request has errors.",
        "errors": [{"field": "body", "message": "The body is not valid JSON."}],
    }
