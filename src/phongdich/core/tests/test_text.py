import unicodedata

import pytest

from phongdich.core.text import clean_text, search_key


def test_search_key_drops_diacritics_and_case():
    assert search_key("Nguyễn Thị Đào") == "nguyen thi dao"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Đặng Đức Đạt", "dang duc dat"),
        ("đinh đông", "dinh dong"),
        ("ĐOÀN", "doan"),
        ("Phường Hà Khánh", "phuong ha khanh"),
        ("Thị xã Quảng Yên", "thi xa quang yen"),
        ("Ư Ơ Ă Â Ê Ô", "u o a a e o"),
    ],
)
def test_search_key_maps_every_vietnamese_letter(name, key):
    assert search_key(name) == key


def test_decomposed_input_is_stored_composed_and_searches_alike():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Đào")
    assert decomposed != "Nguyễn Thị Đào"  # the test really starts from NFD
    assert clean_text(decomposed) == "Nguyễn Thị Đào"
    assert unicodedata.is_normalized("NFC", clean_text(decomposed))
    assert search_key(decomposed) == "nguyen thi dao"


def test_white_space_is_trimmed_and_collapsed():
    assert clean_text("  Nguyễn \t Văn\n\n An  ") == "Nguyễn Văn An"
    assert search_key("  NGUYỄN   văn\tAN ") == "nguyen van an"


def test_empty_and_blank_text():
    assert clean_text("   ") == ""
    assert search_key("") == ""
