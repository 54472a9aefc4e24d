# ruff: noqa: E501 - a message line is one sentence as the recipient reads it; wrapping would change the text.
"""The texts the portal sends (Vietnamese, Django template syntax, plain text).

- ``portal_feedback_answered``: ``number`` (the feedback's number), ``status`` (label), ``answer`` (text); optional ``link``.
- ``portal_self_test_positive``: ``commune_name``; optional ``hotline``.
"""

from __future__ import annotations

from phongdich.notify.templates import register

register(
    "portal_feedback_answered",
    subject="Phản ánh số {{ number }} đã được trả lời",
    body="""Phản ánh số {{ number }} của bạn: {{ status }}.
Trả lời của cán bộ: {{ answer }}
{% if link %}Xem chi tiết: {{ link }}{% endif %}""",
)

register(
    "portal_self_test_positive",
    subject="Đã nhận kết quả tự xét nghiệm dương tính",
    body="""Trạm y tế {{ commune_name }} đã nhận kết quả tự xét nghiệm dương tính của bạn và sẽ gọi điện hướng dẫn, lấy mẫu xét nghiệm khẳng định.
Trong khi chờ, vui lòng ở tại nhà, đeo khẩu trang và hạn chế tiếp xúc.{% if hotline %} Khi cần hỗ trợ, gọi {{ hotline }}.{% endif %}""",
)
