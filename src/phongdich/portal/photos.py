"""Photos citizens send (a self-test, a feedback): checked by content, re-encoded as JPEG without EXIF or GPS."""

from __future__ import annotations

import io
import warnings

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from phongdich.core.errors import FieldError, InvalidInput

MAX_BYTES = 5 * 1024 * 1024
# Formats a phone's camera or gallery gives; anything else (SVG, PDF, a renamed script) is refused.
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO"})
MAX_SIDE = 1600  # pixels: enough to read a test cassette, small enough to keep


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, [FieldError(field, message)])


def clean_photo(content: bytes, field: str = "photo") -> bytes:
    """The photo as a fresh JPEG with no metadata (EXIF, GPS, comments), turned upright and at most MAX_SIDE.

    Raises InvalidInput naming ``field`` for an empty, over-large, unreadable or non-image file.
    """
    if not content:
        raise _refuse(field, _("Choose a photo."))
    if len(content) > MAX_BYTES:
        raise _refuse(field, _("The photo is larger than 5 MB."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as probe:
                kind = probe.format
                probe.verify()
            if kind not in ACCEPTED_FORMATS:
                raise _refuse(field, _("This file is not a photo (JPEG, PNG or WebP)."))
            with Image.open(io.BytesIO(content)) as image:
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail((MAX_SIDE, MAX_SIDE))
                rgb = upright.convert("RGB")
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        raise _refuse(field, _("This file is not a photo (JPEG, PNG or WebP).")) from None
    out = io.BytesIO()
    # A new image object carries no info dict: nothing of the original's metadata is written.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    clean.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue()
