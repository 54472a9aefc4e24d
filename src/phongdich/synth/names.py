"""Vietnamese name parts with weights, for generating plausible full names ("Surname Middle Given").

Surname shares follow published estimates of surname frequency in Viet Nam (Nguyễn about 38 %,
Trần 11 %, Lê 9.5 % …). Quảng Ninh is in the north, so the northern forms (Hoàng, Vũ) get most of
the weight of the Hoàng/Huỳnh and Vũ/Võ pairs. Middle and given names carry two weights: for people
born before 1990 and for those born since, because naming fashions changed (fewer "Văn"/"Thị",
more "Ngọc Anh", "Gia Huy"). The weights are judgement, not statistics.

Every string is normalised to NFC when the module loads, whatever the editor saved.
"""

from __future__ import annotations

import unicodedata

# (surname, percent of the population)
_SURNAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 38.0),
    ("Trần", 11.0),
    ("Lê", 9.5),
    ("Phạm", 7.0),
    ("Hoàng", 4.6),
    ("Huỳnh", 0.4),
    ("Phan", 4.5),
    ("Vũ", 3.6),
    ("Võ", 0.3),
    ("Đặng", 2.1),
    ("Bùi", 2.0),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1.0),
    ("Lý", 0.5),
    # The tail: 11.5 % shared by less common surnames, some typical of the Tày, Dao and Sán Dìu
    # communities of the province's uplands (Nông, Triệu, La).
    ("Đinh", 1.0),
    ("Trịnh", 1.0),
    ("Mai", 0.8),
    ("Lương", 0.8),
    ("Đào", 0.8),
    ("Trương", 0.7),
    ("Hà", 0.7),
    ("Đoàn", 0.7),
    ("Lưu", 0.6),
    ("Cao", 0.6),
    ("Tạ", 0.5),
    ("Phùng", 0.5),
    ("Chu", 0.4),
    ("Lâm", 0.4),
    ("Tô", 0.4),
    ("Vương", 0.3),
    ("Nông", 0.3),
    ("La", 0.2),
    ("Triệu", 0.2),
    ("Kiều", 0.2),
    ("Thái", 0.2),
)

# (middle name, weight for births before 1990, weight for births from 1990)
_MALE_MIDDLE: tuple[tuple[str, float, float], ...] = (
    ("Văn", 55, 22),
    ("Đức", 7, 9),
    ("Minh", 5, 11),
    ("Quang", 5, 6),
    ("Hữu", 5, 3),
    ("Công", 4, 3),
    ("Xuân", 4, 2),
    ("Thanh", 3, 3),
    ("Duy", 1, 5),
    ("Tiến", 2, 2),
    ("Mạnh", 2, 2),
    ("Trung", 1, 3),
    ("Đình", 3, 2),
    ("Ngọc", 2, 2),
    ("Hoàng", 1, 4),
    ("Anh", 1, 4),
    ("Thế", 2, 2),
    ("Quốc", 1, 4),
    ("Việt", 1, 3),
    ("Gia", 0.2, 5),
    ("Bảo", 0.2, 4),
    ("Tuấn", 0.5, 2),
    ("Hải", 0.5, 2),
)

_FEMALE_MIDDLE: tuple[tuple[str, float, float], ...] = (
    ("Thị", 70, 24),
    ("Ngọc", 4, 10),
    ("Thu", 5, 6),
    ("Thanh", 4, 6),
    ("Minh", 1, 6),
    ("Phương", 1, 5),
    ("Thùy", 1, 5),
    ("Hồng", 3, 3),
    ("Khánh", 0.3, 5),
    ("Bảo", 0.2, 5),
    ("Mai", 1, 3),
    ("Kim", 3, 2),
    ("Hải", 1, 3),
    ("Lan", 0.5, 2),
    ("Diệu", 0.3, 3),
    ("Quỳnh", 0.5, 3),
    ("Hoài", 1, 2),
    ("Bích", 2, 1),
    ("Thúy", 1, 1),
    ("Ánh", 0.5, 2),
)

# (given name, weight for births before 1990, weight for births from 1990)
_MALE_GIVEN: tuple[tuple[str, float, float], ...] = (
    ("Anh", 2, 5),
    ("Bảo", 0.5, 3),
    ("Bình", 4, 1),
    ("Cường", 4, 2),
    ("Dũng", 5, 2),
    ("Duy", 1, 3),
    ("Đạt", 1, 4),
    ("Đông", 3, 1),
    ("Đức", 4, 3),
    ("Giang", 2, 1),
    ("Hải", 5, 3),
    ("Hiếu", 1, 3),
    ("Hòa", 4, 1),
    ("Hoàng", 2, 3),
    ("Hùng", 6, 2),
    ("Huy", 1, 5),
    ("Hưng", 3, 2),
    ("Khánh", 1, 3),
    ("Khoa", 0.5, 3),
    ("Kiên", 2, 2),
    ("Lâm", 1, 2),
    ("Long", 4, 3),
    ("Mạnh", 3, 2),
    ("Minh", 4, 5),
    ("Nam", 4, 4),
    ("Nghĩa", 3, 1),
    ("Phong", 2, 3),
    ("Phúc", 1, 4),
    ("Quân", 1, 4),
    ("Quang", 3, 2),
    ("Sơn", 5, 2),
    ("Tài", 2, 2),
    ("Thắng", 5, 2),
    ("Thành", 5, 3),
    ("Thịnh", 2, 2),
    ("Tiến", 3, 2),
    ("Toàn", 3, 2),
    ("Trung", 4, 3),
    ("Tuấn", 5, 4),
    ("Tùng", 3, 3),
    ("Việt", 2, 2),
    ("Vinh", 3, 2),
)

_FEMALE_GIVEN: tuple[tuple[str, float, float], ...] = (
    ("An", 1, 4),
    ("Anh", 2, 6),
    ("Bích", 3, 1),
    ("Châu", 1, 2),
    ("Chi", 1, 4),
    ("Dung", 5, 1),
    ("Giang", 2, 3),
    ("Hà", 4, 3),
    ("Hạnh", 4, 1),
    ("Hằng", 5, 2),
    ("Hiền", 4, 2),
    ("Hoa", 6, 1),
    ("Hồng", 5, 1),
    ("Huệ", 4, 1),
    ("Hương", 6, 3),
    ("Huyền", 3, 3),
    ("Lan", 6, 1),
    ("Linh", 2, 6),
    ("Loan", 4, 1),
    ("Ly", 1, 3),
    ("Mai", 4, 2),
    ("My", 0.5, 4),
    ("Nga", 5, 1),
    ("Ngân", 1, 3),
    ("Ngọc", 2, 3),
    ("Nhung", 4, 1),
    ("Oanh", 3, 1),
    ("Phương", 4, 3),
    ("Quỳnh", 1, 3),
    ("Tâm", 2, 2),
    ("Thảo", 3, 4),
    ("Thư", 0.5, 4),
    ("Thủy", 5, 2),
    ("Trang", 3, 5),
    ("Tuyết", 4, 1),
    ("Uyên", 0.5, 3),
    ("Vân", 4, 2),
    ("Vy", 0.2, 4),
    ("Yến", 4, 2),
    ("Xuân", 3, 1),
)

# Born from this year on, the "recent" naming weights apply.
RECENT_NAMING_FROM_YEAR = 1990


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


SURNAMES: tuple[tuple[str, float], ...] = tuple((_nfc(name), share) for name, share in _SURNAMES)
MALE_MIDDLE = tuple((_nfc(name), older, recent) for name, older, recent in _MALE_MIDDLE)
FEMALE_MIDDLE = tuple((_nfc(name), older, recent) for name, older, recent in _FEMALE_MIDDLE)
MALE_GIVEN = tuple((_nfc(name), older, recent) for name, older, recent in _MALE_GIVEN)
FEMALE_GIVEN = tuple((_nfc(name), older, recent) for name, older, recent in _FEMALE_GIVEN)
