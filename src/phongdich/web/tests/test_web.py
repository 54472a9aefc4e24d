"""The web screens, through the Django test client, with data made by the real services."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from phongdich.accounts.models import ApiToken
from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditAction, AuditEvent
from phongdich.people.models import Person
from phongdich.people.services import PersonInput, create_person

HA_KHANH = "06649"  # Phường Hà Khánh, Hạ Long
HA_PHONG = "06652"  # Phường Hà Phong, Hạ Long
MALE_1985_CCCD = "022085001234"
FEMALE_2001_CCCD = "022301000001"


def person_input(**fields: object) -> PersonInput:
    values: dict[str, object] = {
        "full_name": "Nguyễn Thị Đào",
        "sex": "female",
        "date_of_birth": dt.date(2001, 5, 4),
        "home_commune": HA_KHANH,
    }
    values.update(fields)
    return PersonInput(**values)  # type: ignore[arg-type]


@pytest.fixture
def dao(province_admin):
    return create_person(
        province_admin,
        person_input(citizen_id=FEMALE_2001_CCCD, phone="0912 345 678", address="Số 5, Tổ 3"),
    )


@pytest.fixture
def hung(province_admin):
    """A person of the neighbouring commune (Hà Phong): outside the Hà Khánh officer's area."""
    return create_person(
        province_admin,
        person_input(
            full_name="Trần Văn Hùng",
            sex="male",
            date_of_birth=dt.date(1985, 3, 2),
            home_commune=HA_PHONG,
            citizen_id=MALE_1985_CCCD,
        ),
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Sign-in, layout, language -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["home", "person-list", "person-create", "my-record", "unit-list", "audit-list", "token-list"]
)
def test_anonymous_visitors_are_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_login_page_is_vietnamese_by_default_and_english_after_switching(client):
    page = client.get(reverse("login")).content.decode()
    assert 'lang="vi"' in page
    assert "Đăng nhập" in page
    assert "Mật khẩu" in page

    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in page
    assert "Sign in" in page
    assert "Đăng nhập" not in page

    client.post("/i18n/setlang/", {"language": "vi", "next": reverse("login")})
    assert "Đăng nhập" in client.get(reverse("login")).content.decode()


@pytest.mark.django_db
def test_signing_in_with_the_form_leads_home(units, make_account):
    make_account(Role.COMMUNE_OFFICER, HA_KHANH, username="lan", password="mat-khau-rat-dai-2024")
    client = Client()
    response = client.post(reverse("login"), {"username": "lan", "password": "mat-khau-rat-dai-2024"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home")).content.decode()
    assert "Cán bộ y tế xã" in home
    assert "Phường Hà Khánh" in home


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account(units, make_account):
    make_account(Role.COMMUNE_OFFICER, HA_KHANH, username="lan", password="mat-khau-rat-dai-2024")
    client = Client()
    for _attempt in range(4):
        response = client.post(reverse("login"), {"username": "lan", "password": "sai-mat-khau"})
        assert response.status_code == 200
    locked = client.post(reverse("login"), {"username": "lan", "password": "sai-mat-khau"})
    assert locked.status_code == 429
    # Even the right password is refused while the lock lasts.
    response = client.post(reverse("login"), {"username": "lan", "password": "mat-khau-rat-dai-2024"})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Vui lòng thử lại sau 15 phút" in page
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_logout_is_a_post_form(commune_officer):
    client = signed_in(commune_officer)
    page = client.get(reverse("home")).content.decode()
    assert re.search(r'<form action="/logout/" method="post"', page)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_post_forms_need_the_csrf_token(commune_officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(commune_officer)
    response = client.post(reverse("person-create"), {"full_name": "Lê Văn An"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_layout_shows_the_account_and_the_menu_of_its_role(commune_officer):
    page = signed_in(commune_officer).get(reverse("home")).content.decode()
    assert "officer-ha-khanh" in page
    assert "Cán bộ y tế xã" in page
    assert 'href="/people/"' in page
    assert 'href="/units/"' in page
    assert 'href="/audit/"' not in page
    assert "/static/web/vendor/htmx.min.js" in page
    assert "https://" not in page  # nothing from a CDN


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["home", "person-list", "person-create", "unit-list", "audit-list", "token-list", "my-record"]
)
def test_every_screen_renders_without_template_leftovers(province_admin, name):
    response = signed_in(province_admin).get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode()
    assert "{#" not in page
    assert "{%" not in page
    assert "{{" not in page


# --- People ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_commune_officer_lists_only_people_of_their_commune(commune_officer, dao, hung):
    page = signed_in(commune_officer).get(reverse("person-list")).content.decode()
    assert "Nguyễn Thị Đào" in page
    assert "Trần Văn Hùng" not in page
    assert "0912 345 678" in page  # phones shown the Vietnamese way


@pytest.mark.django_db
def test_district_officer_lists_every_commune_of_the_district(district_officer, dao, hung):
    page = signed_in(district_officer).get(reverse("person-list")).content.decode()
    assert "Nguyễn Thị Đào" in page
    assert "Trần Văn Hùng" in page
    only_ha_phong = signed_in(district_officer).get(reverse("person-list"), {"commune": HA_PHONG})
    assert "Trần Văn Hùng" in only_ha_phong.content.decode()
    assert "Nguyễn Thị Đào" not in only_ha_phong.content.decode()


@pytest.mark.django_db
def test_commune_filter_offers_only_communes_in_scope(commune_officer, dao):
    response = signed_in(commune_officer).get(reverse("person-list"))
    choices = response.context["form"].fields["commune"].choices
    codes = [code for _group, options in choices[1:] for code, _name in options]
    assert codes == [HA_KHANH]
    outside = signed_in(commune_officer).get(reverse("person-list"), {"commune": HA_PHONG})
    assert outside.status_code == 200
    assert outside.context["rows"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["nguyen thi dao", "ĐÀO", FEMALE_2001_CCCD, "0912345678", "+84 912 345 678"])
def test_search_by_name_without_diacritics_citizen_id_or_phone(commune_officer, dao, query):
    page = signed_in(commune_officer).get(reverse("person-list"), {"q": query}).content.decode()
    assert "Nguyễn Thị Đào" in page


@pytest.mark.django_db
def test_search_with_no_match_says_so(commune_officer, dao):
    page = signed_in(commune_officer).get(reverse("person-list"), {"q": "khong co ai"}).content.decode()
    assert "Nguyễn Thị Đào" not in page
    assert "Không có ai trên địa bàn của bạn khớp với tìm kiếm này." in page


@pytest.mark.django_db
def test_htmx_search_returns_only_the_rows(commune_officer, dao):
    response = signed_in(commune_officer).get(reverse("person-list"), {"q": "dao"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nguyễn Thị Đào" in page
    assert "<html" not in page
    assert '<nav class="mainnav"' not in page
    assert 'id="person-search"' not in page
    assert "HX-Request" in response["Vary"]
    full = signed_in(commune_officer).get(reverse("person-list"), {"q": "dao"}).content.decode()
    assert "<html" in full
    assert 'hx-trigger="keyup changed delay:300ms, search"' in full


@pytest.mark.django_db
def test_each_page_of_results_is_audited(commune_officer, dao, hung):
    signed_in(commune_officer).get(reverse("person-list"), {"q": "dao"})
    event = AuditEvent.objects.get(actor=commune_officer, action=AuditAction.LIST)
    assert event.object_ids.split() == [str(dao.pk)]
    assert event.detail == {"criteria": ["q"]}
    assert "dao" not in str(event.detail)  # the search text itself is not kept


@pytest.mark.django_db
def test_people_list_pages_by_25(province_admin, commune_officer):
    for n in range(30):
        create_person(
            province_admin,
            person_input(full_name=f"Lê Thị {'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[n % 26]}{'ab'[n // 26]}"),
        )
    client = signed_in(commune_officer)
    first = client.get(reverse("person-list"))
    assert len(first.context["rows"]) == 25
    assert "Trang 1/2" in first.content.decode()
    second = client.get(reverse("person-list"), {"page": 2})
    assert len(second.context["rows"]) == 5
    assert client.get(reverse("person-list"), {"page": "x"}).status_code == 200


@pytest.mark.django_db
def test_person_detail_shows_the_record_and_audits_the_view(commune_officer, dao):
    response = signed_in(commune_officer).get(reverse("person-detail", args=[dao.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    shown = ("Nguyễn Thị Đào", FEMALE_2001_CCCD, "0912 345 678", "Phường Hà Khánh", "Thành phố Hạ Long", "Số 5, Tổ 3")
    for text in shown:
        assert text in page
    assert AuditEvent.objects.filter(actor=commune_officer, action=AuditAction.VIEW, object_id=str(dao.pk)).exists()


@pytest.mark.django_db
def test_person_of_another_commune_answers_404(commune_officer, hung):
    client = signed_in(commune_officer)
    assert client.get(reverse("person-detail", args=[hung.pk])).status_code == 404
    assert client.get(reverse("person-edit", args=[hung.pk])).status_code == 404
    assert client.get(reverse("person-detail", args=[hung.pk + 1000])).status_code == 404


@pytest.mark.django_db
def test_household_members_are_those_visible(province_admin, commune_officer, units):
    from phongdich.people.models import Household

    household = Household.objects.create(code="HK-1", commune=units[HA_KHANH])
    mother = create_person(province_admin, person_input(household="HK-1"))
    son = create_person(
        province_admin,
        person_input(full_name="Phạm Minh Đức", sex="male", date_of_birth=dt.date(2010, 1, 1), household="HK-1"),
    )
    lodger = create_person(
        province_admin,
        person_input(full_name="Vũ Văn Bình", sex="male", home_commune=HA_PHONG, household="HK-1"),
    )
    assert household.members.count() == 3
    page = signed_in(commune_officer).get(reverse("person-detail", args=[mother.pk])).content.decode()
    assert "HK-1" in page
    assert son.full_name in page
    assert lodger.full_name not in page


@pytest.mark.django_db
def test_leader_sees_figures_but_no_person_list(units, make_account, dao, hung):
    leader = make_account(Role.LEADER, "22", username="leader")
    client = signed_in(leader)
    home = client.get(reverse("home"))
    page = home.content.decode()
    assert 'href="/people/"' not in page
    assert "Nguyễn Thị Đào" not in page
    figures = home.context["figures"]
    assert figures[0].unit.code == "22"
    assert figures[0].registered == 2
    ha_long = next(part for part in figures[0].parts if part.unit.code == "193")
    assert ha_long.registered == 2
    assert "1.320.324" in page  # the province's census population, grouped the Vietnamese way
    assert client.get(reverse("person-list")).status_code == 404
    assert client.get(reverse("person-detail", args=[dao.pk])).status_code == 404
    assert client.get(reverse("person-create")).status_code == 404


@pytest.mark.django_db
def test_citizen_sees_their_own_record_only(units, make_account, dao, hung):
    citizen = make_account(Role.CITIZEN, username="dao")
    citizen.person = dao
    citizen.save()
    client = signed_in(citizen)
    assert client.get(reverse("person-list")).status_code == 404
    page = client.get(reverse("my-record")).content.decode()
    assert "Nguyễn Thị Đào" in page
    assert FEMALE_2001_CCCD in page
    assert client.get(reverse("person-detail", args=[hung.pk])).status_code == 404
    home = client.get(reverse("home")).content.decode()
    assert 'href="/me/"' in home
    assert 'href="/people/"' not in home


@pytest.mark.django_db
def test_citizen_corrects_their_phone(units, make_account, dao):
    citizen = make_account(Role.CITIZEN, username="dao")
    citizen.person = dao
    citizen.save()
    client = signed_in(citizen)
    response = client.post(reverse("my-record-edit"), {"phone": "0987 654 321", "address": "Số 7, Tổ 1"})
    assert response.status_code == 302
    dao.refresh_from_db()
    assert dao.phone == "+84987654321"
    bad = client.post(reverse("my-record-edit"), {"phone": "12", "address": ""})
    assert bad.status_code == 200
    assert "phone" in bad.context["form"].errors


@pytest.mark.django_db
def test_citizen_without_a_linked_record_is_told_so(units, make_account):
    citizen = make_account(Role.CITIZEN, username="new")
    page = signed_in(citizen).get(reverse("my-record")).content.decode()
    assert "chưa được liên kết" in page


# --- Creating and changing persons -------------------------------------------------------------------


def form_data(**fields: str) -> dict[str, str]:
    data = {
        "full_name": "Trần Văn Hùng",
        "sex": "male",
        "date_of_birth": "1985-03-02",
        "citizen_id": MALE_1985_CCCD,
        "phone": "0912 000 111",
        "home_commune": HA_KHANH,
        "address": "",
        "household": "",
    }
    data.update(fields)
    return data


@pytest.mark.django_db
def test_commune_officer_registers_a_person(commune_officer):
    client = signed_in(commune_officer)
    form = client.get(reverse("person-create"))
    assert form.context["form"].initial["home_commune"] == HA_KHANH  # the only commune in scope
    response = client.post(reverse("person-create"), form_data())
    person = Person.objects.get(citizen_id=MALE_1985_CCCD)
    assert response.status_code == 302
    assert response["Location"] == reverse("person-detail", args=[person.pk])
    assert person.phone == "+84912000111"
    assert person.home_commune.code == HA_KHANH


@pytest.mark.django_db
def test_bad_cccd_is_shown_next_to_the_field_and_nothing_is_stored(commune_officer):
    client = signed_in(commune_officer)
    # Digit 4 is 1 (a woman born in the 1900s) but the form says a man.
    response = client.post(reverse("person-create"), form_data(citizen_id="022185001234"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["citizen_id", "__all__"]
    assert "Chữ số thứ 4 của CCCD" in errors["citizen_id"][0]
    page = response.content.decode()
    assert page.index("Chữ số thứ 4 của CCCD") > page.index('name="citizen_id"')
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_commune_outside_scope_is_refused(commune_officer):
    response = signed_in(commune_officer).post(reverse("person-create"), form_data(home_commune=HA_PHONG))
    assert response.status_code == 200
    assert "home_commune" in response.context["form"].errors
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_duplicate_citizen_id_links_to_the_existing_record(commune_officer, province_admin):
    existing = create_person(
        province_admin,
        person_input(
            full_name="Trần Văn Hùng", sex="male", date_of_birth=dt.date(1985, 3, 2), citizen_id=MALE_1985_CCCD
        ),
    )
    response = signed_in(commune_officer).post(reverse("person-create"), form_data(full_name="Trần Hùng"))
    assert response.status_code == 200
    assert "citizen_id" in response.context["form"].errors
    assert f'href="{reverse("person-detail", args=[existing.pk])}"' in response.content.decode()
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_edit_person(commune_officer, dao):
    client = signed_in(commune_officer)
    form = client.get(reverse("person-edit", args=[dao.pk]))
    assert form.status_code == 200
    assert form.context["form"].initial["citizen_id"] == FEMALE_2001_CCCD
    data = {**form_data(), **{k: str(v) for k, v in form.context["form"].initial.items()}}
    data.update(address="Số 9, Tổ 2", date_of_birth="2001-05-04", phone="0912345678")
    response = client.post(reverse("person-edit", args=[dao.pk]), data)
    assert response.status_code == 302
    dao.refresh_from_db()
    assert dao.address == "Số 9, Tổ 2"
    assert dao.citizen_id == FEMALE_2001_CCCD


@pytest.mark.django_db
def test_merge_duplicates(province_admin, units, make_account):
    original = create_person(province_admin, person_input(phone="0912 345 678"))
    copy = create_person(province_admin, person_input(full_name="NGUYEN THI DAO", citizen_id=FEMALE_2001_CCCD))
    epidemiologist = make_account(Role.EPIDEMIOLOGIST, "22", username="cdc")
    client = signed_in(epidemiologist)
    page = client.get(reverse("person-detail", args=[copy.pk])).content.decode()
    assert f'value="{original.pk}"' in page  # the merge form for the probable duplicate
    response = client.post(reverse("person-merge", args=[copy.pk]), {"duplicate_id": original.pk})
    assert response.status_code == 302
    assert not Person.objects.filter(pk=original.pk).exists()
    copy.refresh_from_db()
    assert copy.phone == "+84912345678"


@pytest.mark.django_db
def test_commune_officer_cannot_merge(province_admin, commune_officer):
    original = create_person(province_admin, person_input(phone="0912 345 678"))
    copy = create_person(province_admin, person_input(full_name="NGUYEN THI DAO"))
    client = signed_in(commune_officer)
    assert "person-merge" not in client.get(reverse("person-detail", args=[copy.pk])).content.decode()
    assert 'name="duplicate_id"' not in client.get(reverse("person-detail", args=[copy.pk])).content.decode()
    response = client.post(reverse("person-merge", args=[copy.pk]), {"duplicate_id": original.pk})
    assert response.status_code == 404
    assert Person.objects.filter(pk=original.pk).exists()
    assert client.get(reverse("person-merge", args=[copy.pk])).status_code == 405


# --- Units, audit, tokens -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_units_are_reference_data_for_staff(commune_officer, units, make_account):
    page = signed_in(commune_officer).get(reverse("unit-list")).content.decode()
    assert "Thành phố Hạ Long" in page
    assert "Phường Hà Khánh" in page
    assert HA_KHANH in page
    assert "ước tính" in page or "estimated" in page
    citizen = make_account(Role.CITIZEN, username="c")
    assert signed_in(citizen).get(reverse("unit-list")).status_code == 404


@pytest.mark.django_db
def test_audit_log_is_for_province_administrators(province_admin, commune_officer, dao):
    assert signed_in(commune_officer).get(reverse("audit-list")).status_code == 404
    signed_in(commune_officer).get(reverse("person-detail", args=[dao.pk]))
    client = signed_in(province_admin)
    page = client.get(reverse("audit-list")).content.decode()
    assert "officer-ha-khanh" in page
    assert f"person #{dao.pk}" in page
    found = client.get(reverse("audit-list"), {"actor": "officer", "action": "view", "object_id": str(dao.pk)})
    assert [event.actor_username for event in found.context["page"].object_list] == ["officer-ha-khanh"]
    nothing = client.get(reverse("audit-list"), {"since": "2999-01-01"})
    assert list(nothing.context["page"].object_list) == []
    backwards = client.get(reverse("audit-list"), {"since": "2024-02-01", "until": "2024-01-01"})
    assert "until" in backwards.context["form"].errors


@pytest.mark.django_db
def test_token_is_shown_once_and_stops_working_when_revoked(commune_officer, dao):
    client = signed_in(commune_officer)
    response = client.post(reverse("token-list"), {"label": "Máy tính bảng 1", "kind": "device"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = re.search(r'id="new-token-secret">(pd_[^<]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=commune_officer)
    assert ApiToken.hash(secret) == token.key_hash

    api = Client(headers={"Authorization": f"Bearer {secret}"})
    listed = api.get("/api/v1/persons")
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [dao.pk]

    again = client.get(reverse("token-list")).content.decode()
    assert secret not in again
    assert token.prefix in again

    assert client.post(reverse("token-revoke", args=[token.pk])).status_code == 302
    assert api.get("/api/v1/persons").status_code == 401


@pytest.mark.django_db
def test_token_form_errors_and_foreign_tokens(commune_officer, district_officer):
    client = signed_in(commune_officer)
    response = client.post(reverse("token-list"), {"label": "x", "kind": "user", "expires_on": "2000-01-01"})
    assert "expires_on" in response.context["form"].errors
    assert ApiToken.objects.count() == 0
    other = ApiToken.objects.create(user=district_officer, label="d", prefix="pd_x", key_hash="0" * 64)
    assert client.post(reverse("token-revoke", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


@pytest.mark.django_db
def test_times_are_shown_in_vietnam_time(province_admin):
    from phongdich.audit.services import record

    event = record(province_admin, AuditAction.VIEW, "person", 7)
    event.at = dt.datetime(2024, 1, 1, 0, 30, tzinfo=dt.UTC)
    event.save()
    page = signed_in(province_admin).get(reverse("audit-list")).content.decode()
    assert "01/01/2024 07:30:00" in page
