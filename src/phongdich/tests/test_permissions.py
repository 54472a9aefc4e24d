"""Who sees which personal record: every model with ``access_resource``, every kind of account.

The models are found by iterating over the installed models, so a model added later is covered as soon
as it declares ``access_resource``; it then needs a maker in ``MAKERS`` below (a test fails until it has one).
The rule under test (core.access): staff see their units and everything below, citizens their own record,
leaders nothing, a role missing from the resource's row of the permission matrix nothing, anyone else nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.apps import apps
from django.db import models, transaction

from phongdich.accounts.roles import PERMISSIONS, STAFF_ROLES, Role
from phongdich.audit import services as audit
from phongdich.audit.models import AuditEvent
from phongdich.conftest import AccountFactory
from phongdich.core import access
from phongdich.core.errors import NotFound
from phongdich.geo.models import AdministrativeUnit
from phongdich.geo.services import load_bundled_province
from phongdich.people import services as people
from phongdich.people.models import Household, Person, PersonMerge
from phongdich.people.services import PersonInput

# Marked, though most tests only ask for the module's ``world``: pytest-django runs database tests before the
# transactional ones, which empty the database (the data the migrations ship included).
pytestmark = pytest.mark.django_db

PERSONAL_MODELS = sorted(
    (model for model in apps.get_models() if hasattr(model, "access_resource")), key=lambda m: m._meta.label
)

# The test persons' home communes: a1 and a2 in Phường Hà Khánh, c in Phường Hà Phong (both in Hạ Long),
# b in Móng Cái (another district).
HOMES = {"a1": "06649", "a2": "06649", "c": "06652", "b": "06727"}
EVERYONE = frozenset(HOMES)
_names = itertools.count()


def _person(root, commune, **fields):
    n = next(_names)
    data = {
        "full_name": ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Chiến", "Phạm Thị Dung")[n % 4],
        "sex": "male",
        "date_of_birth": dt.date(1950, 1, 1) + dt.timedelta(days=n),
        "home_commune": commune,
        **fields,
    }
    return people.create_person(root, PersonInput(**data))


# model label -> how to make one record about a person (and so, in that person's commune).


def _make_person_record(root, person):
    return person


def _make_household(root, person):
    household = Household.objects.create(code=f"HK-{person.pk}", commune=person.home_commune, address="Tổ 1")
    people.update_person(root, person.pk, PersonInput(household=household.code))
    return household


def _make_merge(root, person):
    duplicate = _person(root, person.home_commune.code)
    return people.merge_persons(root, person.pk, duplicate.pk)


def _make_audit_event(root, person):
    return audit.record(root, "view", "person", person.pk)


def _make_venue(root, person):
    # Venues are about a territory, not a person: one in the person's home commune stands for "their" record.
    from phongdich.venues import services as venues

    commune = person.home_commune.code
    data = venues.VenueInput(name=f"Quán {person.pk}", kind="restaurant", commune=commune, address="Tổ 2")
    return venues.register_venue(root, data)


def _make_checkin(root, person):
    # A check-in belongs to the commune of its venue: the visit is at a venue in the person's commune.
    from phongdich.checkins import services as checkins

    visitor = checkins.Visitor(person=person)
    venue = _make_venue(root, person)
    return checkins.record_checkin(root, venue=venue, visitor=visitor, method="typed_id").checkin


def _make_vaccination(root, person):
    # A dose belongs to the person's home commune.
    from phongdich.vaccination import services as vaccination

    data = vaccination.VaccinationInput(
        person=person.pk, dose_number=1, product="EU/1/20/1528", date=dt.date(2021, 8, 2)
    )
    return vaccination.record_vaccination(root, data)


def _make_vaccination_site(root, person):
    # Sites are about a territory, not a person: one in the person's home commune stands for "their" record.
    from phongdich.vaccination import sessions

    data = sessions.SiteInput(name=f"Điểm tiêm {person.pk}", commune=person.home_commune.code, capacity_per_session=50)
    return sessions.create_site(root, data)


def _make_vaccination_session(root, person):
    from django.utils import timezone

    from phongdich.vaccination import sessions

    site = _make_vaccination_site(root, person)
    data = sessions.SessionInput(
        site=site.pk, date=timezone.localdate(), start_time=dt.time(7, 30), end_time=dt.time(11, 30)
    )
    return sessions.create_session(root, data)


def _make_invitation_list(root, person):
    # A list belongs to the area it was built for: here the person's home commune.
    from phongdich.vaccination import sessions

    return sessions.build_invitation_list(root, f"Mời {person.pk}", person.home_commune.code, {"min_age": 18})


def _make_invitation(root, person):
    # An invitation belongs to the invitee's home commune.
    return _make_invitation_list(root, person).invitations.get(person=person)


def _make_registration(root, person):
    # A place in a session belongs to the commune of the session's site (here the person's home commune).
    from phongdich.vaccination import sessions

    session = _make_vaccination_session(root, person)
    return sessions.register(root, session.pk, person.pk)


def _sample_input(person, **fields):
    from phongdich.testing import services as testing

    taken = dt.datetime(2021, 8, 2, 8, 0, tzinfo=dt.UTC)
    return testing.SampleInput(person=person.pk, test_type="rt_pcr", taken_at=taken, site="Trạm y tế", **fields)


def _make_sample(root, person):
    # A sample belongs to the commune where it was taken: by default the person's home commune.
    from phongdich.testing import services as testing

    return testing.record_sample(root, _sample_input(person)).sample


def _make_test_result(root, person):
    from phongdich.testing import services as testing

    return testing.record_sample(root, _sample_input(person, result="negative")).result


def _make_sample_pool(root, person):
    # A pool (no person of its own) belongs to the commune where its samples were taken.
    from phongdich.testing import services as testing

    return testing.create_pool(root, testing.PoolInput(commune=person.home_commune.code, code=f"P-{person.pk}"))


def _make_retest_task(root, person):
    # A member of a positive pool gets a retest task in the commune where the sample was taken.
    from phongdich.testing import services as testing

    pool = _make_sample_pool(root, person)
    testing.record_sample(root, _sample_input(person, pool=pool.pk))
    testing.record_pool_result(root, pool.pk, testing.PoolResultInput(result="positive"))
    return pool.retest_tasks.get()


def _make_program_member(root, person):
    # A worker of an establishment in their home commune, in a periodic testing program.
    from phongdich.testing import programs

    program = programs.create_program(
        root, programs.ProgramInput(name=f"Định kỳ {person.pk}", interval_days=7, valid_from=dt.date(2021, 10, 1))
    )
    venue = _make_venue(root, person)
    return programs.enrol(root, programs.EnrolInput(program=program.pk, person=person.pk, venue=venue.code))


def _make_case(root, person):
    # A case belongs to the person's home commune.
    from phongdich.cases import services as cases

    return cases.open_case(root, cases.CaseInput(person=person.pk, sampled_on=dt.date(2021, 8, 2)))


def _make_cluster(root, person):
    # Clusters are about a place: one in the person's home commune stands for "their" record.
    from phongdich.cases import services as cases

    data = cases.ClusterInput(name=f"Ổ dịch {person.pk}", commune=person.home_commune.code)
    return cases.create_cluster(root, data)


def _make_named_contact(root, person):
    # The person named as a contact of a case in their home commune (the F0 is another person there).
    from django.utils import timezone

    from phongdich.cases import services as cases
    from phongdich.tracing import services as tracing

    index = _person(root, person.home_commune.code)
    case = cases.open_case(root, cases.CaseInput(person=index.pk, sampled_on=timezone.localdate()))
    # The F0 then moves to Móng Cái (their case stays with the commune that opened it), so the persons the
    # viewers of Hạ Long see are still only the test world's.
    people.update_person(root, index.pk, PersonInput(home_commune=HOMES["b"]))
    data = tracing.NamedContactInput(setting="household", date=timezone.localdate(), person=person.pk)
    return tracing.add_named_contact(root, case.pk, data)


def _make_contact(root, person):
    # A contact belongs to the commune the person lives in.
    from phongdich.tracing import services as tracing
    from phongdich.tracing.models import Contact

    named = _make_named_contact(root, person)
    tracing.run_tracing(named.case_id)
    return Contact.objects.get(case_id=named.case_id, person=person)


def _make_contact_evidence(root, person):
    return _make_contact(root, person).evidence.get()


def _make_issued_certificate(root, person):
    # A certificate belongs to its holder's home commune: the test certificate of a negative result.
    from phongdich.certificates import issuing, services
    from phongdich.certificates.models import SigningKey

    if not SigningKey.objects.filter(active=True).exists():
        services.rotate_key(None)
    return issuing.test_certificate(root, _make_test_result(root, person).pk)


def _make_task(root, person):
    # A task about a person belongs to their home commune (the commune's officers call them).
    from django.utils import timezone

    from phongdich.tasks import services as tasks

    return tasks.create_task(
        None,
        kind="call_contact",
        commune=person.home_commune,
        title="Gọi điện",
        due_at=timezone.now(),
        person=person,
        source_key=f"test.call:{person.pk}",
    )


def _make_message(root, person):
    # A message to a person belongs to their home commune; its delivery runs after commit, not here.
    from phongdich.notify import services as notify

    return notify.notify(
        event_key=f"test.notice:{person.pk}",
        template="f1_notice",
        context={"person_name": person.full_name},
        person=person,
        address="0912000000",
    )


def _make_quarantine_order(root, person):
    # An order belongs to the commune of the person's residence (its officers issue and follow it). A person
    # has one active order: the quarantine records of a person share it.
    from phongdich.quarantine import services as quarantine
    from phongdich.quarantine.models import QuarantineOrder

    active = QuarantineOrder.objects.filter(person=person, status="active").first()
    return active or quarantine.issue_order(root, quarantine.OrderInput(person=person.pk, reason="f1_of_case"))


def _make_quarantine_facility(root, person):
    # Facilities are about a territory: one in the person's home commune stands for "their" record.
    from phongdich.quarantine import services as quarantine

    data = quarantine.FacilityInput(name=f"Khu cách ly {person.pk}", commune=person.home_commune.code)
    facility = quarantine.create_facility(root, data)
    quarantine.add_rooms(root, facility.pk, {"1": 1})
    return facility


def _make_facility_admission(root, person):
    # An admission belongs to the facility's commune: a facility in the person's home commune.
    from phongdich.quarantine import services as quarantine

    facility = _make_quarantine_facility(root, person)
    _make_quarantine_order(root, person)
    bed = facility.beds.get()
    return quarantine.admit(root, quarantine.AdmissionInput(facility=facility.pk, bed=bed.pk, person=person.pk))


def _make_order_event(root, person):
    return _make_quarantine_order(root, person).events.first()


def _make_order_delivery(root, person):
    from phongdich.quarantine import services as quarantine

    return quarantine.record_delivery(root, _make_quarantine_order(root, person).pk, "in_person")


def _make_scheduled_test(root, person):
    return _make_quarantine_order(root, person).scheduled_tests.first()


def _make_health_check(root, person):
    # A check at home belongs to the order's commune, the person's residence.
    from phongdich.quarantine import services as quarantine

    _make_quarantine_order(root, person)
    return quarantine.record_health_check(root, quarantine.HealthCheckInput(person=person.pk, spo2=97))


def _make_quarantine_alert(root, person):
    from phongdich.quarantine import services as quarantine

    _make_quarantine_order(root, person)
    check = quarantine.record_health_check(root, quarantine.HealthCheckInput(person=person.pk, spo2=93))
    return check.alerts.get()


def _make_release_certificate(root, person):
    # An order ending today with its day-7 test negative, released.
    from django.utils import timezone

    from phongdich.quarantine import services as quarantine
    from phongdich.testing import services as testing

    quarantine.end_order(root, _make_quarantine_order(root, person).pk, "Kết thúc để cấp lệnh mới")
    start = timezone.localdate() - dt.timedelta(days=6)
    order = quarantine.issue_order(root, quarantine.OrderInput(person=person.pk, reason="f1_of_case", start=start))
    taken = timezone.now() - dt.timedelta(hours=1)
    testing.record_sample(
        root,
        testing.SampleInput(person=person.pk, test_type="rt_pcr", taken_at=taken, result="negative", reported_at=taken),
    )
    quarantine.release_due_orders(timezone.now())
    return order.release_certificate


def _make_verification_code(root, person):
    # A verification code belongs to the commune of its case (the person's home commune).
    from phongdich.exposure.tests.helpers import code_for

    return code_for(root, person)


def _make_app_install(root, person):
    # A phone with the exposure app belongs to its owner's home commune.
    from phongdich.exposure.tests.helpers import install_for

    return install_for(person)


def _make_exposure_alert(root, person):
    from phongdich.exposure.tests.helpers import alert_for

    return alert_for(person)


def _make_bluetooth_encounter(root, person):
    # The person's phone met an F0 who lives in Móng Cái; the encounter belongs to the person's commune.
    from phongdich.exposure.tests.helpers import encounter_for

    return encounter_for(root, person, _person(root, HOMES["b"]))


def _make_lockdown_zone(root, person):
    # Zones are about a territory: one locking down the person's home commune stands for "their" record.
    from phongdich.lockdown import services as lockdown

    data = lockdown.ZoneInput(
        name=f"Phong tỏa {person.pk}",
        starts_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        units=[person.home_commune.code],
    )
    return lockdown.create_zone(root, data)


_report_days = itertools.count(1)


def _make_daily_report(root, person):
    # A report belongs to its commune: one for the person's home commune, each on its own day (a1 and a2 share one).
    from phongdich.reports import services as reports

    day = reports.local_today() - dt.timedelta(days=next(_report_days) % 28)
    data = reports.ReportInput(commune=person.home_commune.code, day=day, figures={"new_cases": 1})
    return reports.submit_report(root, data)[0]


def _make_directive_recipient(root, person):
    # A directive's copy for a unit belongs to that unit: one sent to the person's home commune.
    from phongdich.reports import directives

    data = directives.DirectiveInput(title=f"Chỉ đạo {person.pk}", units=[person.home_commune.code])
    directive, _created = directives.send_directive(root, data)
    return directive.recipients.get()


def _make_self_test_report(root, person):
    # A self-test report belongs to the person's home commune (its station calls them back).
    from django.utils import timezone

    from phongdich.portal import services as portal
    from phongdich.portal.tests.images import jpeg_bytes

    data = portal.SelfTestInput(taken_at=timezone.now(), result="negative", photo=jpeg_bytes())
    return portal.record_self_test(root, person, data)


def _make_feedback(root, person):
    # Feedback sent from the person's confirmed phone goes to their home commune and is theirs.
    import uuid

    from phongdich.portal import services as portal

    phone = f"+8490{person.pk % 10**7:07d}"
    people.update_person(root, person.pk, PersonInput(phone=phone))
    data = portal.FeedbackInput(uuid=uuid.uuid4(), category="help", text="Cần hỗ trợ", confirmed_phone=phone)
    return portal.submit_feedback(None, data)[0]


def _make_declaration(root, person):
    # A declaration belongs to its destination commune: one arriving in the person's home commune, about them.
    import uuid

    from phongdich.declarations import services as declarations

    data = declarations.DeclarationInput(
        submission_id=str(uuid.uuid4()),
        kind="periodic",
        people=[declarations.PersonEntry(full_name=person.full_name, birth_year=1950, sex="male")],
        to_commune=person.home_commune.code,
    )
    declaration = declarations.store_confirmed(data, "+84912345678")[0]
    declaration.person = person
    declaration.save(update_fields=["person"])
    return declaration


def _make_checkpoint(root, person):
    # Checkpoints are about a territory: one in the person's home commune stands for "their" record.
    from phongdich.checkpoints import services as checkpoints

    data = checkpoints.CheckpointInput(
        code=f"chot-{person.pk}", name=f"Chốt {person.pk}", commune=person.home_commune.code
    )
    return checkpoints.save_checkpoint(root, data)


def _make_checkpoint_shift(root, person):
    from django.utils import timezone

    from phongdich.checkpoints import services as checkpoints

    start = timezone.now()
    return checkpoints.add_shift(
        root, _make_checkpoint(root, person).code, start, start + dt.timedelta(hours=8), officers=[]
    )


def _make_checkpoint_pass(root, person, plate=""):
    # A pass belongs to the commune of its checkpoint: the person shows their personal QR at one in their commune.
    from django.utils import timezone

    from phongdich.checkins.personal_qr import personal_qr_token
    from phongdich.checkpoints import services as checkpoints
    from phongdich.checkpoints.models import Pass

    checkpoint = _make_checkpoint(root, person)
    decision = checkpoints.decide(
        checkpoint, personal_qr_token(person), direction="entry", at=timezone.now(), actor=root, plate=plate
    )
    return Pass.objects.get(pk=decision.pass_id)


def _make_vehicle_pass(root, person):
    return _make_checkpoint_pass(root, person, plate="14A-123.45").vehicle


MAKERS = {
    "exposure.VerificationCode": _make_verification_code,
    "exposure.AppInstall": _make_app_install,
    "exposure.ExposureAlert": _make_exposure_alert,
    "exposure.BluetoothEncounter": _make_bluetooth_encounter,
    "certificates.IssuedCertificate": _make_issued_certificate,
    "tracing.Contact": _make_contact,
    "tracing.ContactEvidence": _make_contact_evidence,
    "tracing.NamedContact": _make_named_contact,
    "testing.Sample": _make_sample,
    "testing.TestResult": _make_test_result,
    "testing.SamplePool": _make_sample_pool,
    "testing.RetestTask": _make_retest_task,
    "testing.ProgramMember": _make_program_member,
    "cases.Case": _make_case,
    "cases.Cluster": _make_cluster,
    "vaccination.Vaccination": _make_vaccination,
    "vaccination.VaccinationSite": _make_vaccination_site,
    "vaccination.VaccinationSession": _make_vaccination_session,
    "vaccination.InvitationList": _make_invitation_list,
    "vaccination.Invitation": _make_invitation,
    "vaccination.Registration": _make_registration,
    "checkins.CheckIn": _make_checkin,
    "venues.Venue": _make_venue,
    "people.Person": _make_person_record,
    "people.Household": _make_household,
    "people.PersonMerge": _make_merge,
    "audit.AuditEvent": _make_audit_event,
    "tasks.Task": _make_task,
    "notify.Message": _make_message,
    "quarantine.QuarantineFacility": _make_quarantine_facility,
    "quarantine.FacilityAdmission": _make_facility_admission,
    "quarantine.QuarantineOrder": _make_quarantine_order,
    "quarantine.OrderEvent": _make_order_event,
    "quarantine.OrderDelivery": _make_order_delivery,
    "quarantine.ScheduledTest": _make_scheduled_test,
    "quarantine.HealthCheck": _make_health_check,
    "quarantine.QuarantineAlert": _make_quarantine_alert,
    "quarantine.ReleaseCertificate": _make_release_certificate,
    "reports.DailyReport": _make_daily_report,
    "reports.DirectiveRecipient": _make_directive_recipient,
    "lockdown.LockdownZone": _make_lockdown_zone,
    "checkpoints.Checkpoint": _make_checkpoint,
    "checkpoints.Shift": _make_checkpoint_shift,
    "checkpoints.Pass": _make_checkpoint_pass,
    "checkpoints.VehiclePass": _make_vehicle_pass,
    "declarations.Declaration": _make_declaration,
    "portal.SelfTestReport": _make_self_test_report,
    "portal.Feedback": _make_feedback,
}


def _label(model):
    return model._meta.label


class World:
    """Four persons, one record of each personal model about each, and the accounts that look at them."""

    def __init__(self, make_account):
        self.root = make_account(Role.CITIZEN, username="root")
        self.root.is_superuser = True
        self.root.save()
        self.persons = {key: _person(self.root, commune) for key, commune in HOMES.items()}
        self.records: dict[str, dict[str, models.Model]] = {}
        for model in PERSONAL_MODELS:
            maker = MAKERS.get(_label(model))
            if maker is None:
                continue
            self.records[_label(model)] = {key: maker(self.root, person) for key, person in self.persons.items()}
        inactive = make_account(Role.COMMUNE_OFFICER, "06649", username="inactive")
        inactive.is_active = False
        inactive.save()
        citizen = make_account(Role.CITIZEN, username="citizen-a1")
        citizen.person = self.persons["a1"]
        citizen.save()
        self.viewers = {
            "commune_officer": make_account(Role.COMMUNE_OFFICER, "06649"),
            "district_officer": make_account(Role.DISTRICT_OFFICER, "193"),
            "province_admin": make_account(Role.PROVINCE_ADMIN, "22"),
            "leader": make_account(Role.LEADER, "22"),
            "no_units": make_account(Role.COMMUNE_OFFICER),
            "admin_without_units": make_account(Role.PROVINCE_ADMIN),
            "citizen": citizen,
            "citizen_without_record": make_account(Role.CITIZEN),
            "inactive": inactive,
            "superuser": self.root,
            "lab_technician": make_account(Role.LAB_TECHNICIAN, "06649"),
            "quarantine_staff": make_account(Role.QUARANTINE_STAFF, "193"),
        }

    def visible(self, model, viewer, action="view"):
        """Which persons' records of ``model`` the viewer may act on, as person keys."""
        records = self.records[_label(model)]
        by_pk = {record.pk: key for key, record in records.items()}
        queryset = access.restrict(model._default_manager.filter(pk__in=list(by_pk)), self.viewers[viewer], action)
        return {by_pk[pk] for pk in queryset.values_list("pk", flat=True)}


# What each viewer's units cover, as person keys.
AREA = {
    "commune_officer": {"a1", "a2"},
    "district_officer": {"a1", "a2", "c"},
    "province_admin": set(EVERYONE),
    "leader": set(EVERYONE),
    "no_units": set(),
    "admin_without_units": set(),
    "inactive": set(),
    "lab_technician": {"a1", "a2"},
    "quarantine_staff": {"a1", "a2", "c"},
}
ROLES = {
    "commune_officer": Role.COMMUNE_OFFICER,
    "district_officer": Role.DISTRICT_OFFICER,
    "province_admin": Role.PROVINCE_ADMIN,
    "leader": Role.LEADER,
    "no_units": Role.COMMUNE_OFFICER,
    "admin_without_units": Role.PROVINCE_ADMIN,
    "inactive": Role.COMMUNE_OFFICER,
    "lab_technician": Role.LAB_TECHNICIAN,
    "quarantine_staff": Role.QUARANTINE_STAFF,
    "citizen": Role.CITIZEN,
    "citizen_without_record": Role.CITIZEN,
}


def expected(model, viewer, action="view"):
    """The documented rule, written out independently of core.access."""
    if viewer == "superuser":
        return set(EVERYONE)
    if viewer == "inactive":
        return set()
    role = ROLES[viewer]
    if role == Role.LEADER or action not in PERMISSIONS[model.access_resource].get(role, frozenset()):
        return set()
    if role == Role.CITIZEN:
        return {"a1"} if viewer == "citizen" and getattr(model, "person_lookup", None) else set()
    if getattr(model, "jurisdiction_lookup", None) is None:
        return set(EVERYONE) if AREA[viewer] else set()
    return AREA[viewer]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module (a record of every personal model for each person, a dozen accounts) inside a
    transaction rolled back when the module ends. Each test runs in a savepoint within it, so no test sees
    another's writes; building it per test took minutes of the suite."""

    def make_account(role=Role.COMMUNE_OFFICER, *unit_codes, **kwargs):
        return AccountFactory(role=role, units=unit_codes, **kwargs)

    with django_db_blocker.unblock(), transaction.atomic():
        load_bundled_province()
        yield World(make_account)
        transaction.set_rollback(True)


def test_the_personal_models_are_found():
    labels = {_label(model) for model in PERSONAL_MODELS}
    assert {"people.Person", "people.Household", "people.PersonMerge", "audit.AuditEvent"} <= labels


@pytest.mark.parametrize("model", PERSONAL_MODELS, ids=_label)
def test_every_personal_model_is_declared_completely(model):
    assert _label(model) in MAKERS, f"{_label(model)} holds personal data: add a maker to MAKERS in this file"
    assert model.access_resource in PERMISSIONS, f"{model.access_resource!r} has no row in the permission matrix"
    lookup = getattr(model, "jurisdiction_lookup", None)
    if lookup is not None:
        target = model
        for part in lookup.split("__"):
            target = target._meta.get_field(part).related_model
        assert target is AdministrativeUnit, f"{_label(model)}.jurisdiction_lookup must reach a unit"
    person_lookup = getattr(model, "person_lookup", None)
    if person_lookup is not None:
        target = model
        for part in person_lookup.split("__"):
            target = Person if part == "pk" and target is Person else target._meta.get_field(part).related_model
        assert target is Person, f"{_label(model)}.person_lookup must reach a person"


VIEWERS = [
    "commune_officer",
    "district_officer",
    "province_admin",
    "leader",
    "no_units",
    "admin_without_units",
    "citizen",
    "citizen_without_record",
    "inactive",
    "superuser",
    "lab_technician",
    "quarantine_staff",
]


@pytest.mark.parametrize("model", PERSONAL_MODELS, ids=_label)
def test_each_viewer_sees_exactly_what_the_rule_allows(world, model):
    for viewer in VIEWERS:
        for action in ("view", "change", "merge"):
            assert world.visible(model, viewer, action) == expected(model, viewer, action), (viewer, action)


@pytest.mark.parametrize("model", PERSONAL_MODELS, ids=_label)
def test_out_of_scope_records_are_not_found(world, model):
    records = world.records[_label(model)]
    for viewer in VIEWERS:
        user = world.viewers[viewer]
        allowed = expected(model, viewer)
        for key, record in records.items():
            queryset = model._default_manager.all()
            if key in allowed:
                assert access.get_or_404(queryset, user, pk=record.pk) == record
            else:
                with pytest.raises(NotFound):
                    access.get_or_404(queryset, user, pk=record.pk)


@pytest.mark.parametrize("model", PERSONAL_MODELS, ids=_label)
def test_huge_and_malformed_ids_are_not_found(world, model):
    for bad in (2**70, 2**63, -(2**70), "99999999999999999999", "1 OR 1=1", "", 0):
        with pytest.raises(NotFound):
            access.get_or_404(model._default_manager.all(), world.root, pk=bad)


@pytest.mark.parametrize("model", PERSONAL_MODELS, ids=_label)
@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_staff_without_units_see_nothing(world, make_account, model, role):
    user = make_account(role)
    for action in ("view", "add", "change", "delete", "merge"):
        if role == Role.VENUE_OPERATOR and getattr(model, "operator_lookup", None):
            # Operators work on the venues they operate, not on units: without venues they see nothing.
            assert not access.restrict(model._default_manager.all(), user, action).exists()
            continue
        # Even records that belong to no unit (the audit log): an account without units is unfinished.
        assert access.scope(user, model, action) == access.NOTHING, (role, action)
        assert not access.restrict(model._default_manager.all(), user, action).exists()


# The same rule, written out per model, so the generic test above cannot be wrong in the same way as the code.


def _seen(world, model, viewer, action="view"):
    return world.visible(model, viewer, action)


def test_person_records(world):
    assert _seen(world, Person, "commune_officer") == {"a1", "a2"}
    assert _seen(world, Person, "district_officer") == {"a1", "a2", "c"}
    assert _seen(world, Person, "province_admin") == {"a1", "a2", "c", "b"}
    assert _seen(world, Person, "leader") == set()
    assert _seen(world, Person, "no_units") == set()
    assert _seen(world, Person, "citizen") == {"a1"}
    assert _seen(world, Person, "citizen", "change") == {"a1"}
    assert _seen(world, Person, "citizen_without_record") == set()
    assert _seen(world, Person, "inactive") == set()
    assert _seen(world, Person, "lab_technician") == {"a1", "a2"}
    assert _seen(world, Person, "lab_technician", "change") == set()
    assert _seen(world, Person, "commune_officer", "merge") == set()
    assert _seen(world, Person, "district_officer", "merge") == {"a1", "a2", "c"}
    assert _seen(world, Person, "quarantine_staff", "change") == set()
    officer = world.viewers["commune_officer"]
    assert set(Person.objects.restrict(officer)) == {world.persons["a1"], world.persons["a2"]}
    with pytest.raises(NotFound):
        access.get_or_404(Person.objects.all(), officer, pk=world.persons["b"].pk)
    with pytest.raises(NotFound):
        access.get_or_404(Person.objects.all(), world.viewers["lab_technician"], "change", pk=world.persons["a1"].pk)


def test_household_records(world):
    assert _seen(world, Household, "commune_officer") == {"a1", "a2"}
    assert _seen(world, Household, "district_officer") == {"a1", "a2", "c"}
    assert _seen(world, Household, "province_admin") == {"a1", "a2", "c", "b"}
    assert _seen(world, Household, "citizen") == {"a1"}
    assert _seen(world, Household, "leader") == set()
    assert _seen(world, Household, "lab_technician", "change") == set()
    assert set(Household.objects.restrict(world.viewers["citizen"])) == {world.records["people.Household"]["a1"]}


def test_merge_records(world):
    assert PersonMerge.objects.count() == 4
    assert _seen(world, PersonMerge, "commune_officer") == {"a1", "a2"}
    assert _seen(world, PersonMerge, "district_officer") == {"a1", "a2", "c"}
    assert _seen(world, PersonMerge, "province_admin") == {"a1", "a2", "c", "b"}
    assert _seen(world, PersonMerge, "citizen") == {"a1"}
    assert _seen(world, PersonMerge, "leader") == set()
    assert _seen(world, PersonMerge, "inactive") == set()


def test_audit_events(world):
    # The trail is the province administrators' (and superusers') only; no one else reads any of it,
    # not even the events about their own area or their own record.
    assert _seen(world, AuditEvent, "province_admin") == {"a1", "a2", "c", "b"}
    assert _seen(world, AuditEvent, "superuser") == {"a1", "a2", "c", "b"}
    for viewer in ("commune_officer", "district_officer", "leader", "citizen", "lab_technician", "no_units"):
        assert _seen(world, AuditEvent, viewer) == set(), viewer
    assert _seen(world, AuditEvent, "province_admin", "change") == set()
    assert _seen(world, AuditEvent, "admin_without_units") == set()
    assert not audit.search(world.viewers["district_officer"]).exists()
