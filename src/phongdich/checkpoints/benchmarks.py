"""``phongdich bench checkpoint``: scan-to-decision latency at a gateway at rush hour, over HTTP to gunicorn.

Mixed codes as travellers show them (personal QR with the person's tests and declaration looked up, declaration
QR, EU DCC vaccination/test/recovery, release certificate, tampered codes) are sent to
``POST /api/v1/checkpoints/{code}/decisions`` at a fixed rate (default 200 a second for 20 seconds) from
keep-alive clients in threads of this process. The load is open-loop: request *i* is due at ``start + i/rate``,
and its latency is counted from that due time, so a server that falls behind shows it in the p99 instead of
slowing the load down. Figures: ``decisions_per_second`` (answered decisions over the measured time) and
``decision_p99_ms``. Runs in its own PostgreSQL database (``phongdich_bench_checkpoint``, made when missing).
"""

from __future__ import annotations

import copy
import datetime as dt
import http.client
import json
import os
import sys
import threading
import time
import uuid
from argparse import ArgumentParser
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.core.management import call_command
from django.utils import timezone

from phongdich.checkins.benchmarks import Client, Server, run_in_own_database
from phongdich.synth.benchmarks import Benchmark, bench_token, register
from phongdich.synth.generator import SynthError

CHILD_FLAG = "PHONGDICH_BENCH_CHECKPOINT_CHILD"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/phongdich_bench_checkpoint"
BENCH_OFFICER = "bench-chot"
BENCH_ADMIN = "bench-chot-admin"
CODE = "bench-gate"
TARGET_P99_MS = 100.0
GRACE_SECONDS = 10.0  # sending stops this long after the measured time, whatever is left
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm")
GIVEN = ("An", "Bình", "Chi", "Dung", "Giang", "Hà", "Khánh", "Lan", "Mai", "Nam")


def _arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--rate", type=float, default=200.0, help="decisions a second sent (fixed rate)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time")
    # The README's deployment: sync workers, one request at a time each. Threads in a worker share one
    # interpreter lock, and a scan is CPU work: two workers of four threads had a p99 two to four times longer.
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--clients", type=int, default=32, help="client connections (threads) sending the load")
    parser.add_argument("--database-url", default=None, help="the benchmark's own PostgreSQL database")


def _progress(message: str) -> None:
    print(f"[bench checkpoint] {message}", file=sys.stderr, flush=True)


def _database_url(given: str | None) -> str:
    if given:
        return given
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(configured)
        return urlunsplit((parts.scheme, parts.netloc, "/phongdich_bench_checkpoint", "", ""))
    return DEFAULT_DATABASE


def _prepare() -> tuple[str, list[str]]:
    """Units, a checkpoint, travellers with every kind of code; (the officer's token, the codes to show)."""
    from phongdich.accounts.models import User
    from phongdich.accounts.roles import Role
    from phongdich.accounts.services import create_account
    from phongdich.certificates import services as certificates
    from phongdich.certificates.benchmarks import SAMPLE
    from phongdich.certificates.models import SigningKey
    from phongdich.checkins.personal_qr import personal_qr_token
    from phongdich.checkpoints import services
    from phongdich.declarations import services as declarations
    from phongdich.declarations.qr import declaration_qr_text
    from phongdich.geo.models import AdministrativeUnit
    from phongdich.geo.services import load_bundled_province
    from phongdich.people import services as people
    from phongdich.quarantine import services as quarantine
    from phongdich.quarantine.models import ReleaseCertificate
    from phongdich.quarantine.release_qr import verify_link

    call_command("migrate", interactive=False, verbosity=0)
    if not AdministrativeUnit.objects.communes().exists():
        load_bundled_province()
    province = AdministrativeUnit.objects.filter(parent=None).order_by("id").first()
    assert province is not None
    admin = User.objects.filter(username=BENCH_ADMIN).first() or create_account(
        BENCH_ADMIN, role=Role.PROVINCE_ADMIN, units=[province], full_name="Quản trị đo hiệu năng"
    )
    officer = User.objects.filter(username=BENCH_OFFICER).first() or create_account(
        BENCH_OFFICER, role=Role.CHECKPOINT_OFFICER, units=[province], full_name="Chốt đo hiệu năng"
    )
    commune = AdministrativeUnit.objects.communes().order_by("code").first()
    assert commune is not None
    services.save_checkpoint(
        admin,
        services.CheckpointInput(code=CODE, name="Chốt đo hiệu năng", commune=commune.code, officers=[BENCH_OFFICER]),
    )
    today = timezone.localdate()
    now = timezone.now()
    codes: list[str] = []
    persons = []
    for index in range(40):
        person = people.create_person(
            admin,
            people.PersonInput(
                full_name=f"{FAMILY[index % 4]} Thị {GIVEN[index % 10]}",
                sex="female",
                date_of_birth=dt.date(1980, 1, 1),
                home_commune=commune.code,
            ),
        )
        persons.append(person)
        codes.append(personal_qr_token(person))
    for index in range(40):
        # One traveller in four declares a symptom: a test on the spot and a task for the destination commune.
        symptoms = ("cough",) if index % 4 == 0 else ()
        data = declarations.DeclarationInput(
            submission_id=str(uuid.uuid4()),
            kind="movement",
            people=[
                declarations.PersonEntry(
                    full_name=f"{FAMILY[index % 4]} Văn {GIVEN[index % 10]}",
                    birth_year=1990,
                    sex="male",
                    symptoms=symptoms,
                )
            ],
            to_commune=commune.code,
            from_area="31",
            travel_date=today,
        )
        [declaration] = declarations.store_confirmed(data, "0912345678")
        codes.append(declaration_qr_text(declaration))
    if not SigningKey.objects.filter(active=True).exists():
        certificates.rotate_key(None)
    for index in range(30):
        payload: dict[str, Any] = copy.deepcopy(SAMPLE)
        payload["v"] = [{**payload["v"][0], "ci": f"URN:UVCI:01:VN:BENCH{index:06d}#A"}]
        codes.append(certificates.issue(payload, "v"))
    # A release certificate: an order released at its end (a policy version of 7 days at home for it).
    if not ReleaseCertificate.objects.exists():
        quarantine.save_policy(
            admin,
            quarantine.PolicyInput(
                name="Đo hiệu năng: 7 ngày tại nhà",
                valid_from=today - dt.timedelta(days=60),
                rules=[quarantine.RuleInput(reason="other", protection="not_protected", kind="home", days=7)],
            ),
        )
        quarantine.issue_order(
            admin, quarantine.OrderInput(person=persons[0].pk, reason="other", start=today - dt.timedelta(days=10))
        )
        quarantine.release_due_orders(now)
    for certificate in ReleaseCertificate.objects.all()[:5]:
        codes += [verify_link(certificate.token)] * 6
    # Tampered and foreign codes: a personal QR signed for another id, a cut certificate, a stranger's text.
    codes += [f"PD1:{persons[1].pk}:{codes[0].rsplit(':', 1)[1]}"] * 5
    codes += [codes[-40][:-8] + "AAAAAAAA"] * 5
    codes += ["https://example.org/something-else"] * 5
    secret = bench_token(officer)
    return secret, codes


class GateServer(Server):
    """The check-in bench's gunicorn, asked if it is up with a cheap request (the OpenAPI schema takes seconds to
    build on a busy machine, longer than that bench's probe waits)."""

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SynthError("gunicorn stopped while starting: see its output above.")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", "/api/v1/checkpoints")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        raise SynthError("gunicorn did not answer within two minutes.")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _load(port: int, token: str, codes: list[str], rate: float, seconds: float, clients: int) -> dict[str, Any]:
    """Open-loop load at ``rate`` a second: latencies from each request's due time, and the answers' statuses."""
    total = int(rate * seconds)
    next_index = 0
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    dropped = [0]
    start = time.perf_counter() + 0.5

    def worker() -> None:
        nonlocal next_index
        client = Client(port, token)
        while True:
            with lock:
                index = next_index
                next_index += 1
            if index >= total:
                return
            due = start + index / rate
            if time.perf_counter() > start + seconds + GRACE_SECONDS:
                # The server fell far behind: the rest is counted as not decided, keeping the run short.
                with lock:
                    dropped[0] += 1
                continue
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body = {"uuid": str(uuid.uuid4()), "qr": codes[index % len(codes)], "direction": "entry"}
            status, _answer = client.post(f"/api/v1/checkpoints/{CODE}/decisions", body)
            finished = time.perf_counter()
            with lock:
                latencies.append((finished - due) * 1000)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return {"latencies": latencies, "statuses": statuses, "elapsed": elapsed, "total": total, "dropped": dropped[0]}


def measure(options: dict[str, Any]) -> dict[str, Any]:
    _progress("preparing the checkpoint and the travellers' codes …")
    token, codes = _prepare()
    server = GateServer(int(options["workers"]), int(options["threads"]))
    try:
        server.wait_ready()
        _progress("warming up …")
        _load(server.port, token, codes, min(50.0, float(options["rate"])), 2.0, 8)
        _progress(f"{options['rate']:g} decisions a second for {options['seconds']:g} s …")
        result = _load(
            server.port, token, codes, float(options["rate"]), float(options["seconds"]), int(options["clients"])
        )
    finally:
        server.stop()
    latencies: list[float] = result["latencies"]
    answered = result["statuses"].get(201, 0) + result["statuses"].get(200, 0)
    if answered + result["dropped"] != result["total"]:
        raise SynthError(f"Some decisions failed: statuses {json.dumps(result['statuses'])}")
    p99 = _percentile(latencies, 0.99)
    return {
        "decisions_per_second": round(answered / result["elapsed"], 1),
        "decision_p99_ms": round(p99, 2),
        "decision_p50_ms": round(_percentile(latencies, 0.5), 2),
        "target_rate": float(options["rate"]),
        "seconds": float(options["seconds"]),
        "decisions": answered,
        "not_sent_server_behind": result["dropped"],
        "code_kinds": "personal, declaration (a quarter with symptoms: test on the spot and a task), dcc, release, "
        "tampered",
        "target_p99_ms": TARGET_P99_MS,
        "meets_target": p99 < TARGET_P99_MS and result["dropped"] == 0,
        "workers": int(options["workers"]),
        "threads": int(options["threads"]),
        "cpus": os.cpu_count(),
    }


def run(options: dict[str, Any]) -> dict[str, Any]:
    argv = ["checkpoint"]
    for name in ("rate", "seconds", "workers", "threads", "clients"):
        argv += [f"--{name}", str(options[name])]
    return run_in_own_database(_database_url(options.get("database_url")), CHILD_FLAG, argv, lambda: measure(options))


register(
    Benchmark(
        name="checkpoint",
        help="checkpoint scan-to-decision over HTTP (gunicorn) at a fixed rate: decisions/s and p99 (ms)",
        add_arguments=_arguments,
        run=run,
    )
)
