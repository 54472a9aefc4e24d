"""The public verification page a release certificate's QR opens: valid, revoked or not valid, minimal data.

The certificate is made the way the platform makes it: an order through the quarantine services, released at
its planned end by ``release_due_orders``, its PDF rendered by ``release_pdf``; the QR is read back from that PDF.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.quarantine import services
from phongdich.quarantine.models import OrderStatus, ReleaseCertificate
from phongdich.quarantine.release_qr import sign_release, verify_url
from phongdich.quarantine.tests.pdf_qr import qr_texts
from phongdich.quarantine.verify_views import initials, verify_token


@pytest.fixture
def released(units, province_admin, commune_officer, make_person, make_cccd):
    """A person of Hà Khánh released from a 7-day home quarantine without tests (a policy version for it)."""
    today = timezone.localdate()
    services.save_policy(
        province_admin,
        services.PolicyInput(
            name="Thử nghiệm: 7 ngày tại nhà",
            valid_from=today - dt.timedelta(days=60),
            rules=[services.RuleInput(reason="other", protection="not_protected", kind="home", days=7)],
        ),
    )
    birth = dt.date(1988, 5, 17)
    person = make_person(
        province_admin,
        full_name="Phạm Thị Minh Khuê",
        date_of_birth=birth,
        sex="female",
        citizen_id=make_cccd(birth, "female"),
    )
    order = services.issue_order(
        commune_officer, services.OrderInput(person=person.pk, reason="other", start=today - dt.timedelta(days=10))
    )
    assert order.planned_end == today - dt.timedelta(days=4)
    summary = services.release_due_orders(timezone.now())
    assert summary.released == [order.pk]
    order.refresh_from_db()
    assert order.status == OrderStatus.RELEASED
    return order


def qr_path_of(officer, order) -> str:
    """The QR of the order's release PDF, decoded: the path part of the address it holds."""
    [text] = qr_texts(services.release_pdf(officer, order.pk))
    return urlsplit(text).path


def test_initials_take_the_first_letter_of_each_part_of_the_name():
    assert initials("Phạm Thị Minh Khuê") == "P.T.M.K."
    assert initials("đỗ   ánh") == "Đ.Á."
    assert initials("") == ""


def test_the_qr_of_the_release_pdf_opens_a_page_that_says_valid_with_minimal_data(released, commune_officer):
    path = qr_path_of(commune_officer, released)
    certificate = ReleaseCertificate.objects.get(order=released)
    assert path == verify_url(certificate.token)

    response = Client().get(path)  # anyone: no account needed

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-status="valid"' in page
    assert certificate.number in page
    assert "P.T.M.K., 1988" in page
    assert released.planned_end.strftime("%d/%m/%Y") in page
    # Nothing that identifies the person beyond initials and birth year.
    person = released.person
    for private in (person.full_name, person.citizen_id, person.phone, "17/05/1988"):
        assert private not in page
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    event = AuditEvent.objects.filter(object_type="release_certificate", action="view").latest("at")
    assert (event.object_id, event.actor_id) == (str(certificate.pk), None)
    assert event.detail == {"via": "public_verification", "status": "valid"}


def test_a_revoked_certificate_says_revoked(released, commune_officer):
    path = qr_path_of(commune_officer, released)
    ReleaseCertificate.objects.filter(order=released).update(revoked_at=timezone.now(), revoke_reason="test")

    response = Client().get(path)

    assert response.status_code == 200
    assert 'data-status="revoked"' in response.content.decode()
    assert verify_token(path.removeprefix("/q/verify/")).status == "revoked"


def test_a_changed_token_says_not_valid_and_shows_nothing(released, commune_officer):
    path = qr_path_of(commune_officer, released)
    later = (released.planned_end + dt.timedelta(days=30)).strftime("%Y%m%d")
    forged = path.replace(released.planned_end.strftime("%Y%m%d"), later)
    assert forged != path

    for wrong in (forged, "/q/verify/nonsense", "/q/verify/" + "x" * 500):
        response = Client().get(wrong)
        assert response.status_code == 404, wrong
        page = response.content.decode()
        assert 'data-status="invalid"' in page
        assert 'id="certificate-number"' not in page and 'id="holder"' not in page


def test_a_genuine_signature_for_a_certificate_that_is_not_stored_or_not_this_persons_is_not_valid(released):
    certificate = ReleaseCertificate.objects.get(order=released)
    unknown = sign_release("GXN-NOT-ISSUED", certificate.person_digest, released.planned_end)
    someone_else = sign_release(certificate.number, "0" * 32, released.planned_end)
    assert verify_token(unknown).status == "invalid"
    assert verify_token(someone_else).status == "invalid"
    assert verify_token(certificate.token).status == "valid"


def test_only_get_is_answered(released):
    certificate = ReleaseCertificate.objects.get(order=released)
    assert Client().post(verify_url(certificate.token)).status_code == 405


def test_the_page_is_in_the_readers_language(released, english):
    certificate = ReleaseCertificate.objects.get(order=released)
    page = Client().get(verify_url(certificate.token)).content.decode()
    assert "Valid" in page and "Quarantine release certificate" in page


def test_quarantine_staff_see_the_same_minimal_page(released, make_account):
    staff = make_account(Role.QUARANTINE_STAFF, "06649", username="gate-staff")
    client = Client()
    client.force_login(staff)
    certificate = ReleaseCertificate.objects.get(order=released)
    response = client.get(verify_url(certificate.token))
    assert response.status_code == 200
    assert released.person.full_name not in response.content.decode()
    event = AuditEvent.objects.filter(object_type="release_certificate", action="view").latest("at")
    assert event.actor_id == staff.pk and event.detail["via"] == "public_verification"
