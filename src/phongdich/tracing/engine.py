"""The contact tracing engine: sources of exposures, and the F1/F2 lists they add up to. Reads only.

One interface, several sources (:data:`SOURCES`): each takes a batch of *index* people (an F0, or the F1s
whose own contacts are wanted) with a time window each, and yields :class:`Exposure` rows. The engine
merges them per person (F1s are deduplicated across sources) and bounds the F2 step (the policy).

Venue co-presence, the rule (``TracingPolicy``, defaults in brackets):

- a stay with a check-out the visitor made is the interval [check-in, check-out];
- a scan without one stands for [scan − tolerance, scan + tolerance] (± 60 minutes, PC-Covid's rule), or to
  the inferred check-out (check-in + the venue kind's default stay) when that is later;
- every stay is cut after its check-in: at ``max_stay_minutes`` (12 h) at venues of the kinds where people stay
  long (``long_stay_kinds``: offices, factories, schools, hotels, hospitals and clinics, markets, tourist
  sites, events), at ``short_stay_minutes`` (4 h) elsewhere (shops, restaurants, pharmacies …);
- the index person's stays count only within their window (infectious period for an F0: from
  ``days_before_onset`` (2) days before onset, or sampling, to isolation, or confirmation), clipped to it;
- two stays at the same venue are co-present when their intervals meet (boundaries included);
  the overlap in minutes is the length of their intersection.

F1: everyone any source links to the F0 (venue, household, named by the investigator, Bluetooth), one
contact per person (a visitor known by phone only is the registry person with that phone when exactly one
has it). F2, bounded by the policy so an outbreak in a market does not list the province: only *close* F1s
(household, named as close, or ``close_minutes`` (15) together) are followed, the ``max_f1_for_f2`` (20)
closest; from each one's first exposure for ``f2_window_hours`` (72), their household and the people close
to them at venues are F2s, at most ``max_f2_per_f1`` (25) each (closest first) and ``max_f2_per_case`` (500)
in all. Someone already F0 or F1 is never an F2.

The query (:func:`co_presence`) is one set-based SQL statement for the whole batch: the index people's
stays come from the (person, time) and (phone, time) indexes, their companions from the (venue, time)
index with a time range the planner can use, and constant time bounds let PostgreSQL skip the day
partitions outside the windows. The same text runs on SQLite with two dialect helpers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from django.db import connections, transaction
from django.utils import timezone

from phongdich.checkins.models import CheckIn
from phongdich.people.models import Person
from phongdich.tracing.models import Closeness, NamedContact, Source, TracingPolicy
from phongdich.venues.models import Venue, VenueKind

Key = tuple[str, int | str]  # ("p", person id) or ("t", phone): who a contact is


@dataclass(frozen=True)
class Index:
    """Someone whose contacts are wanted, during ``[start, end]``. ``ref`` is the caller's label for them."""

    ref: int
    person_id: int | None
    phone: str
    start: dt.datetime
    end: dt.datetime
    case_id: int | None = None  # for an F0: the case (named contacts belong to it)
    household_id: int | None = None


@dataclass
class Exposure:
    """One piece of evidence that ``(person_id or phone)`` met the index ``ref``."""

    ref: int
    source: str
    person_id: int | None
    phone: str
    name: str
    started_at: dt.datetime
    ended_at: dt.datetime
    close: bool
    venue_id: int | None = None
    overlap_minutes: int | None = None
    checkin_uuid: UUID | None = None
    checkin_at: dt.datetime | None = None
    index_checkin_uuid: UUID | None = None
    index_checkin_at: dt.datetime | None = None
    named_contact_id: int | None = None

    @property
    def key(self) -> Key:
        return ("p", self.person_id) if self.person_id is not None else ("t", self.phone)


class ExposureSource(Protocol):
    @property
    def name(self) -> str: ...

    def exposures(self, indexes: Sequence[Index], policy: TracingPolicy) -> Iterable[Exposure]: ...


SOURCES: dict[str, ExposureSource] = {}


def register(source: ExposureSource) -> ExposureSource:
    SOURCES[source.name] = source
    return source


# --- Venue co-presence -------------------------------------------------------------------------------


class _Dialect:
    """The few SQL spellings that differ between PostgreSQL and SQLite. Minutes are ints from the policy."""

    def __init__(self, vendor: str) -> None:
        self.postgres = vendor == "postgresql"

    def shift(self, expr: str, minutes: int) -> str:
        if self.postgres:
            return f"({expr} + interval '{int(minutes)} minutes')"
        # SQLite keeps datetimes as ISO text in UTC; datetime() answers in the same (second) format.
        return f"datetime({expr}, '{int(minutes):+d} minutes')"

    def shift_by(self, expr: str, minutes_sql: str, sign: int = 1) -> str:
        """``expr`` moved by ``minutes_sql`` minutes (an SQL integer expression), forward or back."""
        if self.postgres:
            return f"({expr} {'+' if sign > 0 else '-'} ({minutes_sql}) * interval '1 minute')"
        return f"datetime({expr}, '{'+' if sign > 0 else '-'}' || ({minutes_sql}) || ' minutes')"

    def greatest(self, *exprs: str) -> str:
        return f"{'GREATEST' if self.postgres else 'max'}({', '.join(exprs)})"

    def least(self, *exprs: str) -> str:
        return f"{'LEAST' if self.postgres else 'min'}({', '.join(exprs)})"

    def typed(self, placeholder: str, pg_type: str) -> str:
        return f"CAST({placeholder} AS {pg_type})" if self.postgres else placeholder


def stay_cap_sql(policy: TracingPolicy, kind_column: str) -> str:
    """SQL for the longest stay (minutes) at a venue of the kind in ``kind_column``."""
    long_kinds = [kind for kind in policy.long_stay_kinds if kind in VenueKind.values]  # known names only
    if not long_kinds:
        return str(int(policy.short_stay_minutes))
    listed = ", ".join(f"'{kind}'" for kind in long_kinds)
    return (
        f"CASE WHEN {kind_column} IN ({listed}) THEN {int(policy.max_stay_minutes)} "
        f"ELSE {int(policy.short_stay_minutes)} END"
    )


def _effective(d: _Dialect, alias: str, policy: TracingPolicy, cap: str) -> tuple[str, str]:
    """SQL for the start and end of a check-in's stay as the rule reads it (see the module docstring).

    ``cap``: SQL for the longest stay at the check-in's venue, in minutes.
    """
    explicit = f"({alias}.checked_out_at IS NOT NULL AND NOT {alias}.checkout_inferred)"
    tol = int(policy.tolerance_minutes)
    start = f"CASE WHEN {explicit} THEN {alias}.checked_in_at ELSE {d.shift(f'{alias}.checked_in_at', -tol)} END"
    open_end = d.greatest(
        d.shift(f"{alias}.checked_in_at", tol), f"COALESCE({alias}.checked_out_at, {alias}.checked_in_at)"
    )
    end = d.least(
        d.shift_by(f"{alias}.checked_in_at", cap),
        f"CASE WHEN {explicit} THEN {alias}.checked_out_at ELSE {open_end} END",
    )
    return start, end


def co_presence_sql(
    vendor: str, count: int, policy: TracingPolicy, *, phones: int = 0, min_overlap: int = 0, keys_only: bool = False
) -> str:
    """The statement for ``count`` index people and ``phones`` distinct phones among them.

    Parameters (:func:`co_presence_query` gives them): 5 per index, a pair of time bounds, the phones and a
    pair of bounds when there are phones, a last pair of bounds.

    ``min_overlap``: only stays together at least that many minutes (close contacts). ``keys_only``: who
    met whom (index ``ref``, index person and phone, contact person and phone), once each.
    """
    d = _Dialect(vendor)
    table = CheckIn._meta.db_table
    tol, longest = int(policy.tolerance_minutes), int(policy.max_stay_minutes)
    row = (
        f"({d.typed('%s', 'bigint')}, {d.typed('%s', 'bigint')}, {d.typed('%s', 'varchar')}, "
        f"{d.typed('%s', 'timestamptz')}, {d.typed('%s', 'timestamptz')})"
    )
    values = ", ".join([row] * count)
    cap = stay_cap_sql(policy, "v.kind")
    f_start, f_end = _effective(d, "f", policy, cap)
    c_start, c_end = _effective(d, "c", policy, "st.cap")
    venues = Venue._meta.db_table
    # Names and minutes in this text are ours (the table, aliases, policy integers); values are parameters.
    own = (
        "SELECT idx.ref, idx.person_id AS ip, idx.phone AS iphone, f.venue_id, f.uuid AS f_uuid, "  # noqa: S608
        f"f.checked_in_at AS f_in, {d.greatest(f_start, 'idx.ws')} AS s, {d.least(f_end, 'idx.we')} AS e, "
        f"{cap} AS cap "
        f"FROM idx JOIN {table} f ON {{match}} "
        f"AND f.checked_in_at >= {d.shift('idx.ws', -longest)} AND f.checked_in_at <= {d.shift('idx.we', tol)} "
        f"JOIN {venues} v ON v.id = f.venue_id "
        "WHERE f.checked_in_at >= %s AND f.checked_in_at <= %s"
    )
    columns = (
        "DISTINCT st.ref, st.ip, st.iphone, c.person_id, c.phone"
        if keys_only
        else "st.ref, st.ip, st.iphone, st.venue_id, st.f_uuid, st.f_in, st.s, st.e, st.cap, "
        "c.person_id, c.phone, c.name, c.uuid, c.checked_in_at, c.checked_out_at, c.checkout_inferred"
    )
    close = ""
    if min_overlap > 0:
        together_from, together_to = d.greatest(c_start, "st.s"), d.least(c_end, "st.e")
        close = f" AND {together_from} <= {d.shift(together_to, -int(min_overlap))}"
    stays = own.format(match="f.person_id = idx.person_id")
    if phones:
        # Visits recorded by phone only. The phones are also given as constants: the planner then reads
        # them from the (phone, time) index rather than guessing from a column that is mostly empty.
        listed = ", ".join(["%s"] * phones)
        # phone <> '' spelt out: the (phone, time) index is partial on it, and PostgreSQL cannot prove it
        # from a list of more than 100 phones.
        by_phone = own.format(match="f.phone = idx.phone AND f.phone <> '' AND f.person_id IS NULL")
        stays += f" UNION ALL {by_phone} AND f.phone IN ({listed})"
    return (
        f"WITH idx (ref, person_id, phone, ws, we) AS (VALUES {values}), "  # noqa: S608
        f"stays AS ({stays}) "
        f"SELECT {columns} "
        f"FROM stays st JOIN {table} c ON c.venue_id = st.venue_id "
        f"AND c.checked_in_at >= {d.shift_by('st.s', 'st.cap', -1)} AND c.checked_in_at <= {d.shift('st.e', tol)} "
        f"WHERE st.s <= st.e AND c.checked_in_at >= %s AND c.checked_in_at <= %s "
        f"AND {c_start} <= st.e AND {c_end} >= st.s{close}"
    )


def _aware(value: Any) -> dt.datetime:
    """A datetime from the cursor: PostgreSQL gives aware ones, SQLite ISO text in UTC."""
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)


def stay_interval(
    checked_in_at: dt.datetime,
    checked_out_at: dt.datetime | None,
    inferred: bool,
    policy: TracingPolicy,
    cap_minutes: int,
) -> tuple[dt.datetime, dt.datetime]:
    """The rule of :func:`_effective`, in Python (for the overlap in minutes)."""
    tol = dt.timedelta(minutes=policy.tolerance_minutes)
    longest = checked_in_at + dt.timedelta(minutes=cap_minutes)
    if checked_out_at is not None and not inferred:
        return checked_in_at, min(longest, checked_out_at)
    return checked_in_at - tol, min(longest, max(checked_in_at + tol, checked_out_at or checked_in_at))


def co_presence_query(
    indexes: Sequence[Index],
    policy: TracingPolicy,
    vendor: str,
    adapt: Callable[[Any], Any],
    *,
    min_overlap: int = 0,
    keys_only: bool = False,
) -> tuple[str, list[Any]]:
    """The statement of :func:`co_presence_sql` for these (live) indexes, and its parameters.

    ``adapt`` turns a datetime into what the driver takes (the connection's ``adapt_datetimefield_value``).
    """
    params: list[Any] = []
    for index in indexes:
        params += [index.ref, index.person_id, index.phone or "", adapt(index.start), adapt(index.end)]
    # Constant bounds (the earliest stay that can reach a window, the latest scan that can): with them
    # PostgreSQL leaves out the day partitions outside every window when it plans the statement.
    low = min(index.start for index in indexes) - dt.timedelta(minutes=policy.max_stay_minutes)
    high = max(index.end for index in indexes) + dt.timedelta(minutes=policy.tolerance_minutes)
    bounds = [adapt(low), adapt(high)]
    phones = sorted({index.phone for index in indexes if index.phone})
    params += bounds
    if phones:
        params += bounds + phones
    params += bounds
    sql = co_presence_sql(
        vendor, len(indexes), policy, phones=len(phones), min_overlap=min_overlap, keys_only=keys_only
    )
    return sql, params


# Batches of many index people, on PostgreSQL: no JIT (the cost estimate of a big batch triggers a compilation
# that takes seconds, for an index-driven statement that runs in one or two), and memory enough to
# deduplicate the pairs without spilling to disk. Small statements need neither.
BIG_BATCH = 50
_BATCH_SETTINGS = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"


def _fetch(connection: Any, sql: str, params: list[Any], count: int) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or count <= BIG_BATCH:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
        # SET LOCAL lasts to the end of the (enclosing) transaction: only tracing's own reads follow.
        with transaction.atomic(using=connection.alias):
            for statement in _BATCH_SETTINGS.split("; "):
                cursor.execute(statement)
            cursor.execute(sql, params)
            return list(cursor.fetchall())


def _live(indexes: Sequence[Index]) -> list[Index]:
    return [index for index in indexes if index.start <= index.end and (index.person_id or index.phone)]


def co_presence(
    indexes: Sequence[Index], policy: TracingPolicy, *, min_overlap: int = 0, using: str = "default"
) -> list[Exposure]:
    """Everyone whose stay met an index person's stay at the same venue within their window: one statement."""
    live = _live(indexes)
    if not live:
        return []
    connection = connections[using]
    adapt = connection.ops.adapt_datetimefield_value
    sql, params = co_presence_query(live, policy, connection.vendor, adapt, min_overlap=min_overlap)
    rows = _fetch(connection, sql, params, len(live))
    found: list[Exposure] = []
    for (
        ref,
        ip,
        iphone,
        venue_id,
        f_uuid,
        f_in,
        s,
        e,
        cap,
        person_id,
        phone,
        name,
        c_uuid,
        c_in,
        c_out,
        inferred,
    ) in rows:
        if person_id is not None and person_id == ip:
            continue  # the index person's own check-in
        if person_id is None and iphone and phone == iphone:
            continue
        index_start, index_end = _aware(s), _aware(e)
        checked_in = _aware(c_in)
        checked_out = _aware(c_out) if c_out is not None else None
        start, end = stay_interval(checked_in, checked_out, bool(inferred), policy, int(cap))
        started, ended = max(start, index_start), min(end, index_end)
        if started > ended:  # rounding of SQLite's second-resolution arithmetic
            continue
        overlap = int((ended - started).total_seconds() // 60)
        found.append(
            Exposure(
                ref=int(ref),
                source=Source.VENUE,
                person_id=person_id,
                phone=phone or "",
                name=name or "",
                started_at=started,
                ended_at=ended,
                close=overlap >= policy.close_minutes,
                venue_id=int(venue_id),
                overlap_minutes=overlap,
                checkin_uuid=c_uuid if isinstance(c_uuid, UUID) else UUID(str(c_uuid)),
                checkin_at=checked_in,
                index_checkin_uuid=f_uuid if isinstance(f_uuid, UUID) else UUID(str(f_uuid)),
                index_checkin_at=_aware(f_in),
            )
        )
    return found


@dataclass(frozen=True)
class VenueSource:
    name: str = Source.VENUE

    def exposures(
        self, indexes: Sequence[Index], policy: TracingPolicy, close_only: bool = False
    ) -> Iterable[Exposure]:
        return co_presence(indexes, policy, min_overlap=policy.close_minutes if close_only else 0)


@dataclass(frozen=True)
class HouseholdSource:
    """The people registered in the index person's household: exposed throughout the window."""

    name: str = Source.HOUSEHOLD

    def exposures(self, indexes: Sequence[Index], policy: TracingPolicy) -> Iterable[Exposure]:
        if not policy.include_household:
            return []
        by_household: dict[int, list[Index]] = defaultdict(list)
        for index in indexes:
            if index.household_id is not None and index.start <= index.end:
                by_household[index.household_id].append(index)
        if not by_household:
            return []
        members = Person.objects.filter(household_id__in=list(by_household)).values_list("pk", "household_id")
        found = []
        for person_id, household_id in members:
            for index in by_household[household_id]:
                if person_id != index.person_id:
                    found.append(
                        Exposure(
                            ref=index.ref,
                            source=Source.HOUSEHOLD,
                            person_id=person_id,
                            phone="",
                            name="",
                            started_at=index.start,
                            ended_at=index.end,
                            close=True,
                        )
                    )
        return found


@dataclass(frozen=True)
class NamedSource:
    """Contacts an investigator named for the case (F0 indexes only), on the day they gave."""

    name: str = Source.NAMED

    def exposures(self, indexes: Sequence[Index], policy: TracingPolicy) -> Iterable[Exposure]:
        by_case = {index.case_id: index for index in indexes if index.case_id is not None}
        if not by_case:
            return []
        found = []
        for named in NamedContact.objects.filter(case_id__in=list(by_case)).order_by("pk"):
            index = by_case[named.case_id]
            day = timezone.make_aware(dt.datetime.combine(named.date, dt.time.min))
            found.append(
                Exposure(
                    ref=index.ref,
                    source=Source.NAMED,
                    person_id=named.person_id,
                    phone=named.phone,
                    name=named.name,
                    started_at=day,
                    ended_at=day + dt.timedelta(days=1),
                    close=named.closeness == Closeness.CLOSE,
                    named_contact_id=named.pk,
                )
            )
        return found


@dataclass(frozen=True)
class BluetoothSource:
    """Bluetooth encounters with an F0 that the exposure app of a *consenting* person reported (exposure app).

    A phone matches anonymous keys by itself; only an owner who agreed to share Bluetooth contacts reports
    its matches, which the server attributes to the case whose upload carried the key (F0 indexes only).
    """

    name: str = Source.BLUETOOTH

    def exposures(self, indexes: Sequence[Index], policy: TracingPolicy) -> Iterable[Exposure]:
        from phongdich.exposure.models import BluetoothEncounter

        by_case = {index.case_id: index for index in indexes if index.case_id is not None}
        if not by_case:
            return []
        rows = (
            BluetoothEncounter.objects.filter(case_id__in=list(by_case), install__share_encounters=True)
            .order_by("pk")
            .values_list("case_id", "install__person_id", "started_at", "ended_at", "minutes")
        )
        found = []
        for case_id, person_id, started_at, ended_at, minutes in rows:
            index = by_case[case_id]
            if person_id == index.person_id or ended_at < index.start or started_at > index.end:
                continue
            found.append(
                Exposure(
                    ref=index.ref,
                    source=Source.BLUETOOTH,
                    person_id=person_id,
                    phone="",
                    name="",
                    started_at=started_at,
                    ended_at=ended_at,
                    close=minutes >= policy.close_minutes,
                    overlap_minutes=minutes,
                )
            )
        return found


for _source in (VenueSource(), HouseholdSource(), NamedSource(), BluetoothSource()):
    register(_source)


def gather(indexes: Sequence[Index], policy: TracingPolicy, sources: Iterable[str] | None = None) -> list[Exposure]:
    """Every registered source's exposures for these indexes."""
    wanted = list(SOURCES) if sources is None else list(sources)
    found: list[Exposure] = []
    for name in wanted:
        found.extend(SOURCES[name].exposures(indexes, policy))
    return found


# --- F1 and F2 ---------------------------------------------------------------------------------------


@dataclass
class Draft:
    """A contact as the engine finds it: who, which degree, through whom, and every exposure."""

    key: Key
    degree: int
    exposures: list[Exposure] = field(default_factory=list)
    via: Key | None = None

    @property
    def person_id(self) -> int | None:
        return int(self.key[1]) if self.key[0] == "p" else None

    @property
    def phone(self) -> str:
        if self.key[0] == "t":
            return str(self.key[1])
        return ""

    @property
    def name(self) -> str:
        return next((e.name for e in self.exposures if e.name), "")

    @property
    def close(self) -> bool:
        return any(e.close for e in self.exposures)

    @property
    def first_exposure(self) -> dt.datetime:
        return min(e.started_at for e in self.exposures)

    @property
    def last_exposure(self) -> dt.datetime:
        return max(e.ended_at for e in self.exposures)

    @property
    def sources(self) -> list[str]:
        return sorted({e.source for e in self.exposures})

    def rank(self) -> tuple[int, int, float]:
        """Closest first: household, then named as close, then the longest co-presence."""
        household = any(e.source == Source.HOUSEHOLD for e in self.exposures)
        named = any(e.source == Source.NAMED and e.close for e in self.exposures)
        longest = max((e.overlap_minutes or 0) for e in self.exposures)
        return (0 if household else 1, 0 if named else 1, -longest)


@dataclass
class Result:
    window: tuple[dt.datetime, dt.datetime]
    f1: list[Draft]
    f2: list[Draft]


def _resolve_phones(exposures: list[Exposure]) -> None:
    """A visitor known by phone only is the registry person with that phone, when exactly one has it."""
    phones = {e.phone for e in exposures if e.person_id is None and e.phone}
    if not phones:
        return
    owners: dict[str, list[int]] = defaultdict(list)
    for pk, phone in Person.objects.filter(phone__in=phones).values_list("pk", "phone"):
        owners[phone].append(pk)
    for exposure in exposures:
        if exposure.person_id is None and len(owners.get(exposure.phone, ())) == 1:
            exposure.person_id = owners[exposure.phone][0]


def _group(exposures: Iterable[Exposure], excluded: set[Key], degree: int) -> dict[Key, Draft]:
    drafts: dict[Key, Draft] = {}
    seen: set[tuple[Any, ...]] = set()
    for exposure in exposures:
        if exposure.key in excluded:
            continue
        # The same check-in pair found twice (the index person checked in by ID and by phone): once.
        fingerprint = (
            exposure.key,
            exposure.source,
            exposure.checkin_uuid,
            exposure.index_checkin_uuid,
            exposure.named_contact_id,
            exposure.started_at if exposure.source == Source.HOUSEHOLD else None,
        )
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        drafts.setdefault(exposure.key, Draft(exposure.key, degree)).exposures.append(exposure)
    return drafts


def infectious_window(
    reference_date: dt.date, confirmed_at: dt.datetime, isolated_at: dt.datetime | None, policy: TracingPolicy
) -> tuple[dt.datetime, dt.datetime]:
    """From local midnight ``days_before_onset`` days before onset (or sampling) to isolation (or confirmation)."""
    first_day = reference_date - dt.timedelta(days=policy.days_before_onset)
    start = timezone.make_aware(dt.datetime.combine(first_day, dt.time.min))
    return start, isolated_at or confirmed_at


def trace(
    index: Index,
    policy: TracingPolicy,
    *,
    now: dt.datetime | None = None,
    sources: Iterable[str] | None = None,
    second_degree: bool = True,
) -> Result:
    """The F1 and F2 lists of one F0 (``index`` carries the case, person, household and infectious window)."""
    now = now or timezone.now()
    wanted = list(SOURCES) if sources is None else list(sources)
    own: set[Key] = {("p", index.person_id)} if index.person_id is not None else set()
    if index.phone:
        own.add(("t", index.phone))
    exposures = gather([index], policy, wanted)
    _resolve_phones(exposures)
    f1 = _group(exposures, own, 1)
    f2 = (
        _second_degree(f1, own, policy, now, [s for s in wanted if s in (Source.VENUE, Source.HOUSEHOLD)])
        if second_degree
        else []
    )
    return Result(
        window=(index.start, index.end),
        f1=sorted(f1.values(), key=lambda d: (d.rank(), d.first_exposure, str(d.key))),
        f2=f2,
    )


def _second_degree(
    f1: dict[Key, Draft], excluded: set[Key], policy: TracingPolicy, now: dt.datetime, sources: list[str]
) -> list[Draft]:
    """Close contacts of the closest F1s, from each F1's first exposure on, within the policy's bounds."""
    spreaders = sorted((d for d in f1.values() if d.close), key=lambda d: (d.rank(), d.first_exposure, str(d.key)))
    spreaders = spreaders[: policy.max_f1_for_f2]
    if not spreaders or policy.max_f2_per_case == 0:
        return []
    known = Person.objects.filter(pk__in=[d.person_id for d in spreaders if d.person_id is not None])
    about: dict[int | None, tuple[int | None, str]] = {
        pk: (household, phone) for pk, household, phone in known.values_list("pk", "household_id", "phone")
    }
    horizon = dt.timedelta(hours=policy.f2_window_hours)
    indexes = [
        Index(
            ref=position,
            person_id=draft.person_id,
            # A registered F1's visits by phone only count too.
            phone=draft.phone or about.get(draft.person_id, (None, ""))[1],
            start=draft.first_exposure,
            end=min(now, draft.first_exposure + horizon),
            household_id=about.get(draft.person_id, (None, ""))[0],
        )
        for position, draft in enumerate(spreaders)
    ]
    exposures: list[Exposure] = []
    for name in sources:
        source = SOURCES[name]
        if isinstance(source, VenueSource):
            # Only close co-presence makes an F2: asked of the database, not filtered here.
            exposures.extend(source.exposures(indexes, policy, close_only=True))
        else:
            exposures.extend(e for e in source.exposures(indexes, policy) if e.close)
    _resolve_phones(exposures)
    taken = excluded | set(f1)
    by_spreader: dict[int, list[Exposure]] = defaultdict(list)
    for exposure in exposures:
        by_spreader[exposure.ref].append(exposure)
    chosen: dict[Key, Draft] = {}
    for position, draft in enumerate(spreaders):
        candidates = _group(by_spreader.get(position, []), taken | set(chosen), 2)
        ordered = sorted(candidates.values(), key=lambda d: (d.rank(), d.first_exposure, str(d.key)))
        for candidate in ordered[: policy.max_f2_per_f1]:
            if len(chosen) >= policy.max_f2_per_case:
                return list(chosen.values())
            candidate.via = draft.key
            chosen[candidate.key] = candidate
    return list(chosen.values())


def batch_f1(indexes: Sequence[Index], policy: TracingPolicy, *, using: str = "default") -> dict[int, set[Key]]:
    """F1s by venue co-presence of many index people at once (one statement): who, by index ``ref``.

    The set-based pass for many cases (an outbreak's morning batch): who met whom, without the evidence.
    """
    live = _live(indexes)
    found: dict[int, set[Key]] = defaultdict(set)
    if not live:
        return found
    connection = connections[using]
    adapt = connection.ops.adapt_datetimefield_value
    sql, params = co_presence_query(live, policy, connection.vendor, adapt, keys_only=True)
    rows = _fetch(connection, sql, params, len(live))
    for ref, ip, iphone, person_id, phone in rows:
        if (person_id is not None and person_id == ip) or (person_id is None and iphone and phone == iphone):
            continue
        found[int(ref)].add(("p", person_id) if person_id is not None else ("t", phone))
    return found
