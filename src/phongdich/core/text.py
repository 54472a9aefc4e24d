"""Vietnamese text handling: names in NFC, and a search key that ignores diacritics and case."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def clean_text(value: str) -> str:
    """NFC, trimmed, inner white space collapsed to one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def search_key(value: str) -> str:
    """'Nguyễn Thị Đào' -> 'nguyen thi dao'. Đ has no decomposition, so it is mapped by hand."""
    decomposed = unicodedata.normalize("NFD", clean_text(value).replace("Đ", "D").replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()
