"""Shared fixtures: data is built through the real services, as the application builds it.

- ``units``: Quảng Ninh loaded by ``geo.services.load_bundled_province()``; ``units["06649"]`` is a unit.
- ``make_account(role, *unit_codes, **kw)``: an account made by ``accounts.services.create_account``.
- ``make_person(actor, **fields)``: a person made by ``people.services.create_person``.
- ``make_cccd(date_of_birth, sex)``: a CCCD number that agrees with the birth year and sex.
- ``api_client(user)``: a ``django.test.Client`` sending a fresh API token of that user.
- ``english``: messages in English for one test (the default language is Vietnamese).
- ``province_admin`` (unit 22), ``district_officer`` (193 Hạ Long), ``commune_officer`` (06649 Hà Khánh).
- ``AccountFactory`` / ``PersonFactory``: factory-boy factories over the same services.

Fixtures and factories here are generic: every app's tests may use them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import factory
import pytest
from django.test import Client
from django.utils import translation

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.accounts.services import create_account, issue_token
from phongdich.geo.models import AdministrativeUnit
from phongdich.geo.services import LoadResult, load_bundled_province
from phongdich.people.identity import cccd_century_sex_digit
from phongdich.people.models import Person
from phongdich.people.services import PersonInput, create_person

PROVINCE = "22"  # Quảng Ninh
HA_LONG = "193"  # district: Thành phố Hạ Long
MONG_CAI = "194"  # district: Thành phố Móng Cái
HA_KHANH = "06649"  # commune in Hạ Long
HA_PHONG = "06652"  # commune in Hạ Long
MONG_CAI_COMMUNE = "06727"  # commune in Móng Cái

_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi")
_MIDDLE = ("Văn", "Thị", "Minh", "Đức", "Ngọc", "Thu")
_GIVEN = ("An", "Bình", "Chi", "Dũng", "Đào", "Giang", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phương")

_serials = itertools.count(1)


def vietnamese_name(n: int) -> str:
    """A distinct, digit-free Vietnamese name for each n (576 before repeating)."""
    return " ".join(
        (
            _FAMILY[n % len(_FAMILY)],
            _MIDDLE[(n // len(_FAMILY)) % len(_MIDDLE)],
            _GIVEN[(n // (len(_FAMILY) * len(_MIDDLE))) % len(_GIVEN)],
        )
    )


def cccd_for(date_of_birth: dt.date, sex: str, *, province: str = "022", serial: int | None = None) -> str:
    """A 12-digit CCCD consistent with the birth year and sex (province of birth registration, default 022)."""
    serial = next(_serials) if serial is None else serial
    return f"{province}{cccd_century_sex_digit(date_of_birth.year, sex)}{date_of_birth.year % 100:02d}{serial:06d}"


class Units:
    """The loaded province: ``units["06649"]`` is the unit with that official code."""

    def __init__(self, result: LoadResult) -> None:
        self.result = result
        self._by_code = {unit.code: unit for unit in AdministrativeUnit.objects.all()}

    def __getitem__(self, code: str) -> AdministrativeUnit:
        return self._by_code[code]

    @property
    def province(self) -> AdministrativeUnit:
        return self[PROVINCE]


class AccountFactory(factory.Factory):
    """``AccountFactory(role=..., units=["06649"])``: through ``create_account``; units by code or object."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"account{n}")
    role = Role.COMMUNE_OFFICER
    units: Any = ()
    password = None

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        units = [
            unit if isinstance(unit, AdministrativeUnit) else AdministrativeUnit.objects.get(code=unit)
            for unit in kwargs.pop("units")
        ]
        return create_account(kwargs.pop("username"), units=units, **kwargs)


class PersonFactory(factory.Factory):
    """``PersonFactory(actor=user, full_name=...)``: through ``create_person``, so validation and audit apply."""

    class Meta:
        model = Person

    full_name = factory.Sequence(vietnamese_name)
    sex = "male"
    date_of_birth = dt.date(1985, 3, 12)
    # Distinct valid mobile numbers (Vinaphone 091x).
    phone = factory.Sequence(lambda n: f"0912{n % 1_000_000:06d}")
    home_commune = HA_KHANH
    citizen_id = None
    address = None
    household = None

    @classmethod
    def _create(cls, model_class: type[Person], *args: Any, **kwargs: Any) -> Person:
        actor = kwargs.pop("actor")
        return create_person(actor, PersonInput(**kwargs))


def pytest_configure(config: pytest.Config) -> None:
    # WhiteNoise warns when STATIC_ROOT was never collected, which tests never need.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


@pytest.fixture(autouse=True)
def _fresh_memos() -> None:
    """Each test starts with empty hot-path memos: ids are reused once a test's transaction rolls back."""
    from phongdich.core.memo import forget_all

    forget_all()


# The policies and rule sets that data migrations ship: (migration module, function, model whose rows it makes).
SHIPPED_DATA = (
    ("phongdich.cases.migrations.0002_default_confirmation_policy", "add_default", "cases.ConfirmationPolicy"),
    ("phongdich.tracing.migrations.0002_default_policy", "create", "tracing.TracingPolicy"),
    ("phongdich.quarantine.migrations.0002_default_policies", "add_policies", "quarantine.QuarantinePolicy"),
    ("phongdich.levels.migrations.0002_shipped_rule_sets", "ship", "levels.LevelRuleSet"),
    ("phongdich.declarations.migrations.0002_seed_areas_and_policy", "seed", "declarations.DeclarationRiskPolicy"),
    ("phongdich.checkpoints.migrations.0002_default_rules", "create", "checkpoints.EntryRuleSet"),
    ("phongdich.vaccination.migrations.0002_seed_vaccine_products", "seed", "vaccination.VaccineProduct"),
    ("phongdich.certificates.migrations.0003_default_business_rules", "load", "certificates.BusinessRule"),
    ("phongdich.venues.migrations.0002_seed_rules_and_checklist", "seed", "venues.StayRule"),
)


@pytest.fixture(autouse=True)
def _shipped_data_in_transactional_tests(request: pytest.FixtureRequest) -> None:
    """A transactional test (browser, concurrency) starts from an emptied database once an earlier one has
    flushed it: the data the migrations ship is put back first, so such a test sees what production has."""
    marker = request.node.get_closest_marker("django_db")
    marked = marker is not None and bool(marker.kwargs.get("transaction"))
    if not marked and not {"transactional_db", "live_server"} & set(request.fixturenames):
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("_django_db_helper" if marked else "transactional_db")
    for module_name, function_name, model_label in SHIPPED_DATA:
        if not apps.get_model(model_label).objects.exists():
            # None for the schema editor: these functions only write rows.
            getattr(importlib.import_module(module_name), function_name)(apps, None)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """PBKDF2's 10⁶ rounds take ~0.3 s a password; tests check behaviour, not hashing cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _notify_outbox_outside_the_data_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Messages the console channel delivers during tests go to a temporary file, not to var/outbox.log."""
    from django.conf import settings

    settings.PHONGDICH_NOTIFY_OUTBOX = tmp_path_factory.mktemp("notify") / "outbox.log"


@pytest.fixture
def english(settings: Any) -> Iterator[None]:
    """Messages in English for the test, in its own code and in requests through the test client
    (the installation's language is Vietnamese; the locale middleware falls back to LANGUAGE_CODE)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def units(db: None) -> Units:
    """Quảng Ninh: province 22, 13 districts, 177 communes."""
    return Units(load_bundled_province())


@pytest.fixture
def make_account(db: None) -> Callable[..., User]:
    def make(role: str = Role.COMMUNE_OFFICER, *unit_codes: str, **kwargs: Any) -> User:
        return AccountFactory(role=role, units=unit_codes, **kwargs)

    return make


@pytest.fixture
def province_admin(units: Units, make_account: Callable[..., User]) -> User:
    return make_account(Role.PROVINCE_ADMIN, PROVINCE, username="province-admin")


@pytest.fixture
def commune_officer(units: Units, make_account: Callable[..., User]) -> User:
    """A commune health officer of Phường Hà Khánh (06649, Hạ Long)."""
    return make_account(Role.COMMUNE_OFFICER, HA_KHANH, username="officer-ha-khanh")


@pytest.fixture
def district_officer(units: Units, make_account: Callable[..., User]) -> User:
    """A district health officer of Thành phố Hạ Long (193)."""
    return make_account(Role.DISTRICT_OFFICER, HA_LONG, username="officer-ha-long")


@pytest.fixture
def make_person(db: None) -> Callable[..., Person]:
    def make(actor: User, **fields: Any) -> Person:
        return PersonFactory(actor=actor, **fields)

    return make


@pytest.fixture
def make_cccd() -> Callable[..., str]:
    return cccd_for


@pytest.fixture
def api_client(db: None) -> Callable[[User], Client]:
    """``api_client(user)``: a test client that authenticates as ``user`` with a new bearer token."""

    def make(user: User) -> Client:
        _token, secret = issue_token(user, label="tests")
        return Client(headers={"Authorization": f"Bearer {secret}"})

    return make
