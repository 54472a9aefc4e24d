import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.core.errors import InvalidInput, NotFound
from phongdich.portal import cms
from phongdich.portal.models import Article, Category

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def editor(units, make_account):
    return make_account(Role.EPIDEMIOLOGIST, "22", username="cdc")


@pytest.fixture
def news(db):
    return Category.objects.create(name="Tin tức", slug="tin-tuc")


def article(editor, news, title, *, publish=True, pinned=False, at=None, body="Nội dung."):
    data = cms.ArticleInput(title=title, category=news.pk, body=body, publish=publish, pinned=pinned, published_at=at)
    return cms.save_article(editor, data)


def test_markup_from_an_editor_is_always_escaped(editor, news):
    item = article(
        editor, news, f"Tiêu đề {SCRIPT}", body=f"Đoạn một **đậm** {SCRIPT}\n\n- mục <b>một</b>\n\n## Mục <i>lớn</i>"
    )
    client = Client()
    page = client.get(reverse("portal-article", args=[item.slug])).content.decode()
    home = client.get(reverse("portal-home")).content.decode()
    for html in (page, home):
        assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<strong>đậm</strong>" in page
    assert "<li>mục &lt;b&gt;một&lt;/b&gt;</li>" in page
    assert "<h2>Mục &lt;i&gt;lớn&lt;/i&gt;</h2>" in page


def test_render_body_escapes_inside_bold():
    assert str(cms.render_body("**<img src=x onerror=1>**")) == "<p><strong>&lt;img src=x onerror=1&gt;</strong></p>"


def test_drafts_and_future_articles_are_not_public(editor, news):
    draft = article(editor, news, "Bản nháp", publish=False)
    future = article(editor, news, "Sắp đăng", at=timezone.now() + dt.timedelta(days=1))
    shown = article(editor, news, "Đã đăng")
    client = Client()
    assert client.get(reverse("portal-article", args=[draft.slug])).status_code == 404
    assert client.get(reverse("portal-article", args=[future.slug])).status_code == 404
    assert client.get(reverse("portal-article", args=[shown.slug])).status_code == 200
    assert [a.title for a in cms.published()] == ["Đã đăng"]


def test_pinned_first_then_newest(editor, news):
    now = timezone.now()
    old_pinned = article(editor, news, "Ghim cũ", pinned=True, at=now - dt.timedelta(days=5))
    newest = article(editor, news, "Mới nhất", at=now - dt.timedelta(hours=1))
    older = article(editor, news, "Cũ hơn", at=now - dt.timedelta(days=2))
    assert [a.pk for a in cms.published()] == [old_pinned.pk, newest.pk, older.pk]
    cms.set_pinned(editor, old_pinned.pk, False)
    cms.set_pinned(editor, older.pk, True)
    assert [a.pk for a in cms.published()] == [older.pk, newest.pk, old_pinned.pk]


def test_slugs_are_unique_and_fields_checked(editor, news):
    first = article(editor, news, "Hướng dẫn tự xét nghiệm")
    second = article(editor, news, "Hướng dẫn tự xét nghiệm")
    assert first.slug == "huong-dan-tu-xet-nghiem" and second.slug == "huong-dan-tu-xet-nghiem-2"
    with pytest.raises(InvalidInput) as error:
        cms.save_article(editor, cms.ArticleInput(title="", category=0, body="x" * 20_001))
    assert {e.field for e in error.value.errors} == {"title", "category", "body"}
    assert Article.objects.count() == 2


def test_only_editors_edit(news, commune_officer, editor, english):
    with pytest.raises(NotFound):
        cms.save_article(commune_officer, cms.ArticleInput(title="T", category=news.pk, body="B"))
    client = Client()
    client.force_login(commune_officer)
    assert client.get(reverse("portal-editor")).status_code == 404
    client.force_login(editor)
    response = client.post(
        reverse("portal-editor-new"),
        {"title": "Thông báo mới", "category": str(news.pk), "body": "Nội dung", "publish": "on", "pinned": "on"},
    )
    assert response.status_code == 302
    saved = Article.objects.get(title="Thông báo mới")
    assert saved.status == "published" and saved.pinned and saved.author == editor
    assert saved in cms.published()
