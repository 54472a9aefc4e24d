"""`phongdich demo --no-serve`: everything a newcomer needs, and safe to run again."""

import io

import pytest
from django.core.management import call_command

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.core.management.commands.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from phongdich.people.models import Person
from phongdich.venues.models import Venue


@pytest.mark.django_db(transaction=True)
def test_demo_sets_up_every_role_and_runs_again_without_change():
    out = io.StringIO()
    call_command("demo", no_serve=True, scale=0.002, stdout=out)
    assert "http://127.0.0.1:8000/" in out.getvalue()
    people, accounts, venues = Person.objects.count(), User.objects.count(), Venue.objects.count()
    assert people > 2000 and venues > 50
    roles = {account.role for account in DEMO_ACCOUNTS}
    assert roles == set(Role.values)
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.role == account.role
        assert user.check_password(DEMO_PASSWORD)
    assert User.objects.get(username="demo-xa").unit_paths() == ["22/193/06649/"]
    assert User.objects.get(username="demo-congdan").person is not None
    assert Venue.objects.filter(operators__username="demo-diadiem").count() == 1

    call_command("demo", no_serve=True, scale=0.002, stdout=io.StringIO())
    assert (Person.objects.count(), User.objects.count(), Venue.objects.count()) == (people, accounts, venues)
