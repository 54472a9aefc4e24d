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
    # Vaccination sites and their sessions (not personal data): communes and districts plan them;
    # vaccinators open and close the sessions they work at (change).
    "vaccination_site": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.VACCINATOR: frozenset({Action.VIEW, Action.CHANGE}),
    },
    # Invitation lists and who is on them: officers build them from eligibility criteria; citizens see
    # their own invitations.
    "vaccination_invitation": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.VACCINATOR: frozenset({Action.VIEW}),
        Role.CITIZEN: frozenset({Action.VIEW}),
    },
    # Places in sessions: officers and vaccinators register people and check them in (change);
    # citizens register themselves and cancel their own place.
    "vaccination_registration": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.VACCINATOR: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.CITIZEN: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
    },
    # Issued EU DCC certificates: vaccinators and labs issue them (add), health officers issue and revoke
    # (change) them; citizens see, download and have their own vaccination certificate issued.
    "certificate": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.LAB_TECHNICIAN: frozenset({Action.VIEW, Action.ADD}),
        Role.VACCINATOR: frozenset({Action.VIEW, Action.ADD}),
        Role.CITIZEN: frozenset({Action.VIEW, Action.ADD}),
    },
    # Samples (and pools, retest tasks): labs and commune stations take and record them; tracing staff
    # read them; citizens see their own and report a self-test (add).
    "sample": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW, Action.ADD}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD}),
        Role.LAB_TECHNICIAN: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.CITIZEN: frozenset({Action.VIEW, Action.ADD}),
    },
    # Results: lab technicians enter and revoke them (change); commune stations enter rapid tests.
    "test_result": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD}),
        Role.LAB_TECHNICIAN: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.CITIZEN: frozenset({Action.VIEW, Action.ADD}),
    },
    # Cases (F0): epidemiologists open them by hand and correct them; district and commune officers
    # follow and update their own (clinical status, place of care, outcome).
    "case": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.CHANGE}),
        Role.QUARANTINE_STAFF: frozenset({Action.VIEW}),
        Role.CITIZEN: frozenset({Action.VIEW}),
    },
    # Periodic testing programs (not personal data): the province sets them; tracing staff read them.
    "testing_program": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW}),
        Role.VENUE_OPERATOR: frozenset({Action.VIEW}),
    },
    # Who is in a program: communes and establishments enrol people and follow who is due or overdue.
    "program_member": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.VENUE_OPERATOR: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.CITIZEN: frozenset({Action.VIEW}),
    },
    "cluster": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW}),
    },
    # F1/F2 contacts (and named contacts, evidence): tracing staff name contacts (add) and record the
    # follow-up (change) of those living in their units; quarantine staff read whom to expect.
    # Citizens are told by phone, not shown a list that would reveal the case.
    "contact": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.QUARANTINE_STAFF: frozenset({Action.VIEW}),
    },
    # Work lists (tasks): officers and facility staff work the tasks of their units (assign, complete,
    # make by hand); epidemiologists and districts follow them. Citizens have none.
    "task": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.QUARANTINE_STAFF: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
    },
    # Messages sent to people and officers (their address and text are personal): officers of the
    # recipient's unit follow delivery and retry a failed one (change).
    "message": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.CHANGE}),
    },
    # Exposure notifications: verification codes for a case's phone are issued by the staff who may change the
    # case; citizens see their own. App installs, alerts and Bluetooth encounters are kept only with consent.
    "exposure_code": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW, Action.ADD}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD}),
        Role.CITIZEN: frozenset({Action.VIEW}),
    },
    "exposure_app": {
        Role.PROVINCE_ADMIN: frozenset({Action.VIEW, Action.DELETE}),
        Role.CITIZEN: frozenset({Action.VIEW, Action.ADD, Action.CHANGE, Action.DELETE}),
    },
    "exposure_alert": {
        Role.PROVINCE_ADMIN: frozenset({Action.VIEW, Action.DELETE}),
        Role.CITIZEN: frozenset({Action.VIEW}),
    },
    "exposure_encounter": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW}),
        Role.CITIZEN: frozenset({Action.VIEW}),
    },
    # Quarantine (phongdich.quarantine). Facilities and admissions belong to the facility's commune: quarantine
    # staff run them; districts open facilities; communes see where their people are.
    "quarantine_facility": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW}),
        Role.QUARANTINE_STAFF: frozenset({Action.VIEW, Action.CHANGE}),
    },
    "quarantine_admission": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW}),
        Role.QUARANTINE_STAFF: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.CITIZEN: frozenset({Action.VIEW}),
    },
    # Orders (with their history, deliveries, test schedule, release certificate): the commune of residence
    # issues and follows them; districts and the CDC too; the person sees their own.
    "quarantine_order": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.QUARANTINE_STAFF: frozenset({Action.VIEW}),
        Role.CITIZEN: frozenset({Action.VIEW}),
    },
    # Daily health checks: facility staff and commune officers enter them; citizens report their own.
    "health_check": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD}),
        Role.QUARANTINE_STAFF: frozenset({Action.VIEW, Action.ADD}),
        Role.CITIZEN: frozenset({Action.VIEW, Action.ADD}),
    },
    # Danger signs and missed checks: whoever follows the person sees and resolves them (change).
    "quarantine_alert": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.CHANGE}),
        Role.QUARANTINE_STAFF: frozenset({Action.VIEW, Action.CHANGE}),
    },
    # The quarantine policy (not personal data): the province edits it, as new versions.
    "quarantine_policy": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW}),
        Role.QUARANTINE_STAFF: frozenset({Action.VIEW}),
    },
    # Daily reports (phongdich.reports, aggregates, not personal): the commune's steering committee submits
    # and revises its own; districts and the province read those of their communes. Leaders see the sums.
    "daily_report": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
    },
    # Directives' recipient rows: the province and districts send (add) to units in their scope and follow
    # them; the officers of a recipient unit read and acknowledge (change) theirs.
    "directive": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW, Action.CHANGE}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.CHANGE}),
    },
    # Health declarations (phongdich.declarations): the destination commune and those above it read them
    # (anyone declares without an account, through the declarations services); citizens see their own.
    "declaration": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW}),
        Role.CITIZEN: frozenset({Action.VIEW}),
    },
    # Lockdown zones (phongdich.lockdown; not personal data): districts and the province draw, change and end
    # them; communes see the zones of their area. Leaders see them on the map (aggregates).
    "lockdown_zone": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW}),
    },
    # Epidemic levels (phongdich.levels; about units, not persons): the CDC and the province assess (add);
    # districts propose their communes' and their own results (change; the province approves and publishes,
    # see levels.services); leaders and communes follow them.
    "epidemic_level": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW, Action.ADD}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW}),
        Role.LEADER: frozenset({Action.VIEW}),
    },
    # The level rule sets (data): the province edits them; every official may read them.
    "level_rule_set": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW}),
        Role.LEADER: frozenset({Action.VIEW}),
    },
    # Treatment capacity declarations: each unit declares its own (commune, district, province).
    "unit_capacity": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.ADD}),
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.LEADER: frozenset({Action.VIEW}),
    },
    # The situation dashboard (figures per unit, no rows): leaders and health officials, for their units.
    "situation": {
        Role.PROVINCE_ADMIN: frozenset({Action.VIEW}),
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW}),
        Role.LEADER: frozenset({Action.VIEW}),
    },
    # Gateway checkpoints (phongdich.checkpoints; not personal data): districts and the province set them up and
    # plan their shifts; checkpoint officers see the checkpoints they are assigned to (see checkpoints.services).
    "checkpoint": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW}),
        Role.CHECKPOINT_OFFICER: frozenset({Action.VIEW}),
    },
    # Passes through a checkpoint (who, evidence, decision): checkpoint officers record them and override a
    # decision with a reason (change); health officials follow them; citizens see their own.
    "checkpoint_pass": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW}),
        Role.CHECKPOINT_OFFICER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        Role.CITIZEN: frozenset({Action.VIEW}),
    },
    # The entry rules (data, versioned): the province edits them; officials and checkpoint officers read them.
    "entry_rule_set": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW}),
        Role.CHECKPOINT_OFFICER: frozenset({Action.VIEW}),
    },
    # The citizen portal (phongdich.portal). Articles and hotlines are public texts: the province and the CDC
    # write them (no personal data; the resource only says who may edit).
    "portal_article": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
    },
    # Self-test reports with a photo: the commune looks at them (change: seen or unreadable); citizens send theirs.
    "self_test_report": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.EPIDEMIOLOGIST: frozenset({Action.VIEW}),
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.CHANGE}),
        Role.CITIZEN: frozenset({Action.VIEW, Action.ADD}),
    },
    # Feedback (phản ánh) to a commune: its officers (and the district) answer and move it on; citizens see theirs.
    "feedback": {
        Role.PROVINCE_ADMIN: _ALL,
        Role.DISTRICT_OFFICER: frozenset({Action.VIEW, Action.CHANGE}),
        Role.COMMUNE_OFFICER: frozenset({Action.VIEW, Action.CHANGE}),
        Role.CITIZEN: frozenset({Action.VIEW, Action.ADD}),
    },
}


def allowed_actions(role: str, resource: str) -> frozenset[str]:
    return PERMISSIONS.get(resource, {}).get(role, frozenset())
