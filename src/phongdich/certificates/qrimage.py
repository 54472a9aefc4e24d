"""Reading a certificate's QR code from a picture (a phone photo, a scan, a screenshot)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from phongdich.core.errors import FieldError, InvalidInput

# A photo from a phone is a few megabytes; anything much larger is not a picture of a QR code.
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(_("The picture cannot be read."), [FieldError("image", message)])


def text_from_image(data: bytes) -> str:
    """The text of the first QR code in the picture. InvalidInput naming "image" when there is none."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise _refuse(_("Choose a picture of the certificate's QR code."))
    if len(data) > MAX_IMAGE_BYTES:
        raise _refuse(_("The picture is larger than 10 MB."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise _refuse(_("The picture has too many pixels."))
            image.load()
            found = zxingcpp.read_barcodes(image.convert("L"))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise _refuse(_("This file is not a picture (PNG, JPEG, GIF or WebP).")) from None
    for barcode in found:
        if barcode.valid and barcode.format == zxingcpp.BarcodeFormat.QRCode and barcode.text:
            return str(barcode.text)
    raise _refuse(_("No QR code was found in the picture. Take it again, closer and in focus."))
