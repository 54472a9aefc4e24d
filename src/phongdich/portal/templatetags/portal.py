from __future__ import annotations

from django import template
from django.utils.formats import number_format

from phongdich.portal.adoption import AdoptionRow

register = template.Library()


@register.filter
def share(row: AdoptionRow, figure: str) -> str:
    """'45,93 %' (the local decimal mark), or '–' without a population."""
    value = row.share(figure)
    return "–" if value is None else f"{number_format(value, 2)} %"
