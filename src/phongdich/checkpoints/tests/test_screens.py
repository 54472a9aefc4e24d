"""The management screens: checkpoints (create, change, open or close), their shifts, and the entry rule editor."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.checkpoints import services
from phongdich.checkpoints.models import Checkpoint, EntryRuleSet, Shift
from phongdich.checkpoints.rules import DEFAULT_RULES

from .conftest import DAI_YEN

pytestmark = pytest.mark.usefixtures("english")

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MONG_CAI_COMMUNE = "06727"  # a commune of another district than Hạ Long


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Checkpoints --------------------------------------------------------------------------------------------------


def test_the_list_offers_new_and_edit_only_to_those_who_may_change(checkpoint, officer, district_officer):
    page = signed_in(district_officer).get("/checkpoints/").content.decode()
    assert "/checkpoints/new/" in page and "/checkpoints/cau-bach-dang/edit/" in page
    assert "/checkpoints/rules/" in page
    page = signed_in(officer).get("/checkpoints/").content.decode()
    assert "Cầu Bạch Đằng" in page
    assert "/checkpoints/new/" not in page and "/checkpoints/cau-bach-dang/edit/" not in page


def test_a_district_officer_creates_a_checkpoint_in_their_area(district_officer, officer):
    client = signed_in(district_officer)
    form = client.get("/checkpoints/new/")
    assert form.status_code == 200
    page = form.content.decode()
    assert f'value="{DAI_YEN}"' in page and f'value="{MONG_CAI_COMMUNE}"' not in page  # communes of the area only
    assert 'value="chot-1"' in page  # the area's checkpoint officers
    answer = client.post(
        "/checkpoints/new/",
        {
            "code": "Cang-Cai-Lan",
            "name": "Cảng Cái Lân",
            "commune": DAI_YEN,
            "directions": "entry",
            "officers": ["chot-1"],
        },
    )
    assert answer.status_code == 302 and answer["Location"] == "/checkpoints/cang-cai-lan/shifts/"
    saved = Checkpoint.objects.get(code="cang-cai-lan")
    assert (saved.name, saved.commune.code, saved.directions, saved.active) == ("Cảng Cái Lân", DAI_YEN, "entry", False)
    assert list(saved.officers.values_list("username", flat=True)) == ["chot-1"]
    events = AuditEvent.objects.filter(object_type="checkpoint", object_id=str(saved.pk))
    assert {e.action for e in events} == {"create", "update"}  # created, then closed (the box was not ticked)
    assert events.get(action="update").actor == district_officer


def test_changing_a_checkpoint_and_closing_it(checkpoint, district_officer):
    client = signed_in(district_officer)
    page = client.get("/checkpoints/cau-bach-dang/edit/").content.decode()
    assert "Cầu Bạch Đằng" in page and "checked" in page
    answer = client.post(
        "/checkpoints/cau-bach-dang/edit/",
        {"code": "ignored", "name": "Cầu Bạch Đằng (mới)", "commune": DAI_YEN, "directions": "both", "active": ""},
    )
    assert answer.status_code == 302
    checkpoint.refresh_from_db()
    assert checkpoint.code == "cau-bach-dang" and checkpoint.name == "Cầu Bạch Đằng (mới)" and not checkpoint.active
    assert not checkpoint.officers.exists()
    assert AuditEvent.objects.filter(object_type="checkpoint", action="update", actor=district_officer).count() == 2
    client.post(
        "/checkpoints/cau-bach-dang/edit/",
        {"name": "Cầu Bạch Đằng", "commune": DAI_YEN, "directions": "both", "active": "on"},
    )
    checkpoint.refresh_from_db()
    assert checkpoint.active


def test_bad_checkpoint_input_is_shown_at_the_fields_and_nothing_stored(checkpoint, district_officer, make_account):
    make_account(Role.COMMUNE_OFFICER, DAI_YEN, username="not-an-officer")
    client = signed_in(district_officer)
    answer = client.post(
        "/checkpoints/new/",
        {"code": "cầu sai", "name": "Chốt <b>mới</b>", "commune": DAI_YEN, "directions": "both"},
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    code_field = page[page.index('name="code"') :]
    assert "Up to 32 letters, digits and dashes." in code_field[: code_field.index("</div>")]
    assert 'value="Chốt &lt;b&gt;mới&lt;/b&gt;"' in page  # what was typed stays, escaped
    answer = client.post(
        "/checkpoints/new/", {"code": "chot-moi", "name": "Chốt mới", "commune": MONG_CAI_COMMUNE, "directions": "both"}
    )
    assert "Select a valid choice." in answer.content.decode()  # a commune outside the area is not even offered
    # The same code as an existing checkpoint: a new checkpoint does not silently replace it.
    answer = client.post(
        "/checkpoints/new/", {"code": "cau-bach-dang", "name": "Khác", "commune": DAI_YEN, "directions": "both"}
    )
    assert "Another checkpoint has this code." in answer.content.decode()
    assert Checkpoint.objects.count() == 1 and Checkpoint.objects.get().name == "Cầu Bạch Đằng"
    assert not AuditEvent.objects.filter(object_type="checkpoint", actor=district_officer).exists()


def test_checkpoint_forms_are_404_for_other_roles_and_areas(checkpoint, officer, commune_officer, make_account):
    other_district = make_account(Role.DISTRICT_OFFICER, "194", username="officer-mong-cai")
    for account in (officer, commune_officer):
        client = signed_in(account)
        assert client.get("/checkpoints/new/").status_code == 404
        assert client.get("/checkpoints/cau-bach-dang/edit/").status_code == 404
    client = signed_in(other_district)
    assert client.get("/checkpoints/new/").status_code == 200
    assert client.get("/checkpoints/cau-bach-dang/edit/").status_code == 404
    answer = client.post(
        "/checkpoints/cau-bach-dang/edit/", {"name": "Chiếm", "commune": DAI_YEN, "directions": "both", "active": "on"}
    )
    assert answer.status_code == 404
    assert Checkpoint.objects.get().name == "Cầu Bạch Đằng"


def test_set_checkpoint_active_is_scoped_and_audited(checkpoint, officer, district_officer):
    from phongdich.core.errors import NotFound

    with pytest.raises(NotFound):
        services.set_checkpoint_active(officer, "cau-bach-dang", False)
    services.set_checkpoint_active(district_officer, "cau-bach-dang", False)
    services.set_checkpoint_active(district_officer, "cau-bach-dang", False)  # no change: no second event
    assert not Checkpoint.objects.get().active
    assert AuditEvent.objects.filter(object_type="checkpoint", action="update", actor=district_officer).count() == 1


# --- Shifts -------------------------------------------------------------------------------------------------------


def test_shifts_are_listed_and_added_in_local_time(checkpoint, officer, district_officer):
    now = timezone.now()
    services.add_shift(
        district_officer, "cau-bach-dang", now - dt.timedelta(hours=30), now - dt.timedelta(hours=22), []
    )
    client = signed_in(district_officer)
    day = (timezone.localtime(now) + dt.timedelta(days=1)).date()
    answer = client.post(
        "/checkpoints/cau-bach-dang/shifts/",
        {"starts_at": f"{day:%Y-%m-%d}T06:00", "ends_at": f"{day:%Y-%m-%d}T14:00", "officers": ["chot-1"]},
    )
    assert answer.status_code == 302
    shift = Shift.objects.latest("starts_at")
    assert shift.starts_at == dt.datetime.combine(day, dt.time(6), tzinfo=HANOI)
    assert shift.starts_at.astimezone(dt.UTC).hour == 23  # stored in UTC: 06:00 in Vietnam is 23:00 the day before
    assert list(shift.officers.values_list("username", flat=True)) == ["chot-1"]
    assert AuditEvent.objects.get(object_type="checkpoint_shift", object_id=str(shift.pk)).actor == district_officer
    page = client.get("/checkpoints/cau-bach-dang/shifts/").content.decode()
    assert f"{day:%d/%m/%Y} 06:00" in page and f"{day:%d/%m/%Y} 14:00" in page  # shown in local time
    assert "Upcoming and current shifts" in page and "Shifts of the last 7 days" in page and "chot-1" in page
    # The checkpoint's own officer sees the shifts, without the form.
    page = signed_in(officer).get("/checkpoints/cau-bach-dang/shifts/").content.decode()
    assert f"{day:%d/%m/%Y} 06:00" in page and "Add a shift" not in page


def test_a_shift_ending_before_it_starts_is_refused_at_the_field(checkpoint, district_officer):
    client = signed_in(district_officer)
    answer = client.post(
        "/checkpoints/cau-bach-dang/shifts/",
        {"starts_at": "2026-12-01T14:00", "ends_at": "2026-12-01T06:00", "officers": ["chot-1"]},
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    ends_field = page[page.index('name="ends_at"') :]
    assert "The shift must end after it starts." in ends_field[: ends_field.index("</div>")]
    assert 'value="2026-12-01T14:00"' in page  # what was typed stays
    assert not Shift.objects.exists()
    assert not AuditEvent.objects.filter(object_type="checkpoint_shift").exists()


def test_shifts_are_404_outside_the_area_and_read_only_without_change(
    checkpoint, commune_officer, make_account, district_officer
):
    other_district = make_account(Role.DISTRICT_OFFICER, "194", username="officer-mong-cai")
    other_officer = make_account(Role.CHECKPOINT_OFFICER, "193", username="chot-9")
    for account in (other_district, other_officer):
        assert signed_in(account).get("/checkpoints/cau-bach-dang/shifts/").status_code == 404
    start = "2026-12-01T06:00"
    body = {"starts_at": start, "ends_at": "2026-12-01T08:00"}
    assert signed_in(other_district).post("/checkpoints/cau-bach-dang/shifts/", body).status_code == 404
    # A commune officer of the area may view checkpoints, not plan shifts.
    client = signed_in(make_account(Role.COMMUNE_OFFICER, DAI_YEN, username="xa-dai-yen"))
    assert client.get("/checkpoints/cau-bach-dang/shifts/").status_code == 200
    assert client.post("/checkpoints/cau-bach-dang/shifts/", body).status_code == 404
    assert not Shift.objects.exists()


# --- Entry rule sets -------------------------------------------------------------------------------------------


def _editor_post(rules: list[dict[str, Any]], **extra: str) -> dict[str, str]:
    """The editor's fields for these rules, as the browser sends them."""
    data = {"name": "Bản mới", "valid_from": "2026-12-01T00:00", "rules-count": str(len(rules)), "op": "save"}
    for index, rule in enumerate(rules):
        prefix = f"rules-{index}-"
        for name, value in rule.get("when", {}).items():
            if isinstance(value, bool):
                data[prefix + name + "-set"] = "on"
                data[prefix + name] = "true" if value else "false"
            else:
                data[prefix + name] = str(value)
        data[prefix + "decision"] = rule["decision"]
        data[prefix + "reason"] = rule["reason"]
    data.update(extra)
    return data


def test_the_rules_page_shows_the_version_in_force_in_words(province_admin, officer):
    services.save_rule_set(province_admin, "Mùa thu", timezone.now() - dt.timedelta(days=1), DEFAULT_RULES)
    later = [{"when": {}, "decision": "test_on_spot", "reason": "Xét nghiệm tất cả"}]
    services.save_rule_set(province_admin, "Sắp tới", timezone.now() + dt.timedelta(days=3), later)
    page = signed_in(officer).get("/checkpoints/rules/").content.decode()
    assert page.index(" · Sắp tới") < page.index(" · Mùa thu")  # newest first
    assert "not yet in force" in page and "in force" in page
    assert "comes from an area at level 3 or higher; a negative test within 72 hours" in page
    assert "Let through, notify the destination commune" in page and "everyone else" in page
    assert "New version" not in page and 'name="rules-count"' not in page  # officers read, they do not edit
    assert '<a href="/checkpoints/" aria-current="page">' in page  # the menu item stays highlighted


def test_the_editor_is_prefilled_with_the_rules_in_force(province_admin):
    EntryRuleSet.objects.all().delete()  # the shipped version: the defaults are in force
    page = signed_in(province_admin).get("/checkpoints/rules/").content.decode()
    assert "The shipped default rules" in page
    assert f'name="rules-count" value="{len(DEFAULT_RULES)}"' in page
    assert '<input type="checkbox" name="rules-0-invalid-set" checked>' in page
    assert 'name="rules-4-from_level_at_least" value="3"' in page
    assert 'name="rules-4-negative_test_within_hours" value="72"' in page


def test_saving_a_new_version_through_the_editor(province_admin):
    rules = [
        {"when": {"symptoms": True}, "decision": "test_on_spot", "reason": "Có triệu chứng."},
        {"when": {"from_level_at_least": 4, "protected": False}, "decision": "turn_back", "reason": "Vùng cấp 4."},
        {"when": {}, "decision": "let_through", "reason": "Đủ điều kiện."},
    ]
    answer = signed_in(province_admin).post(
        "/checkpoints/rules/", _editor_post(rules, **{"rules-1-evidence": "declaration"})
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    saved = EntryRuleSet.objects.get(created_by=province_admin)
    assert saved.version == 2 and saved.name == "Bản mới"  # after the shipped version 1
    assert saved.valid_from == dt.datetime(2026, 12, 1, tzinfo=HANOI)
    assert saved.rules == [
        {"when": {"symptoms": True}, "decision": "test_on_spot", "reason": "Có triệu chứng."},
        {
            "when": {"protected": False, "from_level_at_least": 4, "evidence": "declaration"},
            "decision": "turn_back",
            "reason": "Vùng cấp 4.",
        },
        {"when": {}, "decision": "let_through", "reason": "Đủ điều kiện."},
    ]
    assert AuditEvent.objects.get(object_type="entry_rule_set").object_id == str(saved.pk)


def test_a_number_out_of_range_is_shown_at_its_row_and_nothing_stored(province_admin):
    rules = [
        {"when": {"symptoms": True}, "decision": "test_on_spot", "reason": "Có triệu chứng."},
        {"when": {"contact_f0_f1": True}, "decision": "test_on_spot", "reason": "Tiếp xúc."},
        {"when": {"from_level_at_least": 20000}, "decision": "turn_back", "reason": "Vùng cấp cao."},
        {"when": {}, "decision": "let_through", "reason": "Đủ điều kiện."},
    ]
    answer = signed_in(province_admin).post("/checkpoints/rules/", _editor_post(rules))
    assert answer.status_code == 200
    page = answer.content.decode()
    row_3 = page[page.index('id="rule-3"') : page.index('id="rule-4"')]
    assert "A whole number from 0 to 10000." in row_3
    assert 'name="rules-2-from_level_at_least" value="20000"' in row_3  # what was typed stays
    assert "A whole number from 0 to 10000." not in page[: page.index('id="rule-3"')]
    assert "The rule set has errors." in page
    assert (
        not EntryRuleSet.objects.exclude(version=1).exists()
        and not AuditEvent.objects.filter(object_type="entry_rule_set").exists()
    )


def test_rows_are_added_moved_and_removed_by_submitting_the_form(province_admin):
    rules = [
        {"when": {"symptoms": True}, "decision": "test_on_spot", "reason": "A"},
        {"when": {"contact_f0_f1": True}, "decision": "turn_back", "reason": "B"},
        {"when": {}, "decision": "let_through", "reason": "C"},
    ]
    client = signed_in(province_admin)
    page = client.post("/checkpoints/rules/", _editor_post(rules, op="add")).content.decode()
    assert 'name="rules-count" value="4"' in page
    assert (
        'name="rules-2-reason" maxlength="300" value=""' in page
        and 'name="rules-3-reason" maxlength="300" value="C"' in page
    )
    page = client.post("/checkpoints/rules/", _editor_post(rules, op="down-0")).content.decode()
    assert 'id="rules-0-reason" name="rules-0-reason" maxlength="300" value="B"' in page
    assert '<input type="checkbox" name="rules-1-symptoms-set" checked>' in page
    page = client.post("/checkpoints/rules/", _editor_post(rules, op="remove-1")).content.decode()
    assert 'name="rules-count" value="2"' in page and 'value="B"' not in page
    assert not EntryRuleSet.objects.exclude(version=1).exists()


def test_the_rules_page_is_404_without_the_right(province_admin, district_officer, make_account):
    assert (
        signed_in(make_account(Role.LAB_TECHNICIAN, "22", username="lab")).get("/checkpoints/rules/").status_code == 404
    )
    rules = [{"when": {}, "decision": "let_through", "reason": "x"}]
    assert signed_in(district_officer).get("/checkpoints/rules/").status_code == 200
    assert signed_in(district_officer).post("/checkpoints/rules/", _editor_post(rules)).status_code == 404
    assert not EntryRuleSet.objects.exclude(version=1).exists()
