"""The portal editor's hotline and category screens: who may use them, what they store and audit, their errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.core.errors import Conflict, InvalidInput, NotFound
from phongdich.geo.models import AdministrativeUnit
from phongdich.portal import cms
from phongdich.portal.models import Article, Category, Hotline

from .conftest import HA_KHANH, MONG_CAI

pytestmark = pytest.mark.usefixtures("english")

HA_LONG = "193"


@pytest.fixture
def editor(units, make_account):
    return make_account(Role.EPIDEMIOLOGIST, "22", username="cdc")


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def field_block(page: str, name: str) -> str:
    """The form field's block: from its input to the end of its <div class="field">."""
    start = page.index(f'name="{name}"')
    return page[start : page.index("</div>", start)]


# --- Hotlines -----------------------------------------------------------------------------------------------------


def test_an_editor_adds_a_hotline_and_the_public_page_shows_it(editor):
    client = signed_in(editor)
    assert client.get("/portal/editor/hotlines/").status_code == 200
    form = client.get("/portal/editor/hotlines/new/").content.decode()
    assert f'value="{HA_KHANH}"' in form and f'value="{HA_LONG}"' in form
    answer = client.post(
        "/portal/editor/hotlines/new/",
        {
            "name": "Trạm Y tế Hà Khánh",
            "number": "+84 203.3835 115",
            "unit": HA_KHANH,
            "hours": "24/7",
            "position": "2",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == "/portal/editor/hotlines/"
    line = Hotline.objects.get()
    assert (line.name, line.number, line.unit.code, line.hours, line.position) == (
        "Trạm Y tế Hà Khánh",
        "+84 203.3835 115",
        HA_KHANH,
        "24/7",
        2,
    )
    event = AuditEvent.objects.get(object_type="portal_hotline")
    assert (event.action, event.object_id, event.actor) == ("create", str(line.pk), editor)
    public = Client().get("/portal/hotlines/").content.decode()
    assert "Trạm Y tế Hà Khánh" in public and "+84 203.3835 115" in public
    listing = client.get("/portal/editor/hotlines/").content.decode()
    assert "Trạm Y tế Hà Khánh" in listing
    assert '<a href="/portal/editor/" aria-current="page">' in listing  # the menu item stays highlighted


def test_a_hotline_without_a_unit_is_the_whole_area_and_can_be_changed_and_deleted(editor):
    client = signed_in(editor)
    client.post("/portal/editor/hotlines/new/", {"name": "Đường dây nóng", "number": "1022", "unit": ""})
    line = Hotline.objects.get()
    assert line.unit.code == "22" and line.position == 0
    answer = client.post(
        f"/portal/editor/hotlines/{line.pk}/",
        {"name": "Đường dây nóng CDC", "number": "0203 3825 868", "unit": HA_LONG, "hours": "7:00–17:00"},
    )
    assert answer.status_code == 302
    line.refresh_from_db()
    assert (line.name, line.number, line.unit.code, line.hours) == (
        "Đường dây nóng CDC",
        "0203 3825 868",
        HA_LONG,
        "7:00–17:00",
    )
    assert "0203 3825 868" in Client().get("/portal/hotlines/").content.decode()
    assert client.post(f"/portal/editor/hotlines/{line.pk}/delete/").status_code == 302
    assert not Hotline.objects.exists()
    assert "Đường dây nóng CDC" not in Client().get("/portal/hotlines/").content.decode()
    assert [e.action for e in AuditEvent.objects.filter(object_type="portal_hotline").order_by("id")] == [
        "create",
        "update",
        "delete",
    ]


@pytest.mark.parametrize("number", ["0203 ABC 868", "12", "0912+345678", "1" * 21, "..."])
def test_a_bad_hotline_number_is_shown_at_the_field_and_nothing_stored(editor, number):
    answer = signed_in(editor).post(
        "/portal/editor/hotlines/new/", {"name": "Trạm Y tế", "number": number, "unit": HA_KHANH}
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "3 to 20 characters: digits, spaces and dots" in field_block(page, "number")
    assert 'value="Trạm Y tế"' in page  # what was typed stays
    assert not Hotline.objects.exists() and not AuditEvent.objects.filter(object_type="portal_hotline").exists()


def test_hotline_units_stay_within_the_editors_area(units, make_account):
    district_editor = make_account(Role.EPIDEMIOLOGIST, HA_LONG, username="cdc-ha-long")
    province = AdministrativeUnit.objects.get(code="22")
    far = Hotline.objects.create(name="Móng Cái", number="0203 3881 115", unit=units[MONG_CAI])
    whole = Hotline.objects.create(name="Tỉnh", number="1022", unit=province)
    client = signed_in(district_editor)
    listing = client.get("/portal/editor/hotlines/").content.decode()
    assert "Móng Cái" not in listing and "1022" not in listing
    for line in (far, whole):
        assert client.get(f"/portal/editor/hotlines/{line.pk}/").status_code == 404
        assert client.post(f"/portal/editor/hotlines/{line.pk}/delete/").status_code == 404
    answer = client.post("/portal/editor/hotlines/new/", {"name": "X", "number": "115", "unit": MONG_CAI})
    assert "Select a valid choice." in field_block(answer.content.decode(), "unit")
    with pytest.raises(InvalidInput) as error:
        cms.save_hotline(district_editor, cms.HotlineInput(name="X", number="115", unit=MONG_CAI))
    assert [e.field for e in error.value.errors] == ["unit"]
    client.post("/portal/editor/hotlines/new/", {"name": "Hạ Long", "number": "115", "unit": ""})
    assert Hotline.objects.get(name="Hạ Long").unit.code == HA_LONG  # empty: the editor's own area
    assert Hotline.objects.count() == 3


def test_hotline_and_category_screens_are_404_for_other_roles(units, commune_officer, district_officer, citizen):
    line = Hotline.objects.create(name="Tỉnh", number="1022", unit=AdministrativeUnit.objects.get(code="22"))
    category = Category.objects.create(name="Tin tức", slug="tin-tuc")
    paths = [
        "/portal/editor/hotlines/",
        "/portal/editor/hotlines/new/",
        f"/portal/editor/hotlines/{line.pk}/",
        "/portal/editor/categories/",
        "/portal/editor/categories/new/",
        f"/portal/editor/categories/{category.pk}/",
    ]
    for account in (commune_officer, district_officer, citizen):
        client = signed_in(account)
        for path in paths:
            assert client.get(path).status_code == 404, (account.role, path)
        assert client.post(f"/portal/editor/hotlines/{line.pk}/delete/").status_code == 404
        assert client.post(f"/portal/editor/categories/{category.pk}/delete/").status_code == 404
        assert client.post("/portal/editor/categories/new/", {"name": "X", "slug": "x"}).status_code == 404
    assert Hotline.objects.count() == 1 and Category.objects.count() == 1
    assert Client().get("/portal/editor/hotlines/").status_code == 302  # anonymous: to the login page


# --- Categories ---------------------------------------------------------------------------------------------------


def test_an_editor_creates_and_changes_a_category(editor):
    client = signed_in(editor)
    assert client.get("/portal/editor/categories/").status_code == 200
    answer = client.post("/portal/editor/categories/new/", {"name": "Hướng dẫn", "slug": "", "position": "3"})
    assert answer.status_code == 302
    category = Category.objects.get()
    assert (category.name, category.slug, category.position) == ("Hướng dẫn", "huong-dan", 3)
    client.post(f"/portal/editor/categories/{category.pk}/", {"name": "Hướng dẫn phòng dịch", "slug": "huong-dan"})
    category.refresh_from_db()
    assert (category.name, category.slug, category.position) == ("Hướng dẫn phòng dịch", "huong-dan", 0)
    events = AuditEvent.objects.filter(object_type="portal_category", object_id=str(category.pk)).order_by("id")
    assert [(e.action, e.actor) for e in events] == [("create", editor), ("update", editor)]
    assert "Hướng dẫn phòng dịch" in client.get("/portal/editor/categories/").content.decode()


def test_a_duplicate_category_slug_is_shown_at_the_field_and_nothing_stored(editor):
    Category.objects.create(name="Tin tức", slug="tin-tuc")
    answer = signed_in(editor).post("/portal/editor/categories/new/", {"name": "Tin mới", "slug": "tin-tuc"})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Another category has this short name." in field_block(page, "slug")
    assert 'value="Tin mới"' in page
    assert Category.objects.count() == 1 and not AuditEvent.objects.filter(object_type="portal_category").exists()
    answer = signed_in(editor).post("/portal/editor/categories/new/", {"name": "Tin mới", "slug": "Tin Tức!"})
    assert "Lower-case letters without accents" in field_block(answer.content.decode(), "slug")
    assert Category.objects.count() == 1


def test_a_category_with_articles_is_not_deleted(editor):
    news = Category.objects.create(name="Tin tức", slug="tin-tuc")
    empty = Category.objects.create(name="Trống", slug="trong")
    cms.save_article(editor, cms.ArticleInput(title="Bài một", category=news.pk, body="Nội dung."))
    client = signed_in(editor)
    answer = client.post(f"/portal/editor/categories/{news.pk}/delete/", follow=True)
    page = answer.content.decode()
    assert "The category “Tin tức” has 1 article: move it to another category or delete it first." in page
    assert Category.objects.filter(pk=news.pk).exists() and Article.objects.count() == 1
    with pytest.raises(Conflict):
        cms.delete_category(editor, news.pk)
    assert client.post(f"/portal/editor/categories/{empty.pk}/delete/").status_code == 302
    assert not Category.objects.filter(pk=empty.pk).exists()
    events = AuditEvent.objects.filter(object_type="portal_category")
    assert [(e.action, e.object_id) for e in events] == [("delete", str(empty.pk))]
    with pytest.raises(NotFound):
        cms.delete_category(editor, empty.pk)
