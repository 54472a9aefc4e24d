"""A holder with a full course and their certificate, for the verifier tests (page, browser, independent)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from phongdich.accounts.roles import Role
from phongdich.certificates import issuing, services
from phongdich.vaccination import services as vaccination

ASTRAZENECA = "EU/1/21/1529"


def full_course_certificate(make_account: Callable[..., Any], make_person: Callable[..., Any]) -> str:
    """The HC1 text of Nguyễn Thị Đào's certificate (born 2001-07-15, two AstraZeneca doses in 2021)."""
    services.rotate_key(None)
    vaccinator = make_account(Role.VACCINATOR, "06649", username="vaccinator-ha-khanh")
    dao = make_person(vaccinator, full_name="Nguyễn Thị Đào", sex="female", date_of_birth=dt.date(2001, 7, 15))
    for number, day in ((1, dt.date(2021, 8, 1)), (2, dt.date(2021, 9, 10))):
        dose = vaccination.VaccinationInput(person=dao.pk, dose_number=number, product=ASTRAZENECA, date=day)
        vaccination.record_vaccination(vaccinator, dose)
    return issuing.issue_for_person(vaccinator, dao.pk).payload
