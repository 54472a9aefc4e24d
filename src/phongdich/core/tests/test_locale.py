import pytest
from django.conf import settings


@pytest.mark.django_db
def test_screens_are_vietnamese_even_for_an_english_browser(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "vi"


@pytest.mark.django_db
def test_the_switch_chooses_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/login/")
    assert response["Content-Language"] == "en"


@pytest.mark.django_db
def test_api_clients_may_ask_for_english_errors(client):
    english = client.get("/api/v1/persons", HTTP_ACCEPT_LANGUAGE="en")
    vietnamese = client.get("/api/v1/persons")
    assert english.status_code == vietnamese.status_code == 401
    assert english.json()["detail"].startswith("Sign in")
    assert vietnamese.json()["detail"] != english.json()["detail"]
