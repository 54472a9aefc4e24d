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
