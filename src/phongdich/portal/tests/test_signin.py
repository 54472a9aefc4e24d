import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from phongdich.accounts import phone_otp
from phongdich.accounts.models import User
from phongdich.people.models import Person

PHONE = "0912 345 678"


def confirm(client, phone=PHONE):
    url = reverse("portal-phone") + "?next=signin"
    client.post(url, {"action": "send", "phone-phone": phone})
    code = phone_otp.last_code_for_tests(phone)
    assert len(code) == 6
    return client.post(url, {"action": "confirm", "code-code": code})


def test_a_registered_person_signs_in_with_the_code_and_gets_an_account(citizen_person):
    client = Client()
    response = confirm(client)
    assert response["Location"] == reverse("portal-signin")
    response = client.get(reverse("portal-signin"))
    assert response["Location"] == reverse("portal-me")
    account = User.objects.get(person=citizen_person)
    assert account.role == "citizen" and not account.has_usable_password()
    page = client.get(reverse("portal-me"))
    assert page.status_code == 200 and reverse("my-qr") in page.content.decode()
    # Next time the same account is used.
    again = Client()
    confirm(again)
    again.get(reverse("portal-signin"))
    assert User.objects.filter(person=citizen_person).count() == 1


def test_the_existing_citizen_account_is_used(citizen, citizen_person):
    client = Client()
    confirm(client)
    client.get(reverse("portal-signin"))
    assert client.get(reverse("portal-me")).context["user"] == citizen


def test_a_wrong_code_does_not_sign_in(citizen_person, english):
    client = Client()
    url = reverse("portal-phone") + "?next=signin"
    client.post(url, {"action": "send", "phone-phone": PHONE})
    code = phone_otp.last_code_for_tests(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(url, {"action": "confirm", "code-code": wrong})
    assert response.status_code == 200 and b"The code is not right." in response.content
    assert client.get(reverse("portal-signin"))["Location"].startswith(reverse("portal-phone"))
    assert not User.objects.filter(person=citizen_person).exists()


def test_an_unknown_phone_registers_a_new_person(units):
    client = Client()
    confirm(client, "0977 111 222")
    page = client.get(reverse("portal-signin"))
    assert page.status_code == 200 and "register-full_name" in page.content.decode()
    response = client.post(
        reverse("portal-signin"),
        {
            "action": "register",
            "register-full_name": "Trần Văn Minh",
            "register-sex": "male",
            "register-date_of_birth": "1988-07-15",
            "register-home_commune": "06649",
            "register-citizen_id": "",
        },
    )
    assert response["Location"] == reverse("portal-me")
    person = Person.objects.get(phone="+84977111222")
    assert person.full_name == "Trần Văn Minh" and person.home_commune.code == "06649"
    assert User.objects.get(person=person).role == "citizen"


def test_bad_registration_fields_are_shown_and_nothing_stored(units, english):
    client = Client()
    confirm(client, "0977 111 333")
    response = client.post(
        reverse("portal-signin"),
        {
            "action": "register",
            "register-full_name": "Lê Thị Hoa",
            "register-sex": "female",
            "register-date_of_birth": (dt.date.today() + dt.timedelta(days=3)).isoformat(),
            "register-home_commune": "06649",
            "register-citizen_id": "123",
        },
    )
    assert response.status_code == 200 and b"has-error" in response.content
    assert not Person.objects.filter(phone="+84977111333").exists() and not User.objects.filter(role="citizen").exists()


def test_family_members_sharing_a_phone_are_told_apart_by_birth_date(commune_officer, make_person):
    mother = make_person(commune_officer, full_name="Phạm Thị Hà", phone=PHONE, date_of_birth=dt.date(1970, 1, 5))
    make_person(commune_officer, full_name="Phạm Văn Nam", phone=PHONE, date_of_birth=dt.date(2005, 9, 9))
    client = Client()
    confirm(client)
    assert "birth-date_of_birth" in client.get(reverse("portal-signin")).content.decode()
    response = client.post(reverse("portal-signin"), {"action": "birth", "birth-date_of_birth": "1970-01-05"})
    assert response["Location"] == reverse("portal-me")
    assert User.objects.get(person=mother).role == "citizen"


@pytest.mark.parametrize("role", ["commune_officer"])
def test_a_staff_account_linked_to_the_person_is_not_signed_in(citizen_person, make_account, role):
    staff = make_account(role, "06649", username="staff-lan")
    staff.person = citizen_person
    staff.save()
    client = Client()
    confirm(client)
    response = client.get(reverse("portal-signin"))
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_codes_are_throttled_per_connection(units, monkeypatch, english):
    from phongdich.portal import signin

    monkeypatch.setattr(signin, "CODES_PER_ADDRESS_PER_HOUR", 2)
    client = Client()
    url = reverse("portal-phone") + "?next=signin"
    for phone in ("0977 000 001", "0977 000 002"):
        assert client.post(url, {"action": "send", "phone-phone": phone}).status_code == 302
    response = client.post(url, {"action": "send", "phone-phone": "0977 000 003"})
    assert response.status_code == 200 and b"Too many codes were asked for from this connection" in response.content
    assert phone_otp.last_code_for_tests("0977 000 003") == ""
