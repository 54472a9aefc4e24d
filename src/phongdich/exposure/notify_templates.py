"""The exposure app's message texts (Vietnamese), registered with phongdich.notify when the app starts."""

from __future__ import annotations

from phongdich.notify import templates

templates.register(
    "exposure.verification_link",
    subject="Mã xác nhận thông báo phơi nhiễm",
    body=(
        "Bạn được xác định là ca bệnh COVID-19. Để cảnh báo ẩn danh những người đã ở gần bạn, hãy mở đường "
        "dẫn sau trên điện thoại có ứng dụng cảnh báo phơi nhiễm và đồng ý chia sẻ khóa: {{ link }} "
        "(hết hạn lúc {{ expires }}). Không chia sẻ đường dẫn này với người khác."
    ),
)
