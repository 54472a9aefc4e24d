"""The reference client downloads a key server's files over HTTP: the platform's own (a live server) and
a hostile index or file, which it refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.exposure import exports
from phongdich.exposure.client import download
from phongdich.exposure.client.export import (
    DiagnosisKey,
    ExportBatch,
    ExportError,
    generate_signing_key,
    write_export_zip,
)
from phongdich.exposure.tests.helpers import phone_keys
from phongdich.exposure.tests.test_exports import _upload


def _served(files: dict[str, bytes]) -> download.Fetch:
    """A fetch that answers from a dict, as a server holding exactly these files would."""

    def fetch(url: str) -> bytes:
        path = url.removeprefix("https://keys.example/")
        if path not in files:
            raise AssertionError(f"unexpected request {url}")
        return files[path]

    return fetch


def _batch(region: str = "VN") -> ExportBatch:
    key = DiagnosisKey(key_data=bytes(range(16)), rolling_start_interval_number=2_700_000)
    return ExportBatch(region, 1, 1, 1_620_000_000, 1_620_003_600, [key])


def test_only_new_files_are_fetched_and_each_is_verified():
    signer = generate_signing_key("452", "v1")
    first, second = write_export_zip(_batch(), [signer]), write_export_zip(_batch(), [signer])
    files = {
        "exposure/exports/VN/index.txt": b"exposure/exports/VN/1.zip\nexposure/exports/VN/2.zip\n",
        "exposure/exports/VN/1.zip": first,
        "exposure/exports/VN/2.zip": second,
    }
    keys = {("452", "v1"): signer.private_key.public_key()}
    got = download.download_exports(
        "https://keys.example", "VN", keys, seen={"exposure/exports/VN/1.zip"}, fetch=_served(files)
    )
    assert [item.path for item in got] == ["exposure/exports/VN/2.zip"]
    assert got[0].batch.keys[0].key_data == bytes(range(16))

    # A file signed by a key the phone does not trust is refused, whatever the index says.
    stranger = generate_signing_key("452", "v1")
    files["exposure/exports/VN/2.zip"] = write_export_zip(_batch(), [stranger])
    with pytest.raises(ExportError):
        download.download_exports("https://keys.example", "VN", keys, fetch=_served(files))
    # A file of another region listed in this region's index is refused too.
    files["exposure/exports/VN/2.zip"] = write_export_zip(_batch("LA"), [signer])
    with pytest.raises(ExportError, match="region"):
        download.download_exports(
            "https://keys.example", "VN", keys, seen={"exposure/exports/VN/1.zip"}, fetch=_served(files)
        )


@pytest.mark.parametrize(
    "line", ["https://elsewhere.example/x.zip", "//elsewhere.example/x.zip", "/etc/passwd", "exposure/../../x"]
)
def test_an_index_may_not_send_the_phone_elsewhere(line):
    with pytest.raises(ExportError, match="line 1"):
        download.index_paths(line + "\n")


def test_only_http_addresses_are_fetched():
    with pytest.raises(ExportError):
        download.http_fetch("file:///etc/passwd")


@pytest.mark.django_db(transaction=True)
def test_the_client_downloads_and_verifies_the_platforms_files_over_http(live_server, province_admin, make_person):
    keys = phone_keys(3)
    _upload(province_admin, make_person, keys)
    report = exports.publish_exports(timezone.now() + dt.timedelta(hours=1))
    assert len(report.files) == 1
    trusted = download.fetch_public_keys(live_server.url)
    got = download.download_exports(live_server.url, "VN", trusted)
    assert [item.path for item in got] == [f"exposure/exports/{report.files[0]}"]
    published = {key.key_data for key in got[0].batch.keys}
    assert {key.key_data for key in keys} <= published
    # Nothing new on the next visit.
    assert download.download_exports(live_server.url, "VN", trusted, seen={item.path for item in got}) == []
