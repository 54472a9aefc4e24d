"""Contact tracing checked against the synthetic outbreak's ground truth and the raw check-ins.

Two questions, each answered independently of the tracing engine's code (the rule is re-implemented
here from the policy's numbers, over the check-in rows read one by one):

- **Recall of the co-presence rule.** Every true venue transmission whose infector became a case and whose
  two check-ins meet under the rule (the infector's stay within the case's infectious window) must be on
  the case's list: the infectee an F1, with that very pair of check-ins as evidence. The same is checked
  for every pair of check-ins the rule makes co-present with a case, transmission or not (``rule_*``).
- **Precision in the sense "every listed F1 is justified by its evidence".** Each evidence row of every
  listed F1 (and F2) is re-checked against the raw rows: both check-ins exist, belong to the right people
  and venue, and their stays as the rule reads them meet, within the window, for the minutes stated; a
  household exposure needs the same registered household; a named one, the investigator's entry.

Only this module reads ``synth.TransmissionEvent``; no screen or API does.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Q
from django.utils import timezone

from phongdich.checkins.models import CheckIn
from phongdich.people.models import Person
from phongdich.synth.models import SynthRun, TransmissionEvent, TransmissionSetting

CHUNK = 500
SECOND = dt.timedelta(seconds=1)


@dataclass(frozen=True)
class Row:
    """A check-in as stored."""

    uuid: UUID
    checked_in_at: dt.datetime
    venue_id: int
    person_id: int | None
    phone: str
    checked_out_at: dt.datetime | None
    inferred: bool


@dataclass(frozen=True)
class Rule:
    """The co-presence rule's numbers, read from the tracing policy in force."""

    days_before_onset: int
    tolerance: dt.timedelta
    max_stay: dt.timedelta
    close_minutes: int
    f2_window: dt.timedelta

    @classmethod
    def of(cls, policy: Any) -> Rule:
        return cls(
            days_before_onset=int(policy.days_before_onset),
            tolerance=dt.timedelta(minutes=int(policy.tolerance_minutes)),
            max_stay=dt.timedelta(minutes=int(policy.max_stay_minutes)),
            close_minutes=int(policy.close_minutes),
            f2_window=dt.timedelta(hours=int(policy.f2_window_hours)),
        )

    def stay(self, row: Row) -> tuple[dt.datetime, dt.datetime]:
        """A check-out the visitor made closes the stay; a scan without one stands for ± the tolerance,
        or up to an inferred check-out when that is later; no stay is longer than the longest considered."""
        cap = row.checked_in_at + self.max_stay
        if row.checked_out_at is not None and not row.inferred:
            return row.checked_in_at, min(cap, row.checked_out_at)
        end = row.checked_in_at + self.tolerance
        if row.checked_out_at is not None:
            end = max(end, row.checked_out_at)
        return row.checked_in_at - self.tolerance, min(cap, end)

    def window(self, case: Any) -> tuple[dt.datetime, dt.datetime]:
        """The case's infectious period: local midnight N days before onset (or sampling) to isolation
        (or confirmation)."""
        reference = case.onset_date or case.sampled_on
        first_day = reference - dt.timedelta(days=self.days_before_onset)
        return timezone.make_aware(dt.datetime.combine(first_day, dt.time.min)), case.isolated_at or case.confirmed_at

    def meeting(
        self, index: Row, other: Row, window: tuple[dt.datetime, dt.datetime]
    ) -> tuple[dt.datetime, dt.datetime] | None:
        """Where the index person's stay (cut to the window) and the other's stay meet, if they do."""
        index_start, index_end = self.stay(index)
        index_start, index_end = max(index_start, window[0]), min(index_end, window[1])
        if index_start > index_end or index.venue_id != other.venue_id:
            return None
        other_start, other_end = self.stay(other)
        start, end = max(index_start, other_start), min(index_end, other_end)
        return (start, end) if start <= end else None


def _rows(filter_: Q) -> list[Row]:
    fields = ("uuid", "checked_in_at", "venue_id", "person_id", "phone", "checked_out_at", "checkout_inferred")
    return [Row(*values) for values in CheckIn.objects.filter(filter_).order_by().values_list(*fields)]


def _rows_by_key(keys: Iterable[tuple[UUID, dt.datetime]]) -> dict[tuple[UUID, dt.datetime], Row]:
    """Check-ins by their key (uuid, time), read in chunks through the primary key."""
    wanted = sorted(set(keys), key=lambda key: (str(key[0]), key[1]))
    found: dict[tuple[UUID, dt.datetime], Row] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for row in _rows(Q(uuid__in=[uuid for uuid, _at in chunk])):
            found[(row.uuid, row.checked_in_at)] = row
    return {key: found[key] for key in wanted if key in found}


@dataclass
class Listed:
    """What the engine stored for the cases evaluated."""

    f1: list[Any]
    f2: list[Any]
    venue_pairs: set[tuple[int, UUID, UUID]]  # (case, index check-in, contact check-in) of F1 venue evidence
    f1_people: dict[tuple[int, int], set[str]]  # (case, person) -> sources


def _listed(cases: list[Any]) -> Listed:
    from phongdich.tracing.models import Contact

    contacts = list(
        Contact.objects.filter(case__in=[case.pk for case in cases]).prefetch_related("evidence").order_by("pk")
    )
    listed = Listed([c for c in contacts if c.degree == 1], [c for c in contacts if c.degree == 2], set(), {})
    for contact in listed.f1:
        if contact.person_id is not None:
            listed.f1_people[(contact.case_id, contact.person_id)] = set(contact.source_list)
        for evidence in contact.evidence.all():
            if evidence.source == "venue" and evidence.checkin_uuid and evidence.index_checkin_uuid:
                listed.venue_pairs.add((contact.case_id, evidence.index_checkin_uuid, evidence.checkin_uuid))
    return listed


def _same(a: dt.datetime | None, b: dt.datetime | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= SECOND


class Checker:
    """Re-checks stored evidence against the raw rows."""

    def __init__(self, rule: Rule, cases: dict[int, Any], listed: Listed) -> None:
        self.rule = rule
        self.cases = cases
        self.by_id = {contact.pk: contact for contact in listed.f1 + listed.f2}
        keys: list[tuple[UUID, dt.datetime]] = []
        people: set[int] = set()
        for contact in self.by_id.values():
            if contact.person_id is not None:
                people.add(contact.person_id)
            for evidence in contact.evidence.all():
                if evidence.checkin_uuid and evidence.checkin_at:
                    keys.append((evidence.checkin_uuid, evidence.checkin_at))
                if evidence.index_checkin_uuid and evidence.index_checkin_at:
                    keys.append((evidence.index_checkin_uuid, evidence.index_checkin_at))
        people.update(case.person_id for case in cases.values())
        self.rows = _rows_by_key(keys)
        self.households: dict[int, int | None] = {}
        for start in range(0, len(people), CHUNK):
            chunk = sorted(people)[start : start + CHUNK]
            self.households.update(Person.objects.filter(pk__in=chunk).values_list("pk", "household_id"))

    def _who(self, row: Row, person_id: int | None, phone: str) -> bool:
        if person_id is not None:
            return row.person_id == person_id or (row.person_id is None and bool(row.phone) and row.phone == phone)
        return row.phone == phone

    def venue(
        self, evidence: Any, contact: Any, index_person: int | None, window: tuple[dt.datetime, dt.datetime]
    ) -> bool:
        index = self.rows.get((evidence.index_checkin_uuid, evidence.index_checkin_at))
        other = self.rows.get((evidence.checkin_uuid, evidence.checkin_at))
        if index is None or other is None or evidence.venue_id != index.venue_id:
            return False
        if index_person is None or index.person_id != index_person:
            return False
        if not self._who(other, contact.person_id, contact.phone):
            return False
        met = self.rule.meeting(index, other, window)
        if met is None:
            return False
        minutes = int((met[1] - met[0]).total_seconds() // 60)
        return (
            _same(evidence.started_at, met[0])
            and _same(evidence.ended_at, met[1])
            and evidence.overlap_minutes is not None
            and abs(evidence.overlap_minutes - minutes) <= 1
        )

    def household(self, contact: Any, index_person: int | None) -> bool:
        if contact.person_id is None or index_person is None:
            return False
        household = self.households.get(index_person)
        return household is not None and self.households.get(contact.person_id) == household

    def named(self, evidence: Any, contact: Any) -> bool:
        from phongdich.tracing.models import NamedContact

        named = NamedContact.objects.filter(pk=evidence.named_contact_id, case_id=contact.case_id).first()
        if named is None:
            return False
        return (named.person_id is not None and named.person_id == contact.person_id) or (
            bool(named.phone) and named.phone == contact.phone
        )

    def f1_justified(self, contact: Any) -> tuple[bool, int]:
        """Whether every evidence row of an F1 holds, and how many rows there were."""
        case = self.cases[contact.case_id]
        window = self.rule.window(case)
        rows = list(contact.evidence.all())
        good = bool(rows)
        for evidence in rows:
            if evidence.source == "venue":
                good = good and self.venue(evidence, contact, case.person_id, window)
            elif evidence.source == "household":
                good = good and self.household(contact, case.person_id)
            elif evidence.source == "named":
                good = good and self.named(evidence, contact)
            else:
                good = False
        return good, len(rows)

    def f2_justified(self, contact: Any) -> tuple[bool, int]:
        """An F2: close to an F1 of the same case, from that F1's first exposure on, within the bound."""
        via = self.by_id.get(contact.via_id) if contact.via_id else None
        rows = list(contact.evidence.all())
        if via is None or via.degree != 1 or via.case_id != contact.case_id or not rows:
            return False, len(rows)
        window = (via.first_exposure, via.first_exposure + self.rule.f2_window)
        good = True
        for evidence in rows:
            if evidence.source == "venue":
                good = (
                    good
                    and self.venue(evidence, contact, via.person_id, window)
                    and (evidence.overlap_minutes or 0) >= self.rule.close_minutes
                )
            elif evidence.source == "household":
                good = good and self.household(contact, via.person_id)
            else:
                good = False
        return good, len(rows)


def rule_pairs(rule: Rule, cases: list[Any]) -> set[tuple[int, UUID, UUID]]:
    """Every (case, index check-in, other check-in) the rule makes co-present, computed from the raw rows."""
    if not cases:
        return set()
    windows = {case.pk: rule.window(case) for case in cases}
    low = min(start for start, _end in windows.values()) - rule.max_stay - rule.tolerance
    high = max(end for _start, end in windows.values()) + rule.tolerance
    by_person: dict[int, list[Any]] = defaultdict(list)
    for case in cases:
        by_person[case.person_id].append(case)
    own: list[tuple[Any, Row]] = []
    persons = sorted(by_person)
    for start in range(0, len(persons), CHUNK):
        chunk = persons[start : start + CHUNK]
        for row in _rows(Q(person_id__in=chunk, checked_in_at__gte=low, checked_in_at__lte=high)):
            assert row.person_id is not None
            own.extend((case, row) for case in by_person[row.person_id])
    venues = sorted({row.venue_id for _case, row in own})
    at_venue: dict[int, list[Row]] = defaultdict(list)
    for start in range(0, len(venues), CHUNK):
        chunk = venues[start : start + CHUNK]
        for row in _rows(Q(venue_id__in=chunk, checked_in_at__gte=low, checked_in_at__lte=high)):
            at_venue[row.venue_id].append(row)
    found: set[tuple[int, UUID, UUID]] = set()
    for case, index in own:
        window = windows[case.pk]
        for other in at_venue[index.venue_id]:
            if other.person_id == case.person_id or other.person_id is None:
                continue  # the case's own scans; visitors known by phone only are left to the engine's tests
            if rule.meeting(index, other, window) is not None:
                found.add((case.pk, index.uuid, other.uuid))
    return found


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def evaluate(run: SynthRun | None = None, *, retrace: bool = True) -> dict[str, Any]:
    """Trace every case of the run's people again (idempotent), then measure recall and precision."""
    from phongdich.cases.models import Case, CaseStatus
    from phongdich.tracing import services as tracing

    run = run or SynthRun.objects.order_by("-id").first()
    if run is None:
        raise ValueError("No synthetic population: run `phongdich synth --outbreak N` first.")
    people = run.id_range("person")
    policy = tracing.current_policy()
    rule = Rule.of(policy)
    cases_qs = Case.objects.exclude(status=CaseStatus.VOIDED).order_by("pk")
    cases_qs = cases_qs.filter(person_id__gte=people[0], person_id__lte=people[1]) if people else cases_qs.none()
    figures: dict[str, Any] = {"cases": cases_qs.count()}

    added = removed = 0
    started = time.perf_counter()
    if retrace:
        for case_id in cases_qs.values_list("pk", flat=True):
            traced = tracing.run_tracing(case_id, tracing.Trigger.MANUAL)
            if traced is not None:
                added += traced.added
                removed += traced.removed
    figures["tracing_seconds"] = round(time.perf_counter() - started, 3)
    # On a list already traced, a second run adds and removes nothing.
    figures["retrace_added"], figures["retrace_removed"] = added, removed

    cases = list(cases_qs)
    by_id = {case.pk: case for case in cases}
    cases_of_person: dict[int, list[Any]] = defaultdict(list)
    for case in cases:
        cases_of_person[case.person_id].append(case)
    listed = _listed(cases)
    figures["f1_listed"] = len(listed.f1)
    figures["f2_listed"] = len(listed.f2)

    # Recall over every pair of check-ins the rule makes co-present with a case.
    pairs = rule_pairs(rule, cases)
    figures["rule_pairs"] = len(pairs)
    figures["rule_pairs_found"] = len(pairs & listed.venue_pairs)
    figures["rule_recall"] = _ratio(figures["rule_pairs_found"], len(pairs))

    # Recall over the true transmissions.
    events = list(TransmissionEvent.objects.filter(run=run).order_by("pk"))
    figures["truth_infections"] = len(events)
    venue_events = [e for e in events if e.setting == TransmissionSetting.VENUE]
    figures["truth_venue_transmissions"] = len(venue_events)
    keys: list[tuple[int | None, dt.datetime, int | None]] = []
    for event in venue_events:
        if event.infector_checked_in_at and event.infectee_checked_in_at:
            keys.append((event.infector_id, event.infector_checked_in_at, event.venue_id))
            keys.append((event.infectee_id, event.infectee_checked_in_at, event.venue_id))
    scans: dict[tuple[int | None, dt.datetime, int | None], Row] = {}
    for start in range(0, len(keys), 200):  # OR-ed conditions: SQLite limits the depth of an expression
        condition = Q(pk__in=[])
        for person_id, at, venue_id in keys[start : start + 200]:
            condition |= Q(person_id=person_id, checked_in_at=at, venue_id=venue_id)
        for row in _rows(condition):
            scans[(row.person_id, row.checked_in_at, row.venue_id)] = row
    with_case = within = found = found_person = outside_window = apart = 0
    for event in venue_events:
        infector_cases = cases_of_person.get(event.infector_id or -1, [])
        if not infector_cases:
            continue
        with_case += 1
        assert event.infector_checked_in_at is not None and event.infectee_checked_in_at is not None
        index_row = scans.get((event.infector_id, event.infector_checked_in_at, event.venue_id))
        other_row = scans.get((event.infectee_id, event.infectee_checked_in_at, event.venue_id))
        if index_row is None or other_row is None:
            continue
        meeting_case = None
        for case in infector_cases:
            if rule.meeting(index_row, other_row, rule.window(case)) is not None:
                meeting_case = case
                break
        if meeting_case is None:
            stay_start, stay_end = rule.stay(index_row)
            in_window = any(
                max(stay_start, rule.window(case)[0]) <= min(stay_end, rule.window(case)[1]) for case in infector_cases
            )
            if in_window:
                apart += 1
            else:
                outside_window += 1
            continue
        within += 1
        if (meeting_case.pk, index_row.uuid, other_row.uuid) in listed.venue_pairs:
            found += 1
        if "venue" in listed.f1_people.get((meeting_case.pk, event.infectee_id), set()):
            found_person += 1
    figures["truth_venue_transmissions_by_cases"] = with_case
    figures["truth_within_rule"] = within
    figures["truth_found"] = found
    figures["truth_recall"] = _ratio(found, within)
    figures["truth_infectee_listed_f1"] = found_person
    figures["truth_outside_window"] = outside_window
    figures["truth_stays_apart_under_rule"] = apart
    # What the rule as a whole catches of the venue transmissions from cases.
    figures["rule_sensitivity_to_venue_transmissions"] = _ratio(within, with_case)

    household_events = [
        e for e in events if e.setting == TransmissionSetting.HOUSEHOLD and cases_of_person.get(e.infector_id or -1)
    ]
    household_found = sum(
        1
        for e in household_events
        if any(
            "household" in listed.f1_people.get((case.pk, e.infectee_id), set())
            for case in cases_of_person[e.infector_id or -1]
        )
    )
    figures["truth_household_transmissions_by_cases"] = len(household_events)
    figures["truth_household_found"] = household_found
    figures["truth_household_recall"] = _ratio(household_found, len(household_events))

    # Precision: every listed contact justified by all of its evidence.
    checker = Checker(rule, by_id, listed)
    f1_good = rows_checked = 0
    for contact in listed.f1:
        good, count = checker.f1_justified(contact)
        f1_good += good
        rows_checked += count
    f2_good = 0
    for contact in listed.f2:
        good, count = checker.f2_justified(contact)
        f2_good += good
        rows_checked += count
    figures["f1_justified"] = f1_good
    figures["f1_precision"] = _ratio(f1_good, len(listed.f1))
    figures["f2_justified"] = f2_good
    figures["f2_precision"] = _ratio(f2_good, len(listed.f2))
    figures["evidence_rows_checked"] = rows_checked
    return figures
