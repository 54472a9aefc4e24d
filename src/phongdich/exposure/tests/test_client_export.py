"""Export files: the real sample from Google's reference app, and our own written ones (no database)."""

import io
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from google.protobuf import unknown_fields
from hypothesis import given, settings
from hypothesis import strategies as st

from phongdich.exposure.client import export
from phongdich.exposure.client.export import DiagnosisKey, ExportBatch, ExportError, ReportType

DATA = Path(__file__).parent / "data"
SAMPLE_ZIP = (DATA / "internals_sample_diagnosis_key_file.zip").read_bytes()
CPP_EXPORT_BIN = (DATA / "internals_cpp_testdata_export.bin").read_bytes()
PUBLIC_KEYS = export.load_public_keys((DATA / "verification_public_keys.txt").read_text())


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _flip(content: bytes, index: int) -> bytes:
    return content[:index] + bytes([content[index] ^ 0x01]) + content[index + 1 :]


def test_public_key_listing_is_read():
    assert set(PUBLIC_KEYS) == {("ExampleServer", "v1"), ("310", "v1")}


def test_sample_is_accepted_with_its_key_and_parsed():
    batch = export.read_export_zip(SAMPLE_ZIP, {("310", "v1"): PUBLIC_KEYS[("310", "v1")]})
    assert batch.region == "US"
    assert (batch.batch_num, batch.batch_size) == (1, 1)
    assert (batch.start_timestamp, batch.end_timestamp) == (1593633600, 1593633900)  # 2020-07-01 20:00 UTC + 5 min
    assert len(batch.keys) == 140
    assert batch.revised_keys == []
    assert batch.signature_infos == [export.SignatureInfo("310", "v1", "1.2.840.10045.4.3.2")]
    assert all(len(key.key_data) == 16 for key in batch.keys)
    assert len({key.key_data for key in batch.keys}) == 140
    assert {key.rolling_period for key in batch.keys} == {144}
    first = batch.keys[0]
    assert first.key_data.hex() == "0003d60b188f19856e8b3dd29a0c463b"
    assert (first.rolling_start_interval_number, first.transmission_risk_level) == (2653920, 3)
    assert first.rolling_start_interval_number % 144 == 0


def test_sample_field_numbers_are_all_known():
    # Parsing with our schema leaves no unknown field: every field number of the real file is declared.
    content = _members(SAMPLE_ZIP)["export.bin"][16:]
    message = export.TemporaryExposureKeyExport()
    message.ParseFromString(content)
    assert len(unknown_fields.UnknownFieldSet(message)) == 0
    for key in message.keys:
        assert len(unknown_fields.UnknownFieldSet(key)) == 0
    assert message.SerializeToString() == content  # and it re-encodes byte for byte


def test_sample_is_rejected_with_the_other_servers_key():
    with pytest.raises(ExportError, match="no signature by a known key"):
        export.read_export_zip(SAMPLE_ZIP, {("ExampleServer", "v1"): PUBLIC_KEYS[("ExampleServer", "v1")]})


def test_sample_is_rejected_when_the_wrong_key_has_its_name():
    with pytest.raises(ExportError, match="does not match"):
        export.read_export_zip(SAMPLE_ZIP, {("310", "v1"): PUBLIC_KEYS[("ExampleServer", "v1")]})


@pytest.mark.parametrize("member", ["export.bin", "export.sig"])
def test_every_one_byte_change_is_rejected(member):
    # Every position of the file, header and signature bytes included.
    members = _members(SAMPLE_ZIP)
    original = members[member]
    for index in range(len(original)):
        changed = dict(members, **{member: _flip(original, index)})
        with pytest.raises(ExportError):
            export.verify_export(changed["export.bin"], changed["export.sig"], PUBLIC_KEYS)


@pytest.mark.parametrize(("member", "index"), [("export.bin", 0), ("export.bin", 1000), ("export.sig", 80)])
def test_one_byte_change_in_a_zip_is_rejected_by_the_reader(member, index):
    members = _members(SAMPLE_ZIP)
    members[member] = _flip(members[member], index)
    with pytest.raises(ExportError):
        export.read_export_zip(_zip(members), PUBLIC_KEYS)


def test_unchanged_repacked_sample_still_verifies():
    # The rejections above come from the changed byte, not from repacking the zip.
    assert len(export.read_export_zip(_zip(_members(SAMPLE_ZIP)), PUBLIC_KEYS).keys) == 140


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not a zip", "not a readable export zip"),
        (_zip({"export.bin": b"EK Export v1    "}), "no export.sig"),
        (_zip({"export.bin": b"EK Export v2    ", "export.sig": b""}), "header"),
        (_zip({"export.bin": b"EK Export v1    \xff\xff", "export.sig": b"\xff"}), "TEKSignatureList"),
    ],
)
def test_malformed_files_are_rejected_with_a_reason(data, reason):
    with pytest.raises(ExportError, match=reason):
        export.read_export_zip(data, PUBLIC_KEYS)


def test_oversized_member_is_refused_before_inflating(monkeypatch):
    monkeypatch.setattr(export, "MAX_MEMBER_BYTES", 1000)
    with pytest.raises(ExportError, match="larger than 1000 bytes"):
        export.read_export_zip(SAMPLE_ZIP, PUBLIC_KEYS)


def test_bad_protobuf_is_rejected():
    with pytest.raises(ExportError, match="not a valid TemporaryExposureKeyExport"):
        export.parse_export_bin(export.EXPORT_HEADER + b"\x3a\xff\xff\xff")


def test_cpp_testdata_export_parses():
    batch = export.parse_export_bin(CPP_EXPORT_BIN)
    assert batch.region == "US"
    assert len(batch.keys) == 200
    assert all(len(key.key_data) == 16 for key in batch.keys)
    assert batch.keys[0].key_data.hex() == "00068b4d1fb011b9c9ae2744419d4ab3"
    assert (batch.keys[0].rolling_start_interval_number, batch.keys[0].rolling_period) == (2625468, 141)
    assert batch.start_timestamp < batch.end_timestamp


def _our_batch() -> ExportBatch:
    keys = [
        DiagnosisKey(bytes([n]) * 16, 2_700_000 + 144 * (n % 14), 144, n % 8, ReportType.CONFIRMED_TEST, n % 5 - 2)
        for n in range(50)
    ]
    keys.append(DiagnosisKey(b"\xaa" * 16, 2_700_000, 72, 0, ReportType.SELF_REPORT, None))
    revised = [DiagnosisKey(b"\xbb" * 16, 2_700_144, 144, 0, ReportType.REVOKED, None)]
    return ExportBatch("VN-22", 2, 3, 1_620_000_000, 1_620_003_600, keys, revised)


def test_our_export_round_trips_and_verifies():
    signing_key = export.generate_signing_key("452", "v1")
    public = export.load_public_keys(export.public_key_line(signing_key))
    batch = _our_batch()
    data = export.write_export_zip(batch, [signing_key])
    read = export.read_export_zip(data, public)
    assert read.keys == batch.keys
    assert read.revised_keys == batch.revised_keys
    assert (read.region, read.batch_num, read.batch_size) == ("VN-22", 2, 3)
    assert (read.start_timestamp, read.end_timestamp) == (1_620_000_000, 1_620_003_600)
    assert read.signature_infos == [export.SignatureInfo("452", "v1")]
    assert _members(data)["export.bin"].startswith(b"EK Export v1    ")
    assert read.keys[0].days_since_onset_of_symptoms == -2  # sint32 keeps negatives


def test_our_export_rejected_by_another_key_and_after_tampering():
    signing_key = export.generate_signing_key("452", "v1")
    other = export.generate_signing_key("452", "v1")
    data = export.write_export_zip(_our_batch(), [signing_key])
    with pytest.raises(ExportError, match="does not match"):
        export.read_export_zip(data, {("452", "v1"): other.private_key.public_key()})
    members = _members(data)
    members["export.bin"] = _flip(members["export.bin"], 40)
    with pytest.raises(ExportError):
        export.read_export_zip(_zip(members), {("452", "v1"): signing_key.private_key.public_key()})


def test_export_signed_by_two_keys_verifies_with_either():
    first, second = export.generate_signing_key("452", "v1"), export.generate_signing_key("452", "v2")
    data = export.write_export_zip(_our_batch(), [first, second])
    for key in (first, second):
        public = {(key.key_id, key.key_version): key.private_key.public_key()}
        assert len(export.read_export_zip(data, public).keys) == 51


def test_signature_for_another_batch_number_is_rejected():
    signing_key = export.generate_signing_key("452", "v1")
    batch = _our_batch()
    content = export.export_bin(batch, [signing_key.info])
    other = ExportBatch("VN-22", 3, 3, batch.start_timestamp, batch.end_timestamp, [])
    data = _zip({"export.bin": content, "export.sig": export.sign_export_bin(content, other, [signing_key])})
    with pytest.raises(ExportError, match="another batch"):
        export.read_export_zip(data, {("452", "v1"): signing_key.private_key.public_key()})


def test_bad_key_length_is_refused_on_write():
    batch = ExportBatch("VN-22", 1, 1, 0, 1, [DiagnosisKey(b"\x01" * 15, 0)])
    with pytest.raises(ValueError, match="16 bytes"):
        export.write_export_zip(batch, [export.generate_signing_key("452")])


def test_public_key_listing_errors():
    with pytest.raises(ValueError, match="line 1"):
        export.load_public_keys("310-v1 not-base64!")
    with pytest.raises(ValueError, match="line 2"):
        export.load_public_keys("# comment\nnoversion AAAA")
    rsa_free = ec.generate_private_key(ec.SECP384R1())
    line = export.public_key_line(export.SigningKey("k", "v1", rsa_free))
    with pytest.raises(ValueError, match="P-256"):
        export.load_public_keys(line)


def test_key_wire_format_of_the_fields_the_samples_lack():
    # report_type = 5 (enum, varint) and days_since_onset_of_symptoms = 6 (sint32, zigzag: -1 → 1, 3 → 6),
    # revised_keys = 8 in the export: the reference samples carry none of these.
    key = DiagnosisKey(b"\x11" * 16, 2_700_000, 144, 0, ReportType.CONFIRMED_CLINICAL_DIAGNOSIS, -1)
    content = export.export_bin(ExportBatch("", 0, 0, 0, 0, [], [key]), [])[16:]
    encoded_key = (
        b"\x0a\x10"
        + b"\x11" * 16  # key_data
        + b"\x10\x00"  # transmission_risk_level
        + b"\x18\xe0\xe5\xa4\x01"  # rolling_start_interval_number 2,700,000
        + b"\x20\x90\x01"  # rolling_period 144
        + b"\x28\x02"  # report_type CONFIRMED_CLINICAL_DIAGNOSIS
        + b"\x30\x01"  # days_since_onset_of_symptoms -1
    )
    assert content.endswith(b"\x42" + bytes([len(encoded_key)]) + encoded_key)
    positive = export.export_bin(ExportBatch("", 0, 0, 0, 0, [DiagnosisKey(b"\x11" * 16, 0, 144, 0, 1, 3)]), [])
    assert positive.endswith(b"\x28\x01\x30\x06")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_give_an_export_error_or_a_batch(data):
    for content in (data, export.EXPORT_HEADER + data):
        try:
            batch = export.parse_export_bin(content)
        except ExportError:
            continue
        assert isinstance(batch.region, str)
        assert all(isinstance(info.key_id, str) for info in batch.signature_infos)
    with pytest.raises(ExportError):
        export.read_export_zip(data, PUBLIC_KEYS)
    with pytest.raises(ExportError):
        export.read_export_zip(_zip({"export.bin": export.EXPORT_HEADER + data, "export.sig": data}), PUBLIC_KEYS)


@pytest.mark.parametrize(
    ("content", "field"),
    [(b"\x1a\x02\xff\xfe", "region"), (b"\x32\x04\x22\x02\xff\xfe", "verification_key_id")],
)
def test_text_fields_that_are_not_utf8_are_rejected(content, field):
    with pytest.raises(ExportError, match=f"{field} is not UTF-8"):
        export.parse_export_bin(export.EXPORT_HEADER + content)
