import uuid

import pytest
from django.test import Client
from django.urls import reverse

from phongdich.accounts import phone_otp
from phongdich.audit.models import AuditEvent
from phongdich.core.errors import Conflict, InvalidInput, NotFound
from phongdich.notify.models import Message
from phongdich.portal import services
from phongdich.portal.models import Feedback, FeedbackAnswer

SCRIPT = "<script>alert('x')</script>"
HA_PHONG = "06652"


def send(user, text="Tụ tập đông người ở đầu ngõ", commune="", key=None, phone=""):
    data = services.FeedbackInput(
        uuid=key or uuid.uuid4(), category="gathering", text=text, commune=commune, confirmed_phone=phone
    )
    return services.submit_feedback(user, data)[0]


def test_feedback_goes_to_the_home_commune_or_the_one_chosen(citizen, citizen_person):
    home = send(citizen)
    chosen = send(citizen, commune=HA_PHONG)
    assert home.commune == citizen_person.home_commune
    assert chosen.commune.code == HA_PHONG
    assert home.reporter_person == citizen_person and home.reporter_user == citizen and home.status == "open"


def test_officers_see_only_their_communes_feedback(citizen, commune_officer, other_officer):
    home = send(citizen)
    elsewhere = send(citizen, commune=HA_PHONG)
    assert list(services.search_feedback(commune_officer)) == [home]
    assert list(services.search_feedback(other_officer)) == [elsewhere]
    assert services.open_count(commune_officer) == 1
    client = Client()
    client.force_login(other_officer)
    assert client.get(reverse("portal-feedback-detail", args=[home.pk])).status_code == 404
    with pytest.raises(NotFound):
        services.answer_feedback(other_officer, home.pk, "Trả lời")


def test_an_answer_reaches_the_reporter(citizen, citizen_person, commune_officer):
    feedback = send(citizen)
    services.answer_feedback(commune_officer, feedback.pk, "Đã cử tổ công tác đến kiểm tra.")
    feedback.refresh_from_db()
    assert feedback.status == "answered"
    message = Message.objects.get(template="portal_feedback_answered")
    assert message.person == citizen_person and "Đã cử tổ công tác" in message.body
    mine = Client()
    mine.force_login(citizen)
    page = mine.get(reverse("portal-feedback-detail", args=[feedback.pk])).content.decode()
    assert "Đã cử tổ công tác đến kiểm tra." in page
    services.follow_up(citizen, feedback.pk, "Vẫn còn tụ tập.")
    feedback.refresh_from_db()
    assert feedback.status == "open" and FeedbackAnswer.objects.filter(from_officer=False).count() == 1
    services.answer_feedback(commune_officer, feedback.pk, "", "closed")
    feedback.refresh_from_db()
    assert feedback.status == "closed"
    assert AuditEvent.objects.filter(object_type="feedback", object_id=str(feedback.pk)).exists()


def test_a_script_in_feedback_is_never_rendered_unescaped(citizen, commune_officer):
    feedback = send(citizen, text=f"Có người dán {SCRIPT} lên cổng")
    services.answer_feedback(commune_officer, feedback.pk, f"Đã xử lý {SCRIPT}")
    pages = []
    for user, names in (
        (citizen, [("portal-feedback-detail", [feedback.pk]), ("portal-feedback-mine", [])]),
        (commune_officer, [("portal-feedback-detail", [feedback.pk]), ("portal-feedback-list", [])]),
    ):
        client = Client()
        client.force_login(user)
        pages += [client.get(reverse(name, args=args)).content.decode() for name, args in names]
    for html in pages:
        assert SCRIPT not in html
        assert "&lt;script&gt;" in html


def test_over_long_text_is_refused_and_nothing_stored(citizen, english):
    with pytest.raises(InvalidInput) as error:
        send(citizen, text="a" * 2001)
    assert error.value.errors[0].field == "text" and "2000" in error.value.errors[0].message
    assert send(citizen, text="a" * 2000).text == "a" * 2000
    client = Client()
    client.force_login(citizen)
    response = client.post(
        reverse("portal-feedback-new"), {"uuid": str(uuid.uuid4()), "category": "violation", "text": "b" * 2001}
    )
    assert response.status_code == 200 and b"At most 2000 characters." in response.content
    assert Feedback.objects.count() == 1


def test_a_retried_submission_is_stored_once(citizen, make_account):
    key = uuid.uuid4()
    first = send(citizen, key=key)
    assert send(citizen, key=key).pk == first.pk
    assert Feedback.objects.count() == 1
    with pytest.raises(Conflict):
        send(None, key=key, phone="+84987654321")


def test_without_an_account_the_phone_must_be_confirmed(units):
    with pytest.raises(InvalidInput) as error:
        send(None, commune="06649")
    assert error.value.errors[0].field == "phone"
    assert not Feedback.objects.exists()


def test_an_anonymous_reporter_confirms_the_phone_and_follows_the_answer(units, commune_officer):
    client = Client()
    assert client.get(reverse("portal-feedback-new")).status_code == 302
    url = reverse("portal-phone") + "?next=feedback"
    client.post(url, {"action": "send", "phone-phone": "0987 654 321"})
    code = phone_otp.last_code_for_tests("0987654321")
    response = client.post(url, {"action": "confirm", "code-code": code})
    assert response["Location"] == reverse("portal-feedback-new")
    response = client.post(
        reverse("portal-feedback-new"),
        {"uuid": str(uuid.uuid4()), "category": "help", "text": "Cần hỗ trợ gạo", "commune": "06649"},
    )
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert feedback.reporter_phone == "+84987654321" and feedback.reporter_person is None
    services.answer_feedback(commune_officer, feedback.pk, "Sẽ hỗ trợ trong ngày.")
    assert Message.objects.get(template="portal_feedback_answered").address == "+84987654321"
    page = client.get(reverse("portal-feedback-mine")).content.decode()
    assert "Cần hỗ trợ gạo" in page and "Sẽ hỗ trợ trong ngày." in page


def test_the_officers_menu_counts_open_feedback(citizen, commune_officer, other_officer):
    from phongdich.web.navigation import menu_for

    send(citizen)
    labels = {item.url_name: str(item.label) for item in menu_for(commune_officer)}
    assert labels["portal-feedback-list"].endswith("(1)")
    assert not str({i.url_name: str(i.label) for i in menu_for(other_officer)}["portal-feedback-list"]).endswith(")")
    assert "portal-feedback-list" not in {item.url_name for item in menu_for(citizen)}
