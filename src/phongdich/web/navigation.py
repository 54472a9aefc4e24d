"""The menu each role sees. A screen appears only for the roles that may use it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from phongdich.core import access


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    resource: str | None = None
    action: str = "view"
    staff_only: bool = False
    citizen_only: bool = False
    # Django admin screens: for accounts with the admin flag (province administrators).
    admin_only: bool = False
    # Vaccination coverage: figures that leaders see too (vaccination.coverage.may_see_coverage).
    coverage: bool = False
    # Daily reports: sums that leaders see too (reports.services.may_see_reports).
    daily_reports: bool = False
    # Other screens (url names) that belong to this item, so it stays highlighted on them.
    section: tuple[str, ...] = ()
    # One line on the home page saying what the screen is for.
    description: str | Promise = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    def covers(self, url_name: str | None) -> bool:
        return url_name is not None and (url_name == self.url_name or url_name in self.section)


MENU: tuple[NavItem, ...] = (
    NavItem(_("Home"), "home"),
    NavItem(
        _("People"),
        "person-list",
        resource="person",
        section=("person-detail", "person-create", "person-edit"),
        description=_("Find, register and correct the persons of your area."),
    ),
    NavItem(
        _("Venues"),
        "venue-list",
        resource="venue",
        section=("venue-detail", "venue-create", "venue-edit", "venue-safety"),
        description=_("Venues and QR check-in points: registration, approval, posters, COVID-safety."),
    ),
    NavItem(
        _("My record"),
        "my-record",
        citizen_only=True,
        section=("my-record-edit", "my-qr"),
        description=_("Your own record in the registry, and your contact details."),
    ),
    NavItem(
        _("My vaccination"),
        "my-vaccination",
        citizen_only=True,
        description=_("Your invitations and places in vaccination sessions; register for a coming session."),
    ),
    NavItem(
        _("My certificate"),
        "my-certificate",
        citizen_only=True,
        description=_("Your vaccination certificate (EU DCC) as a QR code."),
    ),
    NavItem(
        _("Scan check-ins"),
        "scan",
        resource="checkin",
        action="add",
        staff_only=True,
        section=("venue-today",),
        description=_("Check visitors in at the door: scan their personal QR or type their citizen ID."),
    ),
    NavItem(
        _("Tests"),
        "testing-entry",
        resource="sample",
        staff_only=True,
        section=("testing-person", "testing-pools", "testing-pool", "testing-retests", "testing-import"),
        description=_("Record samples and results, pooled PCR and retests, or import a laboratory's file."),
    ),
    NavItem(
        _("Cases (F0)"),
        "case-list",
        resource="case",
        staff_only=True,
        section=("case-detail", "case-open", "cluster-list", "cluster-detail"),
        description=_("Confirmed cases of your area: clinical status, place of care, outcome; clusters."),
    ),
    NavItem(
        _("Contacts to call"),
        "tracing-tasks",
        resource="contact",
        staff_only=True,
        description=_("F1 and F2 living in your area, with why they are listed: call them, record the follow-up."),
    ),
    NavItem(
        _("Quarantine orders"),
        "quarantine-orders",
        resource="quarantine_order",
        staff_only=True,
        section=("quarantine-order", "quarantine-order-pdf", "quarantine-orders-pdf"),
        description=_("Quarantine orders of your area: dates, tests, delivery, release; print them all at once."),
    ),
    NavItem(
        _("Quarantine facilities"),
        "quarantine-board",
        resource="quarantine_facility",
        staff_only=True,
        section=("quarantine-facility", "quarantine-check"),
        description=_("Facilities and beds: occupancy today, admissions, transfers and discharges."),
    ),
    NavItem(
        _("Health alerts"),
        "quarantine-alerts",
        resource="quarantine_alert",
        staff_only=True,
        description=_("Danger signs and missed daily health checks of people in quarantine, newest danger first."),
    ),
    NavItem(
        _("Health declarations"),
        "declaration-list",
        resource="declaration",
        staff_only=True,
        section=("declaration-detail", "declaration-areas"),
        description=_("Declarations of people arriving in your area: where from, symptoms, which risk rules matched."),
    ),
    NavItem(
        _("Checkpoints"),
        "checkpoint-list",
        resource="checkpoint",
        staff_only=True,
        section=(
            "checkpoint-scan",
            "checkpoint-lane",
            "checkpoint-passes",
            "checkpoint-create",
            "checkpoint-edit",
            "checkpoint-shifts",
            "checkpoint-rules",
        ),
        description=_("Gateway checkpoints: scan travellers' codes, the automatic lane, the day's passes."),
    ),
    NavItem(
        _("Tasks"),
        "task-list",
        resource="task",
        staff_only=True,
        section=("task-create",),
        description=_("Your work list: calls, orders to deliver, samples to take, alerts; overdue first."),
    ),
    NavItem(
        _("Messages"),
        "message-list",
        resource="message",
        staff_only=True,
        section=("message-detail",),
        description=_("Messages sent to the people of your area and whether they arrived; retry a failed one."),
    ),
    NavItem(
        _("Periodic testing"),
        "testing-programs",
        resource="program_member",
        staff_only=True,
        description=_("Testing programs: who is in them, who is due and who is overdue, by establishment."),
    ),
    NavItem(
        _("My declarations"),
        "my-declarations",
        citizen_only=True,
        description=_("Your health declarations and your family's, with their QR codes; declare again."),
    ),
    NavItem(
        _("My tests"),
        "testing-mine",
        citizen_only=True,
        description=_("Your test results, and reporting a self-test."),
    ),
    NavItem(
        _("My quarantine"),
        "my-quarantine",
        citizen_only=True,
        description=_("Your quarantine order, your daily health check, and your release certificate."),
    ),
    NavItem(
        _("Exposure alerts"),
        "exposure-my-alerts",
        citizen_only=True,
        description=_("Days your phone's exposure app found you near a confirmed case."),
    ),
    NavItem(
        _("Exposure app"),
        "exposure-adoption",
        staff_only=True,
        description=_("Bluetooth exposure notification app: installs and active phones by commune, and its effect."),
    ),
    NavItem(
        _("Vaccination"),
        "vaccination-entry",
        resource="vaccination",
        action="add",
        staff_only=True,
        section=("vaccination-person", "vaccination-import"),
        description=_("Record doses at a vaccination site, or import them from the national platform's file."),
    ),
    NavItem(
        _("Vaccination sites"),
        "vaccination-sites",
        resource="vaccination_site",
        staff_only=True,
        section=("vaccination-site", "vaccination-session", "vaccination-invitations", "vaccination-invitation"),
        description=_("Sites and session days, invitation lists, registration and check-in on the day."),
    ),
    NavItem(
        _("Vaccination coverage"),
        "vaccination-coverage",
        staff_only=True,
        coverage=True,
        description=_("First dose and full course by commune, district and age band, against the census."),
    ),
    NavItem(
        _("Verify a certificate"),
        "certificate-verify",
        staff_only=True,
        description=_("Check a COVID certificate's QR code: from the camera, pasted, or from a picture."),
    ),
    NavItem(
        _("Units"),
        "unit-list",
        staff_only=True,
        description=_("Districts and communes of the province, with their population."),
    ),
    NavItem(
        _("Audit log"),
        "audit-list",
        resource="audit",
        description=_("Who read or changed which record, and when."),
    ),
    NavItem(
        _("Dashboard"),
        "dashboard",
        resource="situation",
        staff_only=True,
        description=_("The situation at a glance: new cases, Rt, tests, quarantine, vaccination, levels by unit."),
    ),
    NavItem(
        _("Map"),
        "map",
        staff_only=True,
        description=_("The province on a map: levels, cases per commune, lockdown zones, facilities, sites."),
    ),
    NavItem(
        _("Epidemic levels"),
        "level-list",
        resource="epidemic_level",
        staff_only=True,
        section=("level-unit", "level-rules", "level-rule-set", "level-capacity"),
        description=_("Levels 1–4 of every unit: computed, proposed, approved and published; rules and capacity."),
    ),
    NavItem(
        _("Lockdown zones"),
        "zone-list",
        resource="lockdown_zone",
        staff_only=True,
        section=("zone-create", "zone-detail", "zone-edit"),
        description=_("Lock down communes or drawn areas, with their start and end."),
    ),
    NavItem(
        _("Daily reports"),
        "daily-report-list",
        staff_only=True,
        daily_reports=True,
        section=("daily-report-form", "daily-report-detail"),
        description=_("Communes' daily reports: who has not reported, sums by district, the situation report."),
    ),
    NavItem(
        _("Directives"),
        "directive-list",
        resource="directive",
        staff_only=True,
        section=("directive-create", "directive-detail"),
        description=_("Directives sent to your unit to read and acknowledge; those you sent and who acknowledged."),
    ),
    NavItem(
        _("Citizen feedback"),
        "portal-feedback-list",
        resource="feedback",
        action="change",
        staff_only=True,
        section=("portal-feedback-detail",),
        description=_("Feedback citizens sent to your communes (gatherings, violations, needs for help): answer it."),
    ),
    NavItem(
        _("Self-test reports"),
        "portal-self-tests",
        resource="self_test_report",
        staff_only=True,
        description=_("Home rapid tests citizens reported with a photo; a positive one also makes a task."),
    ),
    NavItem(
        _("Portal articles"),
        "portal-editor",
        resource="portal_article",
        action="change",
        staff_only=True,
        section=(
            "portal-editor-new",
            "portal-editor-edit",
            "portal-editor-hotlines",
            "portal-editor-hotline-new",
            "portal-editor-hotline-edit",
            "portal-editor-hotline-delete",
            "portal-editor-categories",
            "portal-editor-category-new",
            "portal-editor-category-edit",
            "portal-editor-category-delete",
        ),
        description=_("News, guidance and announcements on the citizen portal: write, publish, pin."),
    ),
    NavItem(
        _("Digital tools adoption"),
        "portal-adoption-internal",
        staff_only=True,
        description=_("Registered citizens, QR holders, check-in and exposure-app users per commune, of the census."),
    ),
    NavItem(
        _("Citizen portal"),
        "portal-me",
        citizen_only=True,
        description=_("Your page on the portal: tests, self-test reports, feedback and news."),
    ),
    NavItem(
        _("API tokens"),
        "token-list",
        staff_only=True,
        description=_("Keys for devices and programs that use the API."),
    ),
    NavItem(
        _("Reference data"),
        "admin:index",
        admin_only=True,
        description=_("Administrative units and accounts, in the administration screens."),
    ),
)


def is_staff_user(user: Any) -> bool:
    """Staff roles (everyone but citizens) and superusers: the screens of the health service."""
    return bool(user is not None and user.is_authenticated and (user.is_superuser or user.is_staff_role))


def is_citizen(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and not user.is_superuser and user.role == "citizen")


def may_list_people(user: Any) -> bool:
    """The person list: roles that may view person records, except citizens (they see their own record)."""
    return access.can(user, "person", "view") and not is_citizen(user)


def _may_see_coverage(user: Any) -> bool:
    from phongdich.vaccination.coverage import may_see_coverage

    return may_see_coverage(user)


def _may_see_reports(user: Any) -> bool:
    from phongdich.reports.services import may_see_reports

    return may_see_reports(user)


def _with_unread_directives(item: NavItem, user: Any) -> NavItem:
    """The directives item with the number of unread directives of the account's units, when there are any."""
    from dataclasses import replace

    from phongdich.reports.directives import unread_count

    unread = unread_count(user)
    return replace(item, label=f"{item.label} ({unread})") if unread else item


def _with_open_feedback(item: NavItem, user: Any) -> NavItem:
    """The citizen feedback item with the number of open feedback of the account's communes."""
    from dataclasses import replace

    from phongdich.portal.services import open_count

    count = open_count(user)
    return replace(item, label=f"{item.label} ({count})") if count else item


def menu_for(user: Any) -> list[NavItem]:
    if user is None or not user.is_authenticated:
        return []
    items = []
    for item in MENU:
        if item.staff_only and not is_staff_user(user):
            continue
        if item.citizen_only and not is_citizen(user):
            continue
        if item.admin_only and not user.is_staff:
            continue
        if item.resource and not access.can(user, item.resource, item.action):
            continue
        if item.resource == "person" and is_citizen(user):
            continue
        if item.coverage and not _may_see_coverage(user):
            continue
        if item.daily_reports and not _may_see_reports(user):
            continue
        if item.url_name == "directive-list" and item.resource and access.can(user, item.resource, "view"):
            item = _with_unread_directives(item, user)
        if item.url_name == "portal-feedback-list":
            item = _with_open_feedback(item, user)
        items.append(item)
    return items
