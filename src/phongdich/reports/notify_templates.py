"""The text a directive's recipients receive (Vietnamese, Django template syntax, plain text).

- ``directive_received``: ``title``, ``sender_unit``, ``acknowledge_by`` (datetime); optional ``link``.
"""

from __future__ import annotations

from phongdich.notify.templates import register

register(
    "directive_received",
    subject="Văn bản chỉ đạo mới: {{ title }}",
    body="""{{ sender_unit }} gửi văn bản chỉ đạo: {{ title }}.
Đề nghị đơn vị đọc và xác nhận đã nhận trước {{ acknowledge_by|date:"H:i d/m/Y" }}.
{% if link %}Xem tại: {{ link }}{% endif %}""",
)
