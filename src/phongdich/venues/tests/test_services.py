"""Venue registry, approval, QR keys, stay rules, safety scores: through the services, as the screens use them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.checkins.models import CheckIn
from phongdich.core.errors import Conflict, InvalidInput, NotFound
from phongdich.venues import services
from phongdich.venues.models import RetiredQrKey, SafetyChecklist, StayRule, Venue, VenueStatus
from phongdich.venues.posters import poster_pdf

HA_KHANH = "06649"
HA_PHONG = "06652"
MONG_CAI_COMMUNE = "06727"


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def market(commune=HA_KHANH, **overrides):
    data = {"name": "Chợ Hà Khánh", "kind": "market", "commune": commune, "address": "Tổ 5, khu 3"}
    data.update(overrides)
    return services.VenueInput(**data)


@pytest.fixture
def operator(units, make_account):
    return make_account(Role.VENUE_OPERATOR, username="chu-quan")


def test_an_operators_venue_waits_for_approval(operator):
    venue = services.register_venue(operator, market())
    assert venue.status == VenueStatus.PENDING
    assert list(venue.operators.all()) == [operator]
    assert len(venue.code) == 8
    assert len(venue.qr_key) >= 22
    assert AuditEvent.objects.filter(object_type="venue", object_id=str(venue.pk), action="create").exists()


def test_the_public_sign_up_makes_an_operator_and_a_pending_venue(units):
    user, venue = services.sign_up_operator(
        services.OperatorSignUp(username="quan-pho", password="mat-khau-dai", full_name="Vũ Thị Lan", venue=market())
    )
    assert user.role == Role.VENUE_OPERATOR
    assert user.check_password("mat-khau-dai")
    assert venue.status == VenueStatus.PENDING
    assert list(venue.operators.all()) == [user]


def test_sign_up_names_every_bad_field(units, english):
    with pytest.raises(InvalidInput) as caught:
        services.sign_up_operator(
            services.OperatorSignUp(
                username="a b", password="short", full_name="", venue=market(kind="spaceport", commune="99999")
            )
        )
    assert {e.field for e in caught.value.errors} == {"username", "password", "full_name", "kind", "commune"}
    assert not Venue.objects.exists()


def test_a_commune_approves_its_own_venues_only(operator, commune_officer, make_account):
    venue = services.register_venue(operator, market())
    elsewhere = make_account(Role.COMMUNE_OFFICER, MONG_CAI_COMMUNE)
    with pytest.raises(NotFound):
        services.set_status(elsewhere, venue.pk, VenueStatus.ACTIVE)
    with pytest.raises(NotFound):
        services.set_status(operator, venue.pk, VenueStatus.ACTIVE)
    approved = services.set_status(commune_officer, venue.pk, VenueStatus.ACTIVE)
    assert approved.status == VenueStatus.ACTIVE
    assert approved.status_changed_by == commune_officer


def test_suspending_and_closing_need_a_reason_and_are_audited(operator, commune_officer):
    venue = services.register_venue(operator, market())
    services.set_status(commune_officer, venue.pk, VenueStatus.ACTIVE)
    with pytest.raises(InvalidInput) as caught:
        services.set_status(commune_officer, venue.pk, VenueStatus.SUSPENDED, "")
    assert [e.field for e in caught.value.errors] == ["reason"]
    services.set_status(commune_officer, venue.pk, VenueStatus.SUSPENDED, "Không quét mã QR tại cửa")
    event = (
        AuditEvent.objects.filter(object_type="venue", object_id=str(venue.pk), action="update").order_by("pk").last()
    )
    assert event.detail["to"] == "suspended"
    assert "Không quét" not in str(event.detail)  # free text stays out of the audit log
    history = services.status_history(venue)
    assert [(h.from_status, h.to_status) for h in history] == [("active", "suspended"), ("pending", "active")]
    assert history[0].reason == "Không quét mã QR tại cửa"
    assert history[0].changed_by == commune_officer
    with pytest.raises(Conflict):
        services.set_status(commune_officer, venue.pk, VenueStatus.SUSPENDED, "lần nữa")


def test_an_operator_sees_only_their_own_venues(operator, make_account, commune_officer):
    mine = services.register_venue(operator, market())
    other_operator = make_account(Role.VENUE_OPERATOR, username="chu-khac")
    theirs = services.register_venue(other_operator, market(name="Quán khác"))
    assert list(services.search_venues(operator)) == [mine]
    with pytest.raises(NotFound):
        services.get_venue(operator, theirs.pk)
    with pytest.raises(NotFound):
        services.update_venue(operator, theirs.pk, services.VenueInput(name="Chiếm"))
    # The commune sees both, wherever the operators are.
    assert set(services.search_venues(commune_officer)) == {mine, theirs}


def test_staff_register_only_in_their_territory(commune_officer, english):
    venue = services.register_venue(commune_officer, market())
    assert venue.status == VenueStatus.ACTIVE
    with pytest.raises(InvalidInput) as caught:
        services.register_venue(commune_officer, market(commune=MONG_CAI_COMMUNE))
    assert [e.field for e in caught.value.errors] == ["commune"]


def test_citizens_cannot_register_venues(units, make_account):
    citizen = make_account(Role.CITIZEN)
    with pytest.raises(NotFound):
        services.register_venue(citizen, market())


def test_rotation_retires_the_old_key(operator):
    venue = services.register_venue(operator, market())
    old_key = venue.qr_key
    assert services.venue_by_qr_key(old_key) == venue
    rotated = services.rotate_qr(operator, venue.pk)
    assert rotated.qr_key != old_key
    assert RetiredQrKey.objects.filter(key=old_key, venue=venue).exists()
    with pytest.raises(services.RetiredQrCode) as caught:
        services.venue_by_qr_key(old_key)
    assert caught.value.status == 410
    assert services.venue_by_qr_key(rotated.qr_key) == venue


@pytest.mark.parametrize("key", ["", "nope", "x" * 500, "a\x00b"])
def test_unknown_keys_are_not_found(units, key):
    with pytest.raises(NotFound):
        services.venue_by_qr_key(key)


def test_another_communes_officer_cannot_rotate(operator, make_account):
    venue = services.register_venue(operator, market())
    with pytest.raises(NotFound):
        services.rotate_qr(make_account(Role.COMMUNE_OFFICER, HA_PHONG), venue.pk)


def test_stay_rules_come_from_the_seeded_table_and_the_province_can_change_them(db):
    assert services.default_stay_minutes("pharmacy") == 15
    assert services.default_stay_minutes("hotel") == 720
    StayRule.objects.filter(kind="pharmacy").update(minutes=25)
    assert services.default_stay_minutes("pharmacy") == 25
    StayRule.objects.filter(kind="pharmacy").delete()
    assert services.default_stay_minutes("pharmacy") == 15
    assert services.default_stay_minutes("unknown") == services.FALLBACK_STAY_MINUTES


def _answers(checklist, no=()):
    return {c["key"]: c["key"] not in no for c in checklist.criteria}


def test_safety_score_and_class_follow_the_thresholds(db):
    checklist = SafetyChecklist(
        version=99,
        title="t",
        criteria=[
            {"key": "a", "label": "A", "weight": 5, "critical": False},
            {"key": "b", "label": "B", "weight": 3, "critical": False},
            {"key": "c", "label": "C", "weight": 2, "critical": True},
        ],
        thresholds={"safe": 90, "low": 75, "medium": 60, "high": 40},
    )
    assert services.score_answers(checklist, {"a": True, "b": True, "c": True}) == (100, "safe")
    assert services.score_answers(checklist, {"a": True, "b": False, "c": True}) == (70, "medium")
    assert services.score_answers(checklist, {"a": True, "b": True, "c": False}) == (80, "high")  # critical missed
    assert services.score_answers(checklist, {"a": False, "b": True, "c": True}) == (50, "high")
    assert services.score_answers(checklist, {"a": False, "b": False, "c": True}) == (20, "very_high")
    assert services.score_answers(checklist, {"a": True, "b": False, "c": False}) == (50, "high")


def test_a_self_assessment_is_stored_with_its_checklist_version(operator):
    venue = services.register_venue(operator, market())
    checklist = services.current_checklist()
    assessment = services.assess_safety(operator, venue.pk, _answers(checklist))
    assert (assessment.score, assessment.risk_class, assessment.checklist.version) == (100, "safe", 1)
    assert assessment.assessed_by == operator
    venue.refresh_from_db()
    assert venue.risk_class == "safe"
    worse = services.assess_safety(operator, venue.pk, _answers(checklist, no={"masks"}))
    assert worse.risk_class == "high"
    assert services.latest_assessment(venue) == worse


def test_a_self_assessment_must_answer_every_criterion(operator, english):
    venue = services.register_venue(operator, market())
    with pytest.raises(InvalidInput) as caught:
        services.assess_safety(operator, venue.pk, {"masks": True, "bogus": True, "distancing": "yes"})
    fields = {e.field for e in caught.value.errors}
    assert "answers.bogus" in fields
    assert "answers.distancing" in fields
    assert "answers.ventilation" in fields
    assert "answers.masks" not in fields


def test_the_poster_is_a_pdf_with_the_code(operator):
    venue = services.register_venue(operator, market())
    content = poster_pdf([venue], "https://phongdich.example", compress=False)
    assert content.startswith(b"%PDF")
    assert page_count(content) == 1
    assert venue.code.encode() in content
    second = services.register_venue(operator, market(name="Quán thứ hai"))
    both = poster_pdf([venue, second], "https://phongdich.example")
    assert both.startswith(b"%PDF")
    assert page_count(both) == 2
    assert venue.code.encode() in both
    assert second.code.encode() in both


def test_the_response_plan_must_be_a_small_pdf(operator, commune_officer, make_account, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    venue = services.register_venue(operator, market())
    with pytest.raises(InvalidInput):
        services.attach_response_plan(operator, venue.pk, b"MZ not a pdf")
    with pytest.raises(InvalidInput):
        services.attach_response_plan(operator, venue.pk, b"%PDF-1.4" + b"0" * services.MAX_PLAN_BYTES)
    services.attach_response_plan(operator, venue.pk, b"%PDF-1.4 plan")
    assert services.response_plan(commune_officer, venue.pk)[1] == b"%PDF-1.4 plan"
    with pytest.raises(NotFound):
        services.response_plan(make_account(Role.COMMUNE_OFFICER, MONG_CAI_COMMUNE), venue.pk)


def test_figures_count_venues_of_the_area(operator, commune_officer, make_account):
    services.register_venue(operator, market())
    services.register_venue(commune_officer, market(name="Siêu thị", kind="supermarket"))
    services.register_venue(make_account(Role.VENUE_OPERATOR), market(commune=MONG_CAI_COMMUNE))
    numbers = services.figures(commune_officer)
    assert numbers.total == 2
    assert numbers.by_status == {"pending": 1, "active": 1}
    assert numbers.by_kind == {"market": 1, "supermarket": 1}
    assert (numbers.checkins_today, numbers.checkins_7_days) == (0, 0)


def test_the_public_page_hides_pending_venues(operator, commune_officer):
    venue = services.register_venue(operator, market())
    with pytest.raises(NotFound):
        services.venue_by_code(venue.code)
    services.set_status(commune_officer, venue.pk, VenueStatus.ACTIVE)
    assert services.venue_by_code(venue.code.lower()) == venue


def test_activity_counts_check_ins_of_today_and_the_last_7_days(operator, commune_officer):
    venue = services.register_venue(commune_officer, market())
    quiet = services.register_venue(commune_officer, market(name="Quán vắng"))
    now = timezone.now()
    for when in (now, now - dt.timedelta(days=2), now - dt.timedelta(days=10)):
        CheckIn.objects.create(venue=venue, checked_in_at=when, method="venue_qr", phone="+84912345678")
    counts = services.activity_by_venue([venue.pk, quiet.pk])
    # Right after midnight "now" is today; two days ago is within the week; ten days ago is not.
    assert counts == {venue.pk: (1, 2), quiet.pk: (0, 0)}
    numbers = services.figures(commune_officer)
    assert (numbers.checkins_today, numbers.checkins_7_days) == (1, 2)
    # The operator of no venue here counts nothing.
    assert services.figures(operator).checkins_7_days == 0
