"""The portal's small CMS: articles (news, guidance, announcements), categories and hotlines.

Hotlines and categories are changed on the editor's screens; each change is audited. A hotline belongs to a unit
of the editor's area; a category that still holds articles is not deleted.

Editors (``portal_article`` in the permission matrix: the province administrator and the CDC) write articles
as plain text: blank lines part paragraphs, "- " starts a list item, "## " a heading. The text is always
escaped when shown; no HTML from an editor ever reaches a page.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, ProtectedError
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.core import access
from phongdich.core.errors import Conflict, FieldError, InvalidInput, NotFound
from phongdich.core.text import clean_text
from phongdich.geo.models import AdministrativeUnit
from phongdich.portal.models import Article, ArticleStatus, Category, Hotline

TITLE_MAX = 200
SUMMARY_MAX = 400
BODY_MAX = 20_000
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def may_edit(user: object) -> bool:
    return access.can(user, "portal_article", "change")  # type: ignore[arg-type]


def _inline(line: str) -> str:
    # Escape first, then the one markup allowed: **bold** (its content is already escaped).
    return _BOLD.sub(r"<strong>\1</strong>", escape(line))


def render_body(text: str) -> SafeString:
    """Plain text to HTML: paragraphs, lists, headings, **bold**; everything else escaped."""
    blocks: list[str] = []
    for chunk in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip()):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line[2:].strip())}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        elif len(lines) == 1 and lines[0].startswith("## "):
            blocks.append(f"<h2>{_inline(lines[0][3:].strip())}</h2>")
        else:
            blocks.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    return mark_safe("\n".join(blocks))  # noqa: S308 - every piece of text above went through escape()


@dataclass(frozen=True)
class ArticleInput:
    title: str
    category: int
    body: str
    summary: str = ""
    slug: str = ""
    pinned: bool = False
    publish: bool = False
    published_at: dt.datetime | None = None


def _unique_slug(base: str, exclude: int | None) -> str:
    base = (slugify(base) or "bai-viet")[:100]
    slug, n = base, 1
    while Article.objects.filter(slug=slug).exclude(pk=exclude or 0).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def save_article(actor: User, data: ArticleInput, pk: int | None = None) -> Article:
    """Create (pk None) or change an article. Publishing sets the time (now, unless given)."""
    if not may_edit(actor):
        raise NotFound()
    errors: list[FieldError] = []
    title = clean_text(data.title or "")
    if not title:
        errors.append(FieldError("title", _("This field is required.")))
    elif len(title) > TITLE_MAX:
        errors.append(FieldError("title", _("At most %(n)s characters.") % {"n": TITLE_MAX}))
    summary = clean_text(data.summary or "")
    if len(summary) > SUMMARY_MAX:
        errors.append(FieldError("summary", _("At most %(n)s characters.") % {"n": SUMMARY_MAX}))
    body = (data.body or "").strip()
    if not body:
        errors.append(FieldError("body", _("This field is required.")))
    elif len(body) > BODY_MAX:
        errors.append(FieldError("body", _("At most %(n)s characters.") % {"n": BODY_MAX}))
    category = Category.objects.filter(pk=data.category).first() if 0 < (data.category or 0) < 2**63 else None
    if category is None:
        errors.append(FieldError("category", _("Choose a category.")))
    if errors:
        raise InvalidInput(_("The article has errors."), errors)
    with transaction.atomic():
        article = Article() if pk is None else access_article(actor, pk, for_update=True)
        article.title = title
        article.summary = summary
        article.body = body
        assert category is not None
        article.category = category
        article.pinned = data.pinned
        if article.author_id is None and actor.pk:
            article.author = actor
        article.updated_at = timezone.now()
        if data.publish:
            article.status = ArticleStatus.PUBLISHED
            article.published_at = data.published_at or article.published_at or timezone.now()
        else:
            article.status = ArticleStatus.DRAFT
        article.slug = _unique_slug(data.slug or title, article.pk)
        try:
            with transaction.atomic():
                article.save()
        except IntegrityError:
            raise InvalidInput(
                _("The article has errors."), [FieldError("slug", _("Another article has this address."))]
            ) from None
    return article


def access_article(actor: User, pk: int, *, for_update: bool = False) -> Article:
    if not may_edit(actor) or not 0 < pk < 2**63:
        raise NotFound()
    query = Article.objects.select_for_update() if for_update else Article.objects.all()
    article = query.filter(pk=pk).first()
    if article is None:
        raise NotFound()
    return article


def set_pinned(actor: User, pk: int, pinned: bool) -> Article:
    with transaction.atomic():
        article = access_article(actor, pk, for_update=True)
        article.pinned = pinned
        article.save(update_fields=["pinned"])
    return article


def published(category: Category | None = None) -> list[Article]:
    articles = Article.objects.published().select_related("category")
    if category is not None:
        articles = articles.filter(category=category)
    return list(articles[:50])


def published_article(slug: str) -> Article:
    article = Article.objects.published().select_related("category").filter(slug=slug).first()
    if article is None:
        raise NotFound()
    return article


# --- Hotlines and categories (the editor's screens; audited) -----------------------------------------------------

HOTLINE_NAME_MAX = 120
HOTLINE_HOURS_MAX = 80
CATEGORY_NAME_MAX = 80
POSITION_MAX = 32_767
# A Vietnamese phone or hotline number as people write it: digits, spaces and dots, a leading + (1022, 0203 3 825 868,
# +84 912.345.678).
_HOTLINE_NUMBER = re.compile(r"\+?[0-9][0-9 .]*")
_CATEGORY_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class HotlineInput:
    name: str
    number: str
    unit: str = ""  # a unit's code within the account's area; empty: the account's whole area
    hours: str = ""
    position: int = 0


@dataclass(frozen=True)
class CategoryInput:
    name: str
    slug: str = ""
    position: int = 0


def hotlines_for(actor: User) -> list[Hotline]:
    """The hotlines of the units in the editor's area (the province's, its districts' and communes')."""
    if not may_edit(actor):
        raise NotFound()
    rows = Hotline.objects.filter(unit__in=AdministrativeUnit.objects.filter(access.unit_scope(actor)).values("pk"))
    return list(rows.select_related("unit").order_by("unit__path", "position", "name"))


def access_hotline(actor: User, pk: int) -> Hotline:
    if not may_edit(actor) or not 0 < pk < 2**63:
        raise NotFound()
    hotline = Hotline.objects.select_related("unit").filter(pk=pk).first()
    if hotline is None or not access.unit_in_scope(actor, hotline.unit.path):
        raise NotFound()
    return hotline


def hotline_units(actor: User) -> list[AdministrativeUnit]:
    """The units a hotline may belong to: every unit of the account's area, province first."""
    return list(AdministrativeUnit.objects.filter(access.unit_scope(actor)).order_by("path"))


def _widest_unit(actor: User) -> AdministrativeUnit | None:
    units = sorted(actor.assigned_units(), key=lambda unit: (len(unit.path), unit.path))
    if units:
        return units[0]
    return AdministrativeUnit.objects.provinces().order_by("path").first() if actor.is_superuser else None


def _position(value: object, errors: list[FieldError]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= POSITION_MAX:
        errors.append(FieldError("position", _("A whole number from 0 to %(n)s.") % {"n": POSITION_MAX}))
        return 0
    return value


def save_hotline(actor: User, data: HotlineInput, pk: int | None = None) -> Hotline:
    """Create (pk None) or change a hotline. The number: digits, spaces and dots, a leading +, 3 to 20 characters."""
    existing = access_hotline(actor, pk) if pk is not None else None
    if not may_edit(actor):
        raise NotFound()
    errors: list[FieldError] = []
    name = clean_text(data.name or "")
    if not name:
        errors.append(FieldError("name", _("This field is required.")))
    elif len(name) > HOTLINE_NAME_MAX or "\x00" in name:
        errors.append(FieldError("name", _("At most %(n)s characters.") % {"n": HOTLINE_NAME_MAX}))
    number = " ".join((data.number or "").split())
    if not 3 <= len(number) <= 20 or not _HOTLINE_NUMBER.fullmatch(number):
        errors.append(
            FieldError(
                "number",
                _("3 to 20 characters: digits, spaces and dots, with a + only at the start (e.g. 0203 3825 868)."),
            )
        )
    hours = clean_text(data.hours or "")
    if len(hours) > HOTLINE_HOURS_MAX or "\x00" in hours:
        errors.append(FieldError("hours", _("At most %(n)s characters.") % {"n": HOTLINE_HOURS_MAX}))
    position = _position(data.position, errors)
    code = str(data.unit or "").strip()[:16]
    unit = AdministrativeUnit.objects.filter(code=code).first() if code else _widest_unit(actor)
    if unit is None or not access.unit_in_scope(actor, unit.path):
        errors.append(FieldError("unit", _("No unit with this code in your area.")))
    if errors:
        raise InvalidInput(_("The hotline has errors."), errors)
    assert unit is not None
    with transaction.atomic():
        hotline = existing or Hotline()
        hotline.name, hotline.number, hotline.unit, hotline.hours, hotline.position = (
            name,
            number,
            unit,
            hours,
            position,
        )
        hotline.save()
        audit.record(
            actor,
            AuditAction.UPDATE if existing else AuditAction.CREATE,
            "portal_hotline",
            hotline.pk,
            detail={"unit": unit.code},
        )
    return hotline


def delete_hotline(actor: User, pk: int) -> None:
    hotline = access_hotline(actor, pk)
    with transaction.atomic():
        hotline_pk = hotline.pk
        hotline.delete()
        audit.record(actor, AuditAction.DELETE, "portal_hotline", hotline_pk, detail={"unit": hotline.unit.code})


def categories_for(actor: User) -> list[Category]:
    """Every category with how many articles it holds (``article_count``)."""
    if not may_edit(actor):
        raise NotFound()
    return list(Category.objects.annotate(article_count=Count("articles")).order_by("position", "name"))


def access_category(actor: User, pk: int) -> Category:
    if not may_edit(actor) or not 0 < pk < 2**63:
        raise NotFound()
    category = Category.objects.filter(pk=pk).first()
    if category is None:
        raise NotFound()
    return category


def save_category(actor: User, data: CategoryInput, pk: int | None = None) -> Category:
    """Create (pk None) or change a category; its short name in the address (slug) is unique."""
    existing = access_category(actor, pk) if pk is not None else None
    if not may_edit(actor):
        raise NotFound()
    errors: list[FieldError] = []
    name = clean_text(data.name or "")
    if not name:
        errors.append(FieldError("name", _("This field is required.")))
    elif len(name) > CATEGORY_NAME_MAX or "\x00" in name:
        errors.append(FieldError("name", _("At most %(n)s characters.") % {"n": CATEGORY_NAME_MAX}))
    slug = (data.slug or "").strip().lower() or slugify(name)[:CATEGORY_NAME_MAX]
    if not slug or len(slug) > CATEGORY_NAME_MAX or not _CATEGORY_SLUG.fullmatch(slug):
        errors.append(FieldError("slug", _("Lower-case letters without accents, digits and dashes (e.g. tin-tuc).")))
    elif Category.objects.filter(slug=slug).exclude(pk=existing.pk if existing else 0).exists():
        errors.append(FieldError("slug", _("Another category has this short name.")))
    position = _position(data.position, errors)
    if errors:
        raise InvalidInput(_("The category has errors."), errors)
    with transaction.atomic():
        category = existing or Category()
        category.name, category.slug, category.position = name, slug, position
        try:
            with transaction.atomic():
                category.save()
        except IntegrityError:
            raise InvalidInput(
                _("The category has errors."), [FieldError("slug", _("Another category has this short name."))]
            ) from None
        audit.record(
            actor, AuditAction.UPDATE if existing else AuditAction.CREATE, "portal_category", category.pk, detail={}
        )
    return category


def delete_category(actor: User, pk: int) -> None:
    """Delete a category without articles; one with articles stays (move or delete its articles first)."""
    category = access_category(actor, pk)
    with transaction.atomic():
        articles = Article.objects.filter(category=category).count()
        if articles:
            raise Conflict(
                ngettext(
                    "The category “%(name)s” has %(n)s article: move it to another category or delete it first.",
                    "The category “%(name)s” has %(n)s articles: move them to another category or delete them first.",
                    articles,
                )
                % {"name": category.name, "n": articles},
                [FieldError("category", _("This category has articles."))],
            )
        category_pk = category.pk
        try:
            with transaction.atomic():
                category.delete()
        except ProtectedError:
            raise Conflict(
                _("The category has articles: move them to another category or delete them first."),
                [FieldError("category", _("This category has articles."))],
            ) from None
        audit.record(actor, AuditAction.DELETE, "portal_category", category_pk, detail={})
