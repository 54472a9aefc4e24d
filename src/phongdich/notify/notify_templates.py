# ruff: noqa: E501 - a message line is one sentence as the recipient reads it; wrapping would change the text.
"""The texts the quarantine flows send (Vietnamese, Django template syntax, plain text).

Context each expects (missing optional values are left out of the text):

- ``f1_notice``: ``person_name``; optional ``exposure_date`` (date), ``commune_name``, ``hotline``.
- ``quarantine_order``: ``person_name``, ``kind`` (label, e.g. "cách ly tại nhà"), ``start``, ``planned_end``
  (dates); optional ``order_number``, ``place``, ``test_days`` (list of dates), ``self_monitoring_end``,
  ``commune_name``.
- ``test_appointment``: ``person_name``, ``test_date`` (date or datetime); optional ``place``, ``test_type``.
- ``health_check_reminder``: ``person_name``, ``date``; optional ``link``.
- ``quarantine_released``: ``person_name``, ``end`` (date); optional ``certificate_number``, ``verify_url``.
- ``officer_alert``: ``alert`` (what happened, e.g. "SpO₂ 93 %" or "bỏ lỡ khai báo y tế"), ``person_name``;
  optional ``place``, ``at`` (datetime), ``link``.
"""

from __future__ import annotations

from phongdich.notify.templates import register

register(
    "f1_notice",
    subject="Thông báo: bạn là người tiếp xúc gần (F1)",
    body="""Kính gửi {{ person_name }},
Qua truy vết, bạn được xác định là người tiếp xúc gần (F1) với một trường hợp mắc COVID-19{% if exposure_date %} (tiếp xúc ngày {{ exposure_date|date:"d/m/Y" }}){% endif %}.
Đề nghị bạn ở tại nhà, hạn chế tiếp xúc với người khác, đeo khẩu trang và tự theo dõi sức khỏe.
Cán bộ y tế {% if commune_name %}{{ commune_name }} {% endif %}sẽ gọi điện hướng dẫn bạn trong thời gian sớm nhất.
{% if hotline %}Khi cần hỗ trợ, vui lòng gọi {{ hotline }}.{% endif %}""",
)

register(
    "quarantine_order",
    subject="Quyết định cách ly y tế{% if order_number %} số {{ order_number }}{% endif %}",
    body="""Kính gửi {{ person_name }},
{% if commune_name %}{{ commune_name }} thông báo{% else %}Thông báo{% endif %} quyết định cách ly y tế{% if order_number %} số {{ order_number }}{% endif %} đối với bạn.
Hình thức: {{ kind }}{% if place %} tại {{ place }}{% endif %}.
Thời gian cách ly: từ ngày {{ start|date:"d/m/Y" }} đến hết ngày {{ planned_end|date:"d/m/Y" }}.
{% if self_monitoring_end %}Sau đó tự theo dõi sức khỏe đến hết ngày {{ self_monitoring_end|date:"d/m/Y" }}.
{% endif %}{% if test_days %}Ngày xét nghiệm: {% for day in test_days %}{{ day|date:"d/m/Y" }}{% if not forloop.last %}, {% endif %}{% endfor %}.
{% endif %}Hằng ngày vui lòng khai báo thân nhiệt, SpO2 và triệu chứng. Khi khó thở, SpO2 dưới 96% hoặc sốt cao, báo ngay cho cán bộ y tế.""",
)

register(
    "test_appointment",
    subject='Lịch xét nghiệm ngày {{ test_date|date:"d/m/Y" }}',
    body="""Kính gửi {{ person_name }},
Bạn có lịch lấy mẫu xét nghiệm{% if test_type %} {{ test_type }}{% endif %} vào ngày {{ test_date|date:"d/m/Y" }}{% if place %} tại {{ place }}{% endif %}.
Vui lòng đeo khẩu trang, giữ khoảng cách và mang theo giấy tờ tùy thân.""",
)

register(
    "health_check_reminder",
    subject='Nhắc khai báo y tế ngày {{ date|date:"d/m/Y" }}',
    body="""Kính gửi {{ person_name }},
Bạn chưa khai báo sức khỏe hằng ngày (thân nhiệt, SpO2, triệu chứng) ngày {{ date|date:"d/m/Y" }}.
{% if link %}Khai báo tại: {{ link }}
{% endif %}Nếu có dấu hiệu khó thở hoặc SpO2 dưới 96%, hãy báo ngay cho cán bộ y tế.""",
)

register(
    "quarantine_released",
    subject="Hoàn thành cách ly y tế",
    body="""Kính gửi {{ person_name }},
Bạn đã hoàn thành thời gian cách ly y tế (kết thúc ngày {{ end|date:"d/m/Y" }}).
{% if certificate_number %}Giấy xác nhận hoàn thành cách ly số {{ certificate_number }}.
{% endif %}{% if verify_url %}Kiểm tra giấy xác nhận tại: {{ verify_url }}
{% endif %}Đề nghị bạn tiếp tục thực hiện 5K và theo dõi sức khỏe.""",
)

register(
    "officer_alert",
    subject="Cảnh báo: {{ alert }} — {{ person_name }}",
    body="""Cảnh báo cần xử lý: {{ alert }}.
Người: {{ person_name }}{% if place %}, {{ place }}{% endif %}.
{% if at %}Thời điểm: {{ at|date:"H:i d/m/Y" }}.
{% endif %}{% if link %}Xem chi tiết: {{ link }}
{% endif %}Đề nghị liên hệ ngay và ghi nhận kết quả trên danh sách công việc.""",
)
