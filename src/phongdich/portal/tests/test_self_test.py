import io
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from phongdich.cases.models import Case
from phongdich.core.errors import InvalidInput, NotFound
from phongdich.notify.models import Message
from phongdich.portal import services
from phongdich.portal.models import SelfTestReport
from phongdich.portal.photos import MAX_BYTES, clean_photo
from phongdich.portal.tests.images import GPS_IFD, MAKE, jpeg_bytes, png_bytes
from phongdich.tasks.models import Task
from phongdich.testing.models import Sample, TestResult


def report(user, result="positive", photo=None, key=None):
    data = services.SelfTestInput(
        taken_at=timezone.now(), result=result, photo=photo if photo is not None else jpeg_bytes(), uuid=key
    )
    return services.report_self_test(user, data)


def test_the_stored_photo_has_no_exif_or_gps(citizen):
    original = jpeg_bytes(with_gps=True)
    assert GPS_IFD in Image.open(io.BytesIO(original)).getexif()
    stored = report(citizen, "negative", original)
    with stored.photo.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        assert image.format == "JPEG"
        exif = image.getexif()
        assert GPS_IFD not in exif and MAKE not in exif
        assert "exif" not in image.info


def test_a_png_is_accepted_as_a_jpeg():
    assert Image.open(io.BytesIO(clean_photo(png_bytes()))).format == "JPEG"


@pytest.mark.parametrize(
    "content",
    [b"", b"<script>alert(1)</script>", b"%PDF-1.4 not a photo", b'<svg xmlns="http://www.w3.org/2000/svg"/>'],
)
def test_a_file_that_is_not_a_photo_is_refused_by_its_content(citizen, content):
    with pytest.raises(InvalidInput) as error:
        report(citizen, photo=content)
    assert [e.field for e in error.value.errors] == ["photo"]
    assert not SelfTestReport.objects.exists() and not Sample.objects.exists() and not Task.objects.exists()


def test_an_over_large_photo_is_refused(citizen):
    with pytest.raises(InvalidInput) as error:
        report(citizen, photo=jpeg_bytes() + b"\0" * MAX_BYTES)
    assert "5 MB" in error.value.errors[0].message


def test_a_positive_self_test_makes_a_task_in_the_commune_and_no_case(citizen, citizen_person):
    stored = report(citizen, "positive")
    task = Task.objects.get()
    assert stored.task == task and task.commune == citizen_person.home_commune and task.person == citizen_person
    assert task.kind == "take_sample"
    result = TestResult.objects.get()
    assert result.sample.test_type == "self_test" and result.result == "positive" and stored.sample == result.sample
    assert not Case.objects.exists()
    assert Message.objects.filter(template="portal_self_test_positive", person=citizen_person).count() == 1


def test_a_negative_self_test_makes_no_task(citizen):
    report(citizen, "negative")
    assert not Task.objects.exists()
    assert TestResult.objects.get().result == "negative"


def test_a_retried_report_is_stored_once(citizen):
    key = uuid.uuid4()
    first = report(citizen, key=key)
    again = report(citizen, key=key)
    assert first.pk == again.pk
    assert SelfTestReport.objects.count() == 1 and Task.objects.count() == 1 and Sample.objects.count() == 1


def test_bad_fields_are_all_named(citizen):
    data = services.SelfTestInput(taken_at=None, result="maybe", photo=b"x")
    with pytest.raises(InvalidInput) as error:
        services.report_self_test(citizen, data)
    assert {e.field for e in error.value.errors} == {"taken_at", "result", "photo"}


def test_staff_cannot_report_for_themselves(commune_officer):
    with pytest.raises(NotFound):
        report(commune_officer)


def test_the_photo_is_served_to_the_person_and_the_commune_only(citizen, commune_officer, other_officer):
    stored = report(citizen, "negative")
    url = reverse("portal-photo", args=["self-test", stored.pk])
    for user, status in ((citizen, 200), (commune_officer, 200), (other_officer, 404)):
        client = Client()
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status
        if status == 200:
            assert response["Content-Type"] == "image/jpeg" and "no-store" in response["Cache-Control"]
    assert Client().get(url).status_code == 302  # anonymous: to the login page


def test_the_form_reports_and_shows_errors(citizen, english):
    client = Client()
    client.force_login(citizen)
    url = reverse("portal-self-test")
    assert client.get(url).status_code == 200
    taken = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    bad = io.BytesIO(b"#!/bin/sh\necho hi")
    bad.name = "photo.jpg"
    response = client.post(url, {"uuid": str(uuid.uuid4()), "taken_at": taken, "result": "positive", "photo": bad})
    assert response.status_code == 200 and b"This file is not a photo" in response.content
    good = io.BytesIO(jpeg_bytes(with_gps=True))
    good.name = "test.jpg"
    response = client.post(url, {"uuid": str(uuid.uuid4()), "taken_at": taken, "result": "positive", "photo": good})
    assert response.status_code == 302
    assert SelfTestReport.objects.count() == 1


def test_the_commune_marks_a_report_seen(citizen, commune_officer, other_officer):
    stored = report(citizen, "negative")
    with pytest.raises(NotFound):
        services.review_self_test(other_officer, stored.pk, "confirmed")
    services.review_self_test(commune_officer, stored.pk, "confirmed")
    stored.refresh_from_db()
    assert stored.status == "confirmed" and stored.reviewed_by == commune_officer
    client = Client()
    client.force_login(commune_officer)
    assert client.get(reverse("portal-self-tests")).status_code == 200
