"""Built-in stay rules and the first COVID-safety checklist; the province edits both in the admin."""

from django.db import migrations

STAY_MINUTES = {
    "market": 60,
    "supermarket": 45,
    "shop": 20,
    "restaurant": 60,
    "office": 480,
    "factory": 480,
    "school": 420,
    "clinic": 120,
    "pharmacy": 15,
    "hotel": 720,
    "tourist_site": 180,
    "bus": 90,
    "ferry": 90,
    "station": 60,
    "religious_site": 90,
    "event": 180,
}

# Modelled on the criteria of the Ministry of Health's "Bản đồ chung sống an toàn với dịch COVID-19"
# (safecovid.vn): each "yes" earns the weight; a "no" to a critical criterion means at least high risk.
CRITERIA = [
    {"key": "distancing", "label": "Bố trí chỗ ngồi, vị trí làm việc, lối đi bảo đảm khoảng cách tối thiểu 1 mét hoặc có vách ngăn", "weight": 3, "critical": True},
    {"key": "capacity_limit", "label": "Giới hạn số người có mặt cùng lúc theo quy định của địa phương", "weight": 2, "critical": False},
    {"key": "ventilation", "label": "Không gian thông thoáng, thường xuyên mở cửa, hạn chế dùng điều hòa kín", "weight": 2, "critical": False},
    {"key": "masks", "label": "Nhân viên và khách đeo khẩu trang trong suốt thời gian có mặt", "weight": 3, "critical": True},
    {"key": "hand_hygiene", "label": "Có nơi rửa tay bằng xà phòng hoặc dung dịch sát khuẩn ở lối vào và khu vực chung", "weight": 2, "critical": False},
    {"key": "checkin", "label": "Khách và nhân viên quét mã QR hoặc khai báo khi ra/vào", "weight": 3, "critical": True},
    {"key": "health_screening", "label": "Đo thân nhiệt và hỏi triệu chứng ở lối vào; không cho người có triệu chứng vào", "weight": 2, "critical": False},
    {"key": "cleaning", "label": "Vệ sinh, khử khuẩn bề mặt tiếp xúc chung ít nhất hai lần mỗi ngày", "weight": 2, "critical": False},
    {"key": "covid_team", "label": "Có Tổ COVID an toàn và người phụ trách liên hệ với y tế địa phương", "weight": 2, "critical": False},
    {"key": "response_plan", "label": "Có phương án phòng, chống dịch và xử lý khi có ca mắc, đã được phổ biến cho nhân viên", "weight": 3, "critical": True},
    {"key": "isolation_area", "label": "Có khu vực cách ly tạm thời người nghi nhiễm", "weight": 1, "critical": False},
    {"key": "staff_vaccinated", "label": "Nhân viên đã tiêm đủ liều vắc xin COVID-19 hoặc đã khỏi bệnh", "weight": 2, "critical": False},
    {"key": "staff_testing", "label": "Xét nghiệm định kỳ cho nhân viên theo hướng dẫn của địa phương", "weight": 1, "critical": False},
    {"key": "waste", "label": "Có thùng rác có nắp cho khẩu trang, khăn giấy đã sử dụng", "weight": 1, "critical": False},
    {"key": "signage", "label": "Niêm yết thông điệp 5K và hướng dẫn phòng dịch ở nơi dễ thấy", "weight": 1, "critical": False},
]

# The smallest score (percent) that earns each class; below "high" it is very high risk.
THRESHOLDS = {"safe": 90, "low": 75, "medium": 60, "high": 40}


def seed(apps, schema_editor):
    StayRule = apps.get_model("venues", "StayRule")
    SafetyChecklist = apps.get_model("venues", "SafetyChecklist")
    for kind, minutes in STAY_MINUTES.items():
        StayRule.objects.get_or_create(kind=kind, defaults={"minutes": minutes})
    SafetyChecklist.objects.get_or_create(
        version=1,
        defaults={
            "title": "Bộ tiêu chí đánh giá an toàn COVID-19 tại cơ sở",
            "criteria": CRITERIA,
            "thresholds": THRESHOLDS,
            "is_active": True,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("venues", "StayRule").objects.filter(kind__in=list(STAY_MINUTES)).delete()
    apps.get_model("venues", "SafetyChecklist").objects.filter(version=1, assessments__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("venues", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
