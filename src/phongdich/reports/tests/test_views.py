"""The screens: the commune's pre-filled form, the status and sums, downloads, directives inbox and sender view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.reports import directives, services
from phongdich.reports.models import DailyReport, Directive

pytestmark = pytest.mark.django_db

ZERO = dict.fromkeys(
    ("new_cases", "f1_traced", "quarantined_facility", "quarantined_home", "tests", "positives", "vaccinations"), 0
)


def form_data(**figures):
    return {**{name: str(value) for name, value in {**ZERO, **figures}.items()}, "difficulties": ""}


def test_the_commune_form_is_prefilled_and_sends(units, commune_officer, client_for, english):
    client = client_for(commune_officer)
    url = reverse("daily-report-form") + "?commune=06649"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="new_cases"' in html and 'value="0"' in html and "Platform" in html
    sent = client.post(url, form_data(new_cases=4, tests=12))
    assert sent.status_code == 302
    report = DailyReport.objects.get()
    assert (report.commune.code, report.new_cases, report.tests, report.platform_new_cases) == ("06649", 4, 12, 0)
    # Opening the form again shows the figures sent, for correction.
    assert 'value="4"' in client.get(url).content.decode()


def test_bad_figures_show_on_the_form_and_nothing_is_stored(units, commune_officer, client_for, english):
    client = client_for(commune_officer)
    answer = client.post(reverse("daily-report-form") + "?commune=06649", form_data(new_cases=-3))
    assert answer.status_code == 200
    assert "A figure cannot be negative." in answer.content.decode()
    assert not DailyReport.objects.exists()


def test_a_future_day_is_refused_on_the_form(units, commune_officer, client_for, english):
    future = (services.local_today() + dt.timedelta(days=1)).isoformat()
    answer = client_for(commune_officer).post(
        reverse("daily-report-form") + f"?commune=06649&day={future}", form_data()
    )
    assert answer.status_code == 200
    assert "A report cannot be for a day that has not come yet." in answer.content.decode()
    assert not DailyReport.objects.exists()


def test_another_communes_form_is_not_found(units, commune_officer, client_for):
    client = client_for(commune_officer)
    assert client.get(reverse("daily-report-form") + "?commune=06727").status_code == 404
    assert client.post(reverse("daily-report-form") + "?commune=06727", form_data()).status_code == 404
    assert not DailyReport.objects.exists()


def test_the_status_names_the_missing_communes(units, commune_officer, district_officer, client_for, english):
    services.submit_report(
        commune_officer, services.ReportInput(commune="06649", day=services.local_today(), figures={"new_cases": 2})
    )
    html = client_for(district_officer).get(reverse("daily-report-list")).content.decode()
    status = services.reporting_status(district_officer)
    assert f"{status['missing']} of {status['expected']} communes have not reported by 16:00" in html
    missing = html[html.index('id="missing-communes"') :]
    missing = missing[: missing.index("</ul>")]
    assert "Phường Hà Phong" in missing and "Phường Hà Khánh" not in missing


def test_leaders_download_the_situation_report_and_communes_do_not(units, commune_officer, client_for, make_account):
    leader = make_account(Role.LEADER, "22")
    client = client_for(leader)
    assert reverse("daily-report-list") in client.get(reverse("home")).content.decode()
    page = client.get(reverse("daily-report-list"))
    assert page.status_code == 200
    pdf = client.get(reverse("situation-report-pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    xlsx = client.get(reverse("situation-report-xlsx"), {"unit": "193"})
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert client_for(commune_officer).get(reverse("situation-report-pdf")).status_code == 404
    district = make_account(Role.DISTRICT_OFFICER, "193")
    assert client_for(district).get(reverse("situation-report-xlsx"), {"unit": "194"}).status_code == 404
    assert client_for(make_account(Role.LAB_TECHNICIAN, "22")).get(reverse("daily-report-list")).status_code == 404


def test_sending_a_directive_and_the_recipients_inbox(
    units, district_officer, commune_officer, client_for, settings, tmp_path, english
):
    settings.MEDIA_ROOT = tmp_path
    sender = client_for(district_officer)
    form = sender.get(reverse("directive-create")).content.decode()
    assert "Phường Hà Khánh" in form and "Móng Cái" not in form
    sent = sender.post(
        reverse("directive-create"),
        {
            "title": "Họp khẩn",
            "body": "Nội dung",
            "units": ["06649"],
            "acknowledge_within_hours": "24",
            "request_key": "abc",
            "attachment": SimpleUploadedFile("hop.pdf", b"%PDF-1.4\n%%EOF\n"),
        },
    )
    assert sent.status_code == 302
    directive = Directive.objects.get()
    recipient = client_for(commune_officer)
    home = recipient.get(reverse("home")).content.decode()
    assert "Directives (1)" in home
    inbox = recipient.get(reverse("directive-list")).content.decode()
    assert "Họp khẩn" in inbox and "1 unread" in inbox
    assert recipient.get(reverse("directive-detail", args=[directive.pk])).status_code == 200
    assert "Directives (1)" not in recipient.get(reverse("home")).content.decode()
    download = recipient.get(reverse("directive-attachment", args=[directive.pk]))
    assert download.status_code == 200 and download.content == b"%PDF-1.4\n%%EOF\n"
    assert "hop.pdf" in download["Content-Disposition"]
    answer = recipient.post(reverse("directive-acknowledge", args=[directive.pk]), {"note": "Đã nhận"})
    assert answer.status_code == 302
    page = sender.get(reverse("directive-list")).content.decode()
    assert "1/1" in page


def test_a_non_recipient_cannot_open_or_download(units, district_officer, client_for, make_account, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = directives.DirectiveInput(title="Mật", units=["06649"])
    directive, _ = directives.send_directive(district_officer, data, directives.Attachment("a.pdf", b"%PDF-1.4\n"))
    outsider = client_for(make_account(Role.COMMUNE_OFFICER, "06652"))
    assert outsider.get(reverse("directive-detail", args=[directive.pk])).status_code == 404
    assert outsider.get(reverse("directive-attachment", args=[directive.pk])).status_code == 404
    assert outsider.post(reverse("directive-acknowledge", args=[directive.pk]), {"note": ""}).status_code == 404


def test_overdue_acknowledgements_are_highlighted_for_the_sender(
    units, district_officer, commune_officer, client_for, english
):
    directive, _ = directives.send_directive(
        district_officer, directives.DirectiveInput(title="Báo cáo gấp", units=["06649", "06652"])
    )
    Directive.objects.filter(pk=directive.pk).update(acknowledge_by=timezone.now() - dt.timedelta(hours=1))
    page = client_for(district_officer).get(reverse("directive-list")).content.decode()
    assert "2 acknowledgements are overdue." in page
    overdue = page[page.index('id="overdue-list"') :]
    overdue = overdue[: overdue.index("</ul>")]
    assert "Phường Hà Khánh" in overdue and "Phường Hà Phong" in overdue


def test_the_form_opens_on_the_officers_own_commune_without_a_code(client_for, commune_officer):
    answer = client_for(commune_officer).get(reverse("daily-report-form"))
    assert answer.status_code == 200
    assert answer.context["commune"].code == "06649"
