"""The roles an account can hold, and what each may do with personal records.

The matrix is data: a later app adds its own resource (``"sample"``, ``"case"`` …) with the roles that
may act on it. A role missing from a resource's row may do nothing with it (deny by default).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("Province administrator")
    EPIDEMIOLOGIST = "epidemiologist", _("Epidemiologist (CDC)")
    DISTRICT_OFFICER = "district_officer", _("District health officer")
    COMMUNE_OFFICER = "commune_officer", _("Commune health officer")
    LAB_TECHNICIAN = "lab_technician", _("Laboratory technician")
    VACCINATOR = "vaccinator", _("Vaccinator")
    QUARANTINE_STAFF = "quarantine_staff", _("Quarantine facility staff")
    VENUE_OPERATOR = "venue_operator", _("Venue operator")
    CHECKPOINT_OFFICER = "checkpoint_officer", _("Checkpoint officer")
    LEADER = "leader", _("Leader (steering committee)")
    CITIZEN = "citizen", _("Citizen")


class Action(models.TextChoices):
    VIEW = "view", _("view")
    ADD = "add", _("add")
    CHANGE = "change", _("change")
    DELETE = "delete", _("delete")
    MERGE = "merge", _("merge")


# Roles that work on the records of the units they are assigned to.
STAFF_ROLES: frozenset[str] = frozenset(set(Role.values) - {Role.CITIZEN})

# Roles that see aggregates only: no personal record, whatever their units.
AGGREGATE_ONLY_ROLES: frozenset[str] = frozenset({Role.LEADER})

_ALL = frozenset(Action.values)

# resource -> role -> actions. Citizens act on their own record only (see core.access).
PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    "person": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW, Action.ADD, Action.CHANGE, Action.MERGE}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE, Action.MERGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.LAB_TECHNICIAN: frozenset({Action.VIEW, Action.ADD}),
        Role.VACCINATOR: frozenset({Action.VIEW, Action.ADD}),
        Role.QUARANTINE_STAFF: frozenset({Action.VIEW}),
        Role.CHECKPOINT_OFFICER: frozenset({Action.VIEW, Action.ADD}),
        Role.CITIZEN: frozenset({Action.VIEW, Action.CHANGE}),
    },
    "audit": {
        Role.PROVINCE_ADMIN: frozenset({Action.VIEW}),
    },
    # Venues are not personal data, but each commune manages those of its territory.
    "venue": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.VENUE_OPERATOR: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.CHECKPOINT_OFFICER: frozenset({Action.VIEW}),
    },
    # Check-ins are personal data: tracing staff read them; operators record and see their venue's.
    "checkin": {
        Role.PROVINCE_ADMIN: frozenset({Action.VIEW, Action.DELETE}),
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD}),
        Role.VENUE_OPERATOR: frozenset({Action.VIEW, Action.ADD}),
        Role.CHECKPOINT_OFFICER: frozenset({Action.ADD}),
        Role.CITIZEN: frozenset({Action.VIEW}),
    },
    # Vaccination records: vaccinators record doses; officers read them; citizens their own.
    # Leaders see coverage figures only (aggregates, no rows).
    "vaccination": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW}),
        Role.VACCINATOR: frozenset({Action.VIEW, Action.ADD}),
        Role.CITIZEN: frozenset({Action.VIEW}),
    },
}


def allowed_actions(role: str, resource: str) -> frozenset[str]:
    return PERMISSIONS.get(resource, {}).get(role, frozenset())
