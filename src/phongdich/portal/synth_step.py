# ruff: noqa: E501 - the demo texts are Vietnamese sentences; wrapping them would change the text.
"""The demo's portal: categories, guidance and news articles, hotlines, and a few answered feedback items.

Runs last in the generator's transaction. The CMS texts are written by the province's administrator account
(``tinh-<code>`` when the synthetic province made one) through ``cms.save_article``; re-runs update them in
place (by slug). Feedback comes from persons of the first communes who confirmed their phone (anonymous
reporters), through ``services.submit_feedback``; their commune's officer (``xa-<code>``) answers most of them.
Feedback uuids are derived from the seed, so ``clear`` removes exactly what a run made.
"""

from __future__ import annotations

import datetime as dt
import uuid

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.synth.bulk import BulkWriter
from phongdich.synth.generator import SynthContext, commune_username, register_step
from phongdich.synth.models import SynthRun

CATEGORIES = (
    ("thong-bao", "Thông báo", 0),
    ("huong-dan", "Hướng dẫn", 1),
    ("tin-tuc", "Tin tức", 2),
)

SELF_TEST_GUIDE = """Xét nghiệm nhanh kháng nguyên tại nhà giúp phát hiện sớm người nhiễm. Làm đúng các bước dưới đây.

## Chuẩn bị
- Rửa tay bằng xà phòng hoặc dung dịch sát khuẩn.
- Kiểm tra hạn sử dụng của bộ xét nghiệm; đặt khay thử trên mặt phẳng, khô, sạch.

## Lấy mẫu dịch mũi
- Đưa que lấy mẫu vào một bên lỗ mũi khoảng 2 cm, xoay 5 vòng; làm tương tự với bên còn lại.
- Cho que vào ống dung dịch, xoay và bóp ống khoảng 10 lần, để yên 1 phút.

## Đọc kết quả
- Nhỏ 3–4 giọt vào giếng mẫu, đợi **15 phút** (không đọc sau 30 phút).
- Một vạch ở C: **âm tính**. Hai vạch C và T (kể cả vạch T mờ): **dương tính**. Không có vạch C: kết quả không hợp lệ, làm lại bằng bộ khác.

## Báo kết quả
Chụp ảnh khay thử và báo kết quả trên Cổng thông tin (mục "Báo kết quả tự xét nghiệm"). Nếu dương tính, ở tại nhà, đeo khẩu trang; trạm y tế xã, phường sẽ gọi điện và lấy mẫu xét nghiệm khẳng định."""

ARTICLES = (
    (
        "huong-dan-tu-xet-nghiem-tai-nha",
        "huong-dan",
        "Hướng dẫn tự xét nghiệm nhanh COVID-19 tại nhà",
        "Các bước lấy mẫu, đọc kết quả và báo kết quả cho trạm y tế.",
        SELF_TEST_GUIDE,
        True,
    ),
    (
        "duong-day-nong-phong-chong-dich",
        "thong-bao",
        "Đường dây nóng phòng, chống dịch COVID-19 của tỉnh",
        "Số điện thoại của Sở Y tế, CDC tỉnh và trung tâm y tế các huyện.",
        "Khi có triệu chứng sốt, ho, khó thở hoặc là người tiếp xúc gần với ca bệnh, vui lòng gọi đường dây nóng "
        "của Sở Y tế hoặc trạm y tế xã, phường nơi cư trú.\n\n- Sở Y tế: 1900 9095\n- Tổng đài y tế quốc gia: 1900 9095\n\n"
        "Danh sách đầy đủ ở mục Đường dây nóng.",
        True,
    ),
    (
        "bien-phap-theo-cap-do-dich",
        "huong-dan",
        "Biện pháp phòng, chống dịch theo cấp độ 1–4",
        "Cấp độ dịch của mỗi xã, phường và các biện pháp tương ứng.",
        "Cấp độ dịch được đánh giá cho từng xã, phường theo tỷ lệ ca mắc mới, độ bao phủ vắc xin và năng lực điều trị.\n\n"
        "- **Cấp 1 (xanh)**: nguy cơ thấp, hoạt động bình thường với 5K.\n"
        "- **Cấp 2 (vàng)**: nguy cơ trung bình, hạn chế tụ tập đông người.\n"
        "- **Cấp 3 (cam)**: nguy cơ cao, dừng các hoạt động không thiết yếu.\n"
        "- **Cấp 4 (đỏ)**: nguy cơ rất cao, hạn chế tối đa việc ra khỏi nhà.\n\n"
        "Xem bản đồ và bảng cấp độ dịch của các xã, phường ở mục Cấp độ dịch.",
        False,
    ),
    (
        "khai-bao-y-te-khi-vao-tinh",
        "thong-bao",
        "Khai báo y tế điện tử khi vào tỉnh",
        "Người vào tỉnh khai báo y tế trước khi qua chốt kiểm soát.",
        "Người đến từ tỉnh, thành phố khác khai báo y tế điện tử trước khi đến chốt kiểm soát và xuất trình mã QR "
        "khai báo. Người đến từ vùng cấp độ 3, 4 cần có kết quả xét nghiệm âm tính trong 72 giờ hoặc làm xét nghiệm "
        "tại chốt.",
        False,
    ),
    (
        "lich-tiem-vac-xin-tuan-nay",
        "tin-tuc",
        "Lịch tiêm vắc xin COVID-19 tuần này",
        "Các điểm tiêm cố định và lưu động trong tuần.",
        "Các trạm y tế xã, phường tổ chức tiêm mũi 1, mũi 2 và mũi nhắc lại. Người dân mang căn cước công dân và "
        "đăng ký trước trên Cổng thông tin để giảm thời gian chờ.\n\nDanh sách điểm tiêm ở mục Điểm xét nghiệm và tiêm chủng.",
        False,
    ),
    (
        "phan-anh-qua-cong-thong-tin",
        "tin-tuc",
        "Phản ánh tụ tập đông người, vi phạm quy định qua Cổng thông tin",
        "Người dân gửi phản ánh và theo dõi trả lời của xã, phường.",
        "Người dân có thể gửi phản ánh về tụ tập đông người, vi phạm quy định phòng dịch hoặc nhu cầu hỗ trợ. "
        "Phản ánh được chuyển đến xã, phường liên quan; người gửi theo dõi trạng thái và trả lời trên Cổng thông tin.",
        False,
    ),
)

FEEDBACK = (
    ("gathering", "Có khoảng 30 người tụ tập hát karaoke tại quán cuối ngõ, không đeo khẩu trang.", "Ngõ 12, tổ 3"),
    ("help", "Gia đình tôi đang cách ly tại nhà, cần hỗ trợ gạo và rau trong tuần này.", "Tổ 5, khu 2"),
    ("violation", "Cửa hàng tạp hóa không quét mã QR của khách vào mua hàng.", "Đường Nguyễn Văn Cừ"),
    ("other", "Đề nghị bổ sung điểm tiêm lưu động cho người cao tuổi trong khu phố.", ""),
)
ANSWERS = (
    "Tổ công tác đã đến kiểm tra, nhắc nhở và giải tán; chủ quán đã cam kết chấp hành.",
    "Ủy ban phường sẽ chuyển hỗ trợ lương thực đến gia đình trong ngày mai.",
    "Đã lập biên bản nhắc nhở cửa hàng; sẽ kiểm tra lại trong tuần.",
)


def _feedback_uuid(seed: int, n: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"phongdich-synth-feedback:{seed}:{n}")


class PortalStep:
    name = "portal"

    def run(self, context: SynthContext) -> None:
        from phongdich.portal import cms
        from phongdich.portal.models import Article, Category, Hotline

        # The province administrator's account when one exists, else the generator itself (unsaved, unrestricted).
        editor = User.objects.filter(role=Role.PROVINCE_ADMIN, is_active=True, units=context.province).order_by(
            "pk"
        ).first() or User(username="synth", role=Role.PROVINCE_ADMIN, is_superuser=True, is_active=True)
        categories = {}
        for slug, name, position in CATEGORIES:
            categories[slug], _created = Category.objects.update_or_create(
                slug=slug, defaults={"name": name, "position": position}
            )
        for n, (slug, category, title, summary, body, pinned) in enumerate(ARTICLES):
            existing = Article.objects.filter(slug=slug).first()
            data = cms.ArticleInput(
                title=title,
                category=categories[category].pk,
                body=body,
                summary=summary,
                slug=slug,
                pinned=pinned,
                publish=True,
                published_at=context.now - dt.timedelta(days=len(ARTICLES) - n),
            )
            cms.save_article(editor, data, existing.pk if existing else None)
        context.counts["articles"] = len(ARTICLES)
        Hotline.objects.update_or_create(
            unit=context.province, name="Sở Y tế", defaults={"number": "1900 9095", "hours": "24/7", "position": 0}
        )
        Hotline.objects.update_or_create(
            unit=context.province,
            name="CDC tỉnh",
            defaults={"number": "0203 3825 427", "hours": "7:00–21:00", "position": 1},
        )
        for n, district in enumerate(context.districts):
            Hotline.objects.update_or_create(
                unit=district,
                name=f"Trung tâm Y tế {district.name}",
                defaults={"number": f"0203 38{n:02d} 115", "hours": "24/7", "position": 0},
            )
        self._feedback(context)

    def _feedback(self, context: SynthContext) -> None:
        from phongdich.core.errors import DomainError
        from phongdich.people.models import Person
        from phongdich.portal import services

        made = 0
        for n, (category, text, location) in enumerate(FEEDBACK):
            commune = context.communes[n % max(1, min(2, len(context.communes)))] if context.communes else None
            if commune is None:
                break
            reporter = Person.objects.filter(home_commune=commune).exclude(phone="").order_by("pk")[n : n + 1].first()
            if reporter is None:
                continue
            try:
                feedback, created = services.submit_feedback(
                    None,
                    services.FeedbackInput(
                        uuid=_feedback_uuid(context.options.seed, n),
                        category=category,
                        text=text,
                        commune=commune.code,
                        location=location,
                        confirmed_phone=reporter.phone,
                    ),
                )
            except DomainError:
                continue
            made += int(created)
            officer = User.objects.filter(username=commune_username(commune)).first()
            if created and officer is not None and n < len(ANSWERS):
                services.answer_feedback(officer, feedback.pk, ANSWERS[n])
        context.counts["feedback"] = made

    def clear(self, run: SynthRun, writer: BulkWriter) -> None:
        from phongdich.notify.models import Message
        from phongdich.portal.models import Feedback

        seed = int(getattr(run, "seed", 0) or 0)
        generated = Feedback.objects.filter(uuid__in=[_feedback_uuid(seed, n) for n in range(len(FEEDBACK))])
        for pk in generated.values_list("pk", flat=True):
            Message.objects.filter(event_key__startswith=f"portal.feedback:{pk}:").delete()
        generated.delete()


def register() -> None:
    """Add the step at the end of the plan: it only needs the units, people and accounts."""
    from phongdich.reports import synth_step as reports_step

    reports_step.register()
    register_step(PortalStep())
