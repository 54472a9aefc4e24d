"""The one-time code text (Vietnamese, plain text). Context: ``code`` (6 digits), ``minutes`` (validity)."""

from __future__ import annotations

from phongdich.notify.templates import register

register(
    "phone_code",
    subject="Mã xác thực PhòngDịch",
    body="""Mã xác thực của bạn là {{ code }}. Mã có hiệu lực trong {{ minutes }} phút.
Không cung cấp mã này cho bất kỳ ai.""",
)
