import logging

from phongdich.core.logging import RedactQueryStrings, redact


def test_query_strings_are_removed_from_request_lines():
    assert redact('"GET /people/?q=nguyen+van+an&phone=0912345678 HTTP/1.1" 200 512') == (
        '"GET /people/?… HTTP/1.1" 200 512'
    )
    assert redact("GET /people/12/ HTTP/1.1") == "GET /people/12/ HTTP/1.1"


def test_filter_redacts_message_arguments():
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s', ("GET /api/v1/persons?q=tran+thi HTTP/1.1", 200), None
    )
    assert RedactQueryStrings().filter(record) is True
    assert record.getMessage() == '"GET /api/v1/persons?… HTTP/1.1" 200'
