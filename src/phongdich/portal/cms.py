"""The portal's small CMS: articles (news, guidance, announcements), categories and hotlines.

Editors (``portal_article`` in the permission matrix: the province administrator and the CDC) write articles
as plain text: blank lines part paragraphs, "- " starts a list item, "## " a heading. The text is always
escaped when shown; no HTML from an editor ever reaches a page.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.core import access
from phongdich.core.errors import FieldError, InvalidInput, NotFound
from phongdich.core.text import clean_text
from phongdich.portal.models import Article, ArticleStatus, Category

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
