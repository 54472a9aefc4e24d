"""``phongdich bench checkins``: check-ins at province scale, against the real stack on this machine.

What it measures, on its own PostgreSQL database (``phongdich_bench`` unless told otherwise):

- ``single_per_second``, ``single_p50_ms``, ``single_p99_ms``: ``POST /api/v1/checkins`` (a device typing
  a citizen ID), from keep-alive HTTP clients in threads of this process, against gunicorn on loopback;
- ``batch_rows_per_second``: ``POST /api/v1/checkins/batch`` with batches of device records;
- ``database_copy_rows_per_second``: the same records, prepared beforehand, COPYed straight into the check-in
  table by as many streams as there are batch clients, with no HTTP and no application code: what PostgreSQL
  itself sustains with the table's indexes and its own settings (``shared_buffers`` is reported), the
  ceiling for the batch endpoint on this server;
- ``venue_window_ms``, ``person_window_ms``: the median time of the tracing queries "who was at venue V
  between t1 and t2" and "where was person P between t1 and t2", over random windows, through the
  ORM, on a table of at least ``--rows`` (10 million) check-ins, filled with COPY the first time.

The database is kept between runs (the fill is done once); the check-ins a run adds are deleted at its end,
so that every run starts from the same table, and the server is always stopped. The
benchmark refuses a production installation, and it never touches the configured database: when
that is not the bench database, the command runs itself again with ``DATABASE_URL`` pointing there.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import queue
import random
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
import uuid
from argparse import ArgumentParser
from collections.abc import Callable, Iterator
from typing import Any

import dj_database_url
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from phongdich import config
from phongdich.synth.benchmarks import Benchmark, bench_token, own_database_url, register
from phongdich.synth.generator import SynthError

DEFAULT_BENCH_DATABASE = "postgres://postgres@127.0.0.1:5432/phongdich_bench"
CHILD_FLAG = "PHONGDICH_BENCH_CHILD"
BENCH_USER = "bench-device"
COPY_STREAMS = 2
# A random UUID's version (4) and variant bits.
_UUID_MASK = 0xFFFFFFFFFFFF0FFF3FFFFFFFFFFFFFFF
_UUID_V4 = 0x00000000000040008000000000000000
FILL_DAYS = 20  # rows are spread over the last 20 days, inside the 21-day retention period


def _arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        help=f"the bench's own PostgreSQL database (default: $PHONGDICH_BENCH_DATABASE_URL, {DEFAULT_BENCH_DATABASE})",
    )
    parser.add_argument("--rows", type=int, default=10_000_000, help="check-ins the table holds at least")
    parser.add_argument("--people-scale", type=float, default=0.2, help="synthetic population of the bench database")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (1: sync workers, as deployed; more: gthread)"
    )
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients for single check-ins")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each load phase (at most 120)")
    parser.add_argument("--batch-size", type=int, default=1000, help="records per batch request")
    parser.add_argument("--batch-clients", type=int, default=2, help="concurrent clients uploading batches")
    parser.add_argument("--windows", type=int, default=300, help="random windows per tracing query")
    parser.add_argument(
        "--load",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator for single check-ins: wrk (a C client in its own process: apt-get install wrk) "
        "or Python threads in this process; auto takes wrk when it is installed",
    )


# --- The bench database ---------------------------------------------------------------------------


def bench_database_url(given: str | None) -> str:
    return own_database_url(given, "PHONGDICH_BENCH_DATABASE_URL", "phongdich_bench", DEFAULT_BENCH_DATABASE)


def _same_database(url: str) -> bool:
    wanted = dj_database_url.parse(url)
    current = settings.DATABASES["default"]
    return connection.vendor == "postgresql" and all(
        str(wanted.get(key) or "") == str(current.get(key) or "") for key in ("NAME", "HOST", "PORT")
    )


def create_database(url: str) -> None:
    """Create the bench database on its server when it does not exist yet."""
    import psycopg
    from psycopg import sql

    parsed = dj_database_url.parse(url)
    if parsed["ENGINE"] != "django.db.backends.postgresql":
        raise SynthError("The check-in benchmark runs on PostgreSQL: give a postgres:// --database-url.")
    name = str(parsed["NAME"])
    with psycopg.connect(
        dbname="postgres",
        user=parsed.get("USER") or None,
        password=parsed.get("PASSWORD") or None,
        host=parsed.get("HOST") or None,
        port=parsed.get("PORT") or None,
        autocommit=True,
    ) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _progress(message: str) -> None:
    print(f"[bench checkins] {message}", file=sys.stderr, flush=True)


# --- Data -------------------------------------------------------------------------------------------


def _prepare(people_scale: float) -> tuple[str, list[str], list[str]]:
    """Units, a synthetic population with venues, and a device token: (token, venue codes, citizen IDs)."""
    from phongdich.accounts.models import User
    from phongdich.accounts.roles import Role
    from phongdich.accounts.services import create_account
    from phongdich.geo.models import AdministrativeUnit
    from phongdich.geo.services import load_bundled_province
    from phongdich.people.models import Person
    from phongdich.synth import services as synth
    from phongdich.synth.generator import SynthOptions
    from phongdich.synth.models import SynthRun
    from phongdich.venues.models import Venue, VenueStatus

    call_command("migrate", interactive=False, verbosity=0)
    if not AdministrativeUnit.objects.communes().exists():
        load_bundled_province()
    province = synth.resolve_province()
    if not SynthRun.objects.filter(province=province).exists():
        _progress(f"generating the synthetic province at scale {people_scale} …")
        synth.generate(
            SynthOptions(
                seed=1,
                scale=people_scale,
                as_of=synth.today_in_vietnam(),
                staff_password_hash=synth.hash_staff_password(synth.DEMO_STAFF_PASSWORD),
                province_code=province.code,
            )
        )
    user = User.objects.filter(username=BENCH_USER).first()
    if user is None:
        # A scanner device's account that may record check-ins at any venue of the province.
        user = create_account(
            BENCH_USER, role=Role.COMMUNE_OFFICER, units=[province], full_name="Thiết bị đo hiệu năng"
        )
    else:
        user.units.set([province])
    secret = bench_token(user)
    venues = list(Venue.objects.filter(status=VenueStatus.ACTIVE).values_list("code", flat=True))
    citizen_ids = list(
        Person.objects.exclude(citizen_id=None).order_by("id").values_list("citizen_id", flat=True)[:100_000]
    )
    if not venues or not citizen_ids:
        raise SynthError("The bench database has no active venues or no people with a citizen ID.")
    return secret, [str(code) for code in venues], [str(number) for number in citizen_ids if number]


def _count_rows() -> int:
    from phongdich.checkins.models import CheckIn

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(CheckIn._meta.db_table)}")  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def fill(rows: int, chunk: int = 200_000) -> float:
    """Add ``rows`` check-ins with COPY, spread over the last days, at random synthetic venues and people."""
    from phongdich.checkins import services as checkins
    from phongdich.checkins.models import CheckIn, CheckInMethod
    from phongdich.people.models import Person
    from phongdich.synth.bulk import PostgresWriter
    from phongdich.synth.venues_step import model_columns
    from phongdich.venues.models import Venue

    checkins.ensure_partitions()
    venue_ids = list(Venue.objects.values_list("id", flat=True))
    low, high = (
        Person.objects.order_by("id").values_list("id", flat=True).first(),
        Person.objects.order_by("-id").values_list("id", flat=True).first(),
    )
    assert low is not None and high is not None
    writer = PostgresWriter()
    fields = (
        "uuid",
        "checked_in_at",
        "venue",
        "person",
        "checked_out_at",
        "checkout_inferred",
        "method",
        "received_at",
    )
    columns, extra = model_columns(CheckIn, fields, writer)
    column_list = ", ".join(connection.ops.quote_name(column) for column in columns)
    connection.close()  # the fill uses connections of its own
    extra_text = "".join("\t" + ("\\N" if value is None else str(value)) for value in extra)
    end = int(time.time()) - 120
    start = end - FILL_DAYS * 86_400
    minutes: dict[int, str] = {}
    for minute in range(start // 60, end // 60 + 1):
        minutes[minute] = time.strftime("%Y-%m-%d %H:%M", time.gmtime(minute * 60))
    method = CheckInMethod.VENUE_QR.value
    rng = random.Random()
    getrandbits, randrange = rng.getrandbits, rng.randrange
    venue_count = len(venue_ids)
    table = connection.ops.quote_name(CheckIn._meta.db_table)
    chunks: queue.Queue[str | None] = queue.Queue(maxsize=4)
    failures: list[BaseException] = []

    def copier() -> None:
        # Its own connection: two COPY streams keep both cores busy with index maintenance.
        try:
            with _raw_connection() as raw, raw.cursor() as cursor:
                while (text := chunks.get()) is not None:
                    with cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                        copy.write(text)
        except BaseException as exc:  # reported by the caller
            failures.append(exc)
            while chunks.get() is not None:
                pass

    copiers = [threading.Thread(target=copier) for _ in range(COPY_STREAMS)]
    for thread in copiers:
        thread.start()
    started = time.perf_counter()
    done = 0
    try:
        # Chunks go through time in order, so the rows of one COPY fall into one or two day partitions
        # and the indexes being written stay in shared buffers.
        slices = max(1, -(-rows // chunk))
        span = (end - start) / slices
        while done < rows and not failures:
            size = min(chunk, rows - done)
            low_time = start + int(span * (done // chunk))
            high_time = min(end, int(low_time + span) + 1)
            lines = []
            for _ in range(size):
                at = randrange(low_time, high_time)
                stamp = f"{minutes[at // 60]}:{at % 60:02d}+00"
                out = "\\N"
                if getrandbits(2):  # three in four check out
                    out_at = at + 600 + randrange(7200)
                    out = f"{_minute_text(minutes, out_at // 60)}:{out_at % 60:02d}+00"
                lines.append(
                    f"{getrandbits(128) & _UUID_MASK | _UUID_V4:032x}\t{stamp}\t{venue_ids[randrange(venue_count)]}\t"
                    f"{randrange(low, high + 1)}\t{out}\tf\t{method}\t{stamp}{extra_text}\n"
                )
            chunks.put("".join(lines))
            done += size
            if done % 1_000_000 < chunk:
                _progress(f"filled {done:,} of {rows:,} rows ({done / (time.perf_counter() - started):,.0f} rows/s)")
    finally:
        for _thread in copiers:
            chunks.put(None)
        for thread in copiers:
            thread.join()
    if failures:
        raise failures[0]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(CheckIn._meta.db_table)}")
    return time.perf_counter() - started


def _remove_added_rows(since: dt.datetime | None) -> None:
    """Delete the check-ins the bench's device account recorded (since ``since``, else all), then vacuum."""
    from phongdich.accounts.models import User
    from phongdich.checkins.models import CheckIn

    recorder_id = User.objects.filter(username=BENCH_USER).values_list("pk", flat=True).first()
    if recorder_id is None:
        return
    table = connection.ops.quote_name(CheckIn._meta.db_table)
    condition = "recorded_by_id = %s"
    params: list[int | dt.datetime] = [recorder_id]
    if since is not None:
        # Every record a run sends is at most three days old: only those days' partitions are read.
        condition += " AND received_at >= %s AND checked_in_at >= %s"
        params += [since, since - dt.timedelta(days=3, hours=1)]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)  # noqa: S608
        deleted = cursor.rowcount
        if deleted:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    if deleted:
        _progress(f"deleted {deleted:,} check-ins added by the bench")


def _minute_text(minutes: dict[int, str], minute: int) -> str:
    text = minutes.get(minute)
    if text is None:
        text = minutes[minute] = time.strftime("%Y-%m-%d %H:%M", time.gmtime(minute * 60))
    return text


def _raw_connection() -> Any:
    import psycopg

    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    )


def window_medians(windows: int) -> tuple[float, float]:
    """Median milliseconds of the two tracing queries over random windows (venue: 4 hours; person: 14 days)."""
    from phongdich.checkins.models import CheckIn
    from phongdich.people.models import Person
    from phongdich.venues.models import Venue

    rng = random.Random(7)
    venue_ids = list(Venue.objects.values_list("id", flat=True))
    person_ids = list(Person.objects.values_list("id", flat=True))
    now = timezone.now()
    venue_times, person_times = [], []
    for _ in range(windows):
        start = now - dt_seconds(rng.randrange(FILL_DAYS * 86_400))
        venue = rng.choice(venue_ids)
        began = time.perf_counter()
        list(
            CheckIn.objects.filter(
                venue_id=venue, checked_in_at__gte=start, checked_in_at__lt=start + dt_seconds(4 * 3600)
            ).values_list("person_id", "phone", "name", "checked_in_at", "checked_out_at")
        )
        venue_times.append(time.perf_counter() - began)
        person = rng.choice(person_ids)
        end = now - dt_seconds(rng.randrange(6 * 86_400))
        began = time.perf_counter()
        list(
            CheckIn.objects.filter(
                person_id=person, checked_in_at__gte=end - dt_seconds(14 * 86_400), checked_in_at__lt=end
            ).values_list("venue_id", "venue__code", "venue__name", "checked_in_at", "checked_out_at")
        )
        person_times.append(time.perf_counter() - began)
    return statistics.median(venue_times) * 1000, statistics.median(person_times) * 1000


def dt_seconds(seconds: int) -> Any:
    return dt.timedelta(seconds=seconds)


# --- The server and the load -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn on 127.0.0.1, in its own process group so it is always stopped with all its workers."""

    def __init__(self, workers: int, threads: int) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_CONN_MAX_AGE": "600",
            "LOG_LEVEL": "WARNING",
        }
        env.pop(CHILD_FLAG, None)
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "phongdich.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            # Sync workers, as the README deploys them: each request goes to a free worker. With gthread, a
            # keep-alive connection stays with the worker that accepted it, and a few busy clients can
            # leave the other workers idle.
            *(("--worker-class", "sync") if threads <= 1 else ("--worker-class", "gthread", "--threads", str(threads))),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SynthError("gunicorn stopped while starting: see its output above.")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/api/v1/openapi.json")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        raise SynthError("gunicorn did not answer within a minute.")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class Client:
    """One keep-alive HTTP connection to the server."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, path: str, body: Any) -> tuple[int, bytes]:
        payload = body if isinstance(body, bytes) else json.dumps(body)
        try:
            self.conn.request("POST", path, payload, self.headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request("POST", path, payload, self.headers)
            response = self.conn.getresponse()
        return response.status, response.read()


# One check-in in PostgreSQL's binary COPY format, in the columns the batch endpoint COPYs (services.COPY_COLUMNS):
# field count, then each field's length and value (-1: NULL). Times are microseconds since 2000-01-01 UTC.
_COPY_ROW = struct.Struct("!hi16siqiiqiqiii6si?iqiq")
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_COPY_TRAILER = struct.pack("!h", -1)
_POSTGRES_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _copy_batches(
    venue_ids: list[int], person_ids: list[int], recorder_id: int, batch_size: int, rows: int
) -> list[bytes]:
    """Binary COPY data for ``rows`` check-ins shaped as the bench's batches (random venue and person, a
    time in the last three days), in batches of ``batch_size``, encoded before any timing starts."""
    rng = random.Random()
    getrandbits, randrange = rng.getrandbits, rng.randrange
    now = int((timezone.now() - _POSTGRES_EPOCH).total_seconds() * 1_000_000)
    pack = _COPY_ROW.pack
    batches = []
    for _ in range(max(1, rows // batch_size)):
        body = [_COPY_HEADER]
        for _ in range(batch_size):
            at = now - randrange(60, 3 * 86_400) * 1_000_000
            body.append(
                pack(
                    11,
                    *(16, (getrandbits(128) & _UUID_MASK | _UUID_V4).to_bytes(16), 8, at, -1),
                    *(8, venue_ids[randrange(len(venue_ids))], 8, person_ids[randrange(len(person_ids))]),
                    *(0, 0, 6, b"device", 1, False, 8, recorder_id, 8, now),
                )
            )
        body.append(_COPY_TRAILER)
        batches.append(b"".join(body))
    return batches


def database_copy_rate(citizen_ids: list[str], batch_size: int, streams: int, seconds: float) -> float:
    """Rows a second that PostgreSQL stores when the bench's batch records are COPYed straight into the
    check-in table by ``streams`` connections, each COPY its own transaction, as the endpoint's."""
    from phongdich.accounts.models import User
    from phongdich.checkins import services
    from phongdich.checkins.models import CheckIn
    from phongdich.people.models import Person
    from phongdich.venues.models import Venue, VenueStatus

    recorder_id = User.objects.get(username=BENCH_USER).pk
    venue_ids = list(Venue.objects.filter(status=VenueStatus.ACTIVE).values_list("id", flat=True))
    person_ids = list(Person.objects.filter(citizen_id__in=citizen_ids[:20_000]).values_list("id", flat=True))
    # Enough for 200,000 rows a second, twice this bench's target, so the pool does not run dry first.
    pool = _copy_batches(venue_ids, person_ids, recorder_id, batch_size, int(min(seconds, 10) * 200_000))
    table = connection.ops.quote_name(CheckIn._meta.db_table)
    statement = f"COPY {table} ({', '.join(services.COPY_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    stored = [0] * streams
    failures: list[BaseException] = []
    deadline = time.monotonic() + seconds

    def stream(index: int) -> None:
        try:
            with _raw_connection() as raw, raw.cursor() as cursor:
                for body in pool[index::streams]:
                    if time.monotonic() >= deadline:
                        break
                    with cursor.copy(statement) as copy:
                        copy.write(body)
                    stored[index] += batch_size
        except BaseException as exc:  # reported by the caller
            failures.append(exc)

    elapsed = _timed_threads(stream, streams)
    if failures:
        raise failures[0]
    return sum(stored) / elapsed


def _timed_threads(target: Callable[[int], None], count: int) -> float:
    """Run ``target(0)`` … ``target(count - 1)`` in threads at once; the seconds until the last one ends."""
    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def _checkpoint() -> None:
    """Write out what the fill or the last run's clean-up left in PostgreSQL's buffers, so that every run
    starts from the same state rather than with that write-back going on during the timed phases."""
    import psycopg

    try:
        with _raw_connection() as raw:
            raw.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        _progress("no CHECKPOINT (it needs a superuser or the pg_checkpoint role): figures may vary more")


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def _uuid_text(bits: int) -> str:
    """A version 4 UUID's text from 128 random bits."""
    text = f"{bits & _UUID_MASK | _UUID_V4:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _iso_utc(epoch_seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(epoch_seconds))


def _recent_time(rng: random.Random) -> str:
    return (timezone.now() - dt_seconds(rng.randrange(60, 3 * 86_400))).isoformat()


def run_load(
    port: int, token: str, clients: int, seconds: float, make_request: Any, max_requests: int
) -> tuple[list[float], int, float]:
    """``clients`` threads send requests until time or count runs out: (latencies, rows stored, elapsed)."""
    latencies: list[float] = []
    stored = [0]
    errors: list[str] = []
    lock = threading.Lock()
    sent = [0]
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        client = Client(port, token)
        rng = random.Random(index)
        mine: list[float] = []
        rows = 0
        while time.monotonic() < deadline:
            with lock:
                if sent[0] >= max_requests:
                    break
                sent[0] += 1
            path, body, expected = make_request(rng)
            began = time.perf_counter()
            status, content = client.post(path, body)
            mine.append(time.perf_counter() - began)
            if status not in (200, 201):
                with lock:
                    errors.append(f"{status}: {content[:300]!r}")
                break
            rows += expected(content)
        client.conn.close()
        with lock:
            latencies.extend(mine)
            stored[0] += rows

    elapsed = _timed_threads(worker, clients)
    if errors:
        raise SynthError(f"The server refused a request: {errors[0]}")
    return latencies, stored[0], elapsed


_WRK_SCRIPT = """
local venues = {%(venues)s}
local citizen_ids = {%(citizen_ids)s}
math.randomseed(%(seed)d)
local random, format = math.random, string.format
-- A version 4 UUID from 16-bit pieces: few calls, so the load generator takes little of the shared CPU.
local function uuid4()
  return format("%%04x%%04x-%%04x-%%04x-%%04x-%%04x%%04x%%04x", random(0, 65535), random(0, 65535), random(0, 65535),
    random(16384, 20479), random(32768, 49151), random(0, 65535), random(0, 65535), random(0, 65535))
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
request = function()
  local at = os.date("!%%Y-%%m-%%dT%%H:%%M:%%S+00:00", os.time() - math.random(60, 3 * 86400))
  local body = '{"uuid":"' .. uuid4() .. '","venue":"' .. venues[math.random(#venues)] .. '","citizen_id":"'
    .. citizen_ids[math.random(#citizen_ids)] .. '","checked_in_at":"' .. at .. '"}'
  return wrk.format(nil, "/api/v1/checkins", nil, body)
end
"""


def run_wrk(
    port: int, token: str, venues: list[str], citizen_ids: list[str], clients: int, seconds: float
) -> dict[str, float]:
    """Single check-ins from wrk, the same requests as the Python clients send: requests/s, p50 and p99 (ms)."""
    import re
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            _WRK_SCRIPT
            % {
                "venues": ",".join(f'"{code}"' for code in venues),
                "citizen_ids": ",".join(f'"{number}"' for number in citizen_ids),
                "seed": random.randrange(1 << 30),
                "token": token,
            }
        )
    try:
        command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds:g}s", "--latency", "-s", script.name]
        output = subprocess.run(  # noqa: S603
            [*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True
        ).stdout
    finally:
        os.unlink(script.name)
    if "Non-2xx" in output or "Socket errors" in output:
        raise SynthError(f"The server refused requests under wrk: {output}")

    def milliseconds(label: str) -> float:
        found = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if not found:
            raise SynthError(f"Cannot read wrk's {label} latency: {output}")
        return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]

    total = re.search(r"^\s*(\d+) requests in ([\d.]+)(ms|s)", output, re.MULTILINE)
    if not total:
        raise SynthError(f"Cannot read wrk's request count: {output}")
    elapsed = float(total.group(2)) / (1000.0 if total.group(3) == "ms" else 1.0)
    return {
        "requests": int(total.group(1)),
        "per_second": int(total.group(1)) / elapsed,
        "p50_ms": milliseconds("50%"),
        "p99_ms": milliseconds("99%"),
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(options: dict[str, Any]) -> dict[str, Any]:
    """Everything, in the bench database (the current default connection)."""
    if connection.vendor != "postgresql":
        raise SynthError("The check-in benchmark runs on PostgreSQL.")
    seconds = min(max(float(options["seconds"]), 1.0), 120.0)
    token, venues, citizen_ids = _prepare(float(options["people_scale"]))
    _remove_added_rows(None)  # left by a run that was interrupted, or by versions that kept them
    rows = _count_rows()
    fill_seconds = None
    if rows < options["rows"]:
        _progress(f"the table holds {rows:,} check-ins; filling to {options['rows']:,} with COPY …")
        fill_seconds = round(fill(options["rows"] - rows), 1)
        rows = _count_rows()
    _checkpoint()
    _progress(f"{rows:,} check-ins; timing the tracing queries …")
    window_medians(20)  # warm the caches
    venue_ms, person_ms = window_medians(int(options["windows"]))

    started = timezone.now()
    server = Server(int(options["workers"]), int(options["threads"]))
    try:
        server.wait_ready()

        def one_checkin(rng: random.Random) -> tuple[str, dict[str, Any], Any]:
            body = {
                "uuid": str(uuid.uuid4()),
                "venue": venues[rng.randrange(len(venues))],
                "citizen_id": citizen_ids[rng.randrange(len(citizen_ids))],
                "checked_in_at": _recent_time(rng),
            }
            return "/api/v1/checkins", body, lambda _content: 1

        batch_size = int(options["batch_size"])

        def batch(rng: random.Random) -> tuple[str, bytes, Any]:
            # Written as JSON text directly: building 1,000 dicts with uuid4() and isoformat() and encoding
            # them took the bench process a few milliseconds a batch, CPU the server shares.
            now = int(time.time())
            getrandbits, randrange = rng.getrandbits, rng.randrange
            items = ",".join(
                f'{{"uuid":"{_uuid_text(getrandbits(128))}","venue":"{venues[randrange(len(venues))]}",'
                f'"citizen_id":"{citizen_ids[randrange(len(citizen_ids))]}",'
                f'"checked_in_at":"{_iso_utc(now - randrange(60, 3 * 86_400))}"}}'
                for _ in range(batch_size)
            )
            body = f'{{"items":[{items}]}}'.encode()
            return "/api/v1/checkins/batch", body, lambda content: int(json.loads(content)["created"])

        use_wrk = options["load"] == "wrk" or (options["load"] == "auto" and shutil.which("wrk") is not None)
        if use_wrk and shutil.which("wrk") is None:
            raise SynthError("--load wrk: wrk is not installed (apt-get install wrk).")
        _progress(f"warming up ({'wrk' if use_wrk else 'Python clients'}) …")
        if use_wrk:
            run_wrk(server.port, token, venues, citizen_ids, int(options["clients"]), 2.0)
            _progress(f"single check-ins for {seconds:g} s (wrk) …")
            single = run_wrk(server.port, token, venues, citizen_ids, int(options["clients"]), seconds)
        else:
            run_load(server.port, token, int(options["clients"]), 2.0, one_checkin, 2_000)
            _progress(f"single check-ins for {seconds:g} s …")
            latencies, single_rows, single_elapsed = run_load(
                server.port, token, int(options["clients"]), seconds, one_checkin, 200_000
            )
            single = {
                "requests": len(latencies),
                "per_second": single_rows / single_elapsed,
                "p50_ms": _percentile(latencies, 0.5) * 1000,
                "p99_ms": _percentile(latencies, 0.99) * 1000,
            }
        _progress(f"batches of {batch_size} for {seconds:g} s …")
        _lat, batch_rows, batch_elapsed = run_load(
            server.port, token, int(options["batch_clients"]), seconds, batch, 2_000
        )
    finally:
        server.stop()
    try:
        _progress(f"the same batches COPYed straight into the table for {seconds:g} s …")
        copy_rate = database_copy_rate(citizen_ids, batch_size, int(options["batch_clients"]), seconds)
    finally:
        _progress("deleting the check-ins this run added …")
        _remove_added_rows(started)
    return {
        "benchmark": "checkins",
        "database": connection.vendor,
        "rows_in_table": _count_rows(),
        "fill_seconds": fill_seconds,
        "workers": int(options["workers"]),
        "threads_per_worker": int(options["threads"]),
        "clients": int(options["clients"]),
        "load_generator": "wrk" if use_wrk else "python",
        "single_requests": int(single["requests"]),
        "single_per_second": round(single["per_second"], 1),
        "single_p50_ms": round(single["p50_ms"], 2),
        "single_p99_ms": round(single["p99_ms"], 2),
        "batch_size": batch_size,
        "batch_rows": batch_rows,
        "batch_rows_per_second": round(batch_rows / batch_elapsed, 1),
        "database_copy_rows_per_second": round(copy_rate, 1),
        "shared_buffers": _setting("shared_buffers"),
        "venue_window_ms": round(venue_ms, 3),
        "person_window_ms": round(person_ms, 3),
        "windows": int(options["windows"]),
        "cpus": os.cpu_count(),
    }


def _child_arguments(options: dict[str, Any]) -> Iterator[str]:
    for name in (
        "rows",
        "people_scale",
        "workers",
        "threads",
        "clients",
        "seconds",
        "batch_size",
        "batch_clients",
        "windows",
        "load",
    ):
        yield f"--{name.replace('_', '-')}"
        yield str(options[name])


def run_in_own_database(
    url: str,
    child_flag: str,
    bench_argv: list[str],
    measure_here: Callable[[], dict[str, Any]],
    *,
    drop_env: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Measure in the benchmark's own database: here when this process already uses it, else by running
    ``phongdich bench …`` again with ``DATABASE_URL`` pointing there (created when missing); its JSON."""
    if config.is_production():
        raise SynthError("Benchmarks are not run against a production installation.")
    if os.environ.get(child_flag) == "1" or _same_database(url):
        return measure_here()
    create_database(url)
    env = {**os.environ, "DATABASE_URL": url, child_flag: "1"}
    for name in drop_env:
        env.pop(name, None)
    command = [sys.executable, "-c", "from phongdich.cli import main; main()", "bench", *bench_argv, "--json"]
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SynthError("The benchmark failed in its own database: see the messages above.")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def run_checkins(options: dict[str, Any]) -> dict[str, Any]:
    return run_in_own_database(
        bench_database_url(options.get("database_url")),
        CHILD_FLAG,
        ["checkins", *_child_arguments(options)],
        lambda: measure(options),
    )


register(
    Benchmark(
        name="checkins",
        help="check-in throughput (single and batch, over HTTP to gunicorn) and tracing queries on 10M rows",
        add_arguments=_arguments,
        run=run_checkins,
    )
)
