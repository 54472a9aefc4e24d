"""Directives: who may send to whom, reading and acknowledging, overdue ones, attachments, notifications."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.core.errors import InvalidInput, NotFound
from phongdich.geo.models import AdministrativeUnit
from phongdich.notify.models import Message
from phongdich.reports import directives
from phongdich.reports.models import Directive, DirectiveRecipient

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def send(actor, units=(), all_communes_of=(), hours=24, attachment=None, key=""):
    data = directives.DirectiveInput(
        title="Tăng cường xét nghiệm",
        body="Nội dung chỉ đạo",
        units=list(units),
        all_communes_of=list(all_communes_of),
        acknowledge_within_hours=hours,
        request_key=key,
    )
    return directives.send_directive(actor, data, attachment)[0]


def office_file(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


def test_the_province_sends_to_districts_and_communes(units, province_admin, commune_officer, district_officer):
    directive = send(province_admin, units=["193", "06727"], all_communes_of=["194"])
    codes = set(directive.recipients.values_list("unit__code", flat=True))
    mong_cai = set(
        AdministrativeUnit.objects.communes().filter(path__startswith=units["194"].path).values_list("code", flat=True)
    )
    assert codes == {"193"} | mong_cai
    assert directive.sender_unit.code == "22"
    assert directive.acknowledge_by - directive.sent_at == dt.timedelta(hours=24)


def test_a_unit_outside_the_senders_jurisdiction_is_refused_and_nothing_stored(units, district_officer, english):
    with pytest.raises(InvalidInput) as caught:
        send(district_officer, units=["06649", "06727"])
    assert [error.field for error in caught.value.errors] == ["units"]
    assert "06727" in caught.value.errors[0].message
    with pytest.raises(InvalidInput):
        send(district_officer, units=["193"])  # its own unit is not a recipient
    with pytest.raises(InvalidInput):
        send(district_officer, units=["22"])
    with pytest.raises(InvalidInput) as caught:
        send(district_officer, all_communes_of=["194"])
    assert [error.field for error in caught.value.errors] == ["all_communes_of"]
    assert not Directive.objects.exists() and not DirectiveRecipient.objects.exists()


def test_communes_and_leaders_cannot_send(units, commune_officer, make_account):
    leader = make_account(Role.LEADER, "22")
    for account in (commune_officer, leader):
        with pytest.raises(NotFound):
            send(account, units=["06649"])
    assert not Directive.objects.exists()


def test_reading_and_acknowledging_are_tracked_per_unit(
    units, district_officer, commune_officer, make_account, province_admin
):
    colleague = make_account(Role.COMMUNE_OFFICER, "06649", username="xa-ha-khanh-2")
    other = make_account(Role.COMMUNE_OFFICER, "06652", username="xa-ha-phong")
    directive = send(district_officer, units=["06649", "06652"])
    assert directives.unread_count(commune_officer) == 1
    view = directives.open_directive(commune_officer, directive.pk)
    assert [row.unit.code for row in view.own] == ["06649"] and not view.sender_side
    first_read = view.own[0].read_at
    assert first_read is not None and view.own[0].read_by == commune_officer
    # A second officer of the same unit opening it later does not change the first reading.
    view = directives.open_directive(colleague, directive.pk)
    assert view.own[0].read_at == first_read and view.own[0].read_by == commune_officer
    assert directives.unread_count(colleague) == 0
    view = directives.acknowledge(colleague, directive.pk, "Đã triển khai")
    assert view.acknowledged
    row = DirectiveRecipient.objects.get(directive=directive, unit__code="06649")
    assert row.acknowledged_by == colleague and row.note == "Đã triển khai"
    # Acknowledging again (a retry) keeps the first acknowledgement.
    directives.acknowledge(commune_officer, directive.pk, "lần 2")
    row.refresh_from_db()
    assert row.acknowledged_by == colleague and row.note == "Đã triển khai"
    sent = directives.sent_directives(district_officer).get(pk=directive.pk)
    assert (sent.recipient_count, sent.read_count, sent.acknowledged_count) == (2, 1, 1)
    # The province sees what its districts sent; the sender sees every recipient.
    assert directives.sent_directives(province_admin).filter(pk=directive.pk).exists()
    assert len(directives.open_directive(district_officer, directive.pk).recipients) == 2
    assert directives.unread_count(other) == 1


def test_a_non_recipient_gets_not_found(units, district_officer, make_account):
    directive = send(district_officer, units=["06649"])
    outsiders = [
        make_account(Role.COMMUNE_OFFICER, "06652"),
        make_account(Role.DISTRICT_OFFICER, "194"),
        make_account(Role.LEADER, "22"),
        make_account(Role.LAB_TECHNICIAN, "06649"),
    ]
    for outsider in outsiders:
        with pytest.raises(NotFound):
            directives.open_directive(outsider, directive.pk)
        with pytest.raises(NotFound):
            directives.acknowledge(outsider, directive.pk)
    for bad in (0, -1, 2**70, "x"):
        with pytest.raises(NotFound):
            directives.open_directive(district_officer, bad)
    assert not DirectiveRecipient.objects.filter(read_at__isnull=False).exists()


def test_overdue_acknowledgements_show_for_the_sender(units, district_officer, commune_officer, province_admin):
    directive = send(district_officer, units=["06649", "06652"], hours=1)
    directives.acknowledge(commune_officer, directive.pk)
    assert not directives.overdue_recipients(district_officer).exists()
    Directive.objects.filter(pk=directive.pk).update(acknowledge_by=timezone.now() - dt.timedelta(minutes=1))
    overdue = list(directives.overdue_recipients(district_officer))
    assert [row.unit.code for row in overdue] == ["06652"]
    assert directives.sent_directives(district_officer).get(pk=directive.pk).overdue_count == 1
    assert [row.unit.code for row in directives.overdue_recipients(province_admin)] == ["06652"]


def test_recipients_are_notified_once_per_unit(units, district_officer, commune_officer, make_account):
    ha_phong = make_account(Role.COMMUNE_OFFICER, "06652", username="xa-ha-phong")
    make_account(Role.COMMUNE_OFFICER, "06727", username="xa-mong-cai")  # not a recipient
    directive = send(district_officer, units=["06649", "06652"], key="k-1")
    messages = Message.objects.filter(event_key__startswith=f"directive:{directive.pk}:")
    assert sorted(messages.values_list("user__username", flat=True)) == sorted(
        [commune_officer.username, ha_phong.username]
    )
    assert all(directive.title in message.subject for message in messages)
    again = send(district_officer, units=["06649", "06652"], key="k-1")
    assert again.pk == directive.pk
    assert Directive.objects.count() == 1
    assert messages.count() == 2


def test_attachments_are_checked_by_content(units, province_admin, settings, tmp_path, english):
    settings.MEDIA_ROOT = tmp_path
    for name, content in (
        ("chi-dao.pdf", PDF),
        ("bang.xlsx", office_file("xl/workbook.xml")),
        ("van-ban.docx", office_file("word/document.xml")),
        ("anh.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20),
        ("anh.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 20),
    ):
        directive = send(province_admin, units=["193"], attachment=directives.Attachment(name, content))
        assert directive.attachment_name == name
        with directive.attachment.open("rb") as stored:
            assert stored.read() == content
    count = Directive.objects.count()
    refused = (
        ("virus.pdf", b"MZ\x90\x00 not a pdf"),
        ("script.html", b"<html><script>alert(1)</script>"),
        ("renamed.docx", PDF),
        ("archive.xlsx", office_file("other.xml")),
        ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)),
    )
    for name, content in refused:
        with pytest.raises(InvalidInput) as caught:
            send(province_admin, units=["193"], attachment=directives.Attachment(name, content))
        assert [error.field for error in caught.value.errors] == ["attachment"], name
    assert Directive.objects.count() == count


def test_only_the_sender_side_and_recipients_get_the_attachment(
    units, district_officer, commune_officer, make_account, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    directive = send(district_officer, units=["06649"], attachment=directives.Attachment("a.pdf", PDF))
    assert directives.attachment_for(commune_officer, directive.pk) == directive
    assert directives.attachment_for(district_officer, directive.pk) == directive
    for outsider in (make_account(Role.COMMUNE_OFFICER, "06652"), make_account(Role.LEADER, "22")):
        with pytest.raises(NotFound):
            directives.attachment_for(outsider, directive.pk)
    plain = send(district_officer, units=["06649"])
    with pytest.raises(NotFound):
        directives.attachment_for(commune_officer, plain.pk)


def test_a_district_sends_to_all_its_own_communes(units, district_officer):
    directive = send(district_officer, all_communes_of=["193"])
    expected = AdministrativeUnit.objects.communes().filter(path__startswith=units["193"].path).count()
    assert directive.recipients.count() == expected
    assert not directive.recipients.filter(unit__level="district").exists()
