"""``phongdich bench exposure --json``: Exposure Notification client speed, on one core, without a database.

- ``keys_matched_per_second``: a phone with 14 days of scans (a few thousand distinct RPIs) matches
  N published diagnosis keys (random ones plus a few planted true contacts, which must all be found).
- ``keys_derived_per_second``: the same derivation loop without the matching (the baseline), and
  ``keys_derived_plain_per_second``: derivation through the plain API (`cryptography`'s own calls
  per key), to show what the matcher's shortcuts save. ``*_per_cpu_second``: the same over this process's
  CPU time, which a busy shared machine disturbs less than the wall clock.
- ``key_index_build_seconds`` / ``key_index_match_ms_per_phone``: the same keys derived once into a
  :class:`~phongdich.exposure.client.matching.KeyIndex`, then one phone's scans looked up in it.
- ``export_keys_per_second``: writing and signing export files (batches of at most
  ``MAX_KEYS_PER_FILE`` keys) and reading them back with the signature checked.

Figures come from named measurements (:data:`MEASUREMENTS`); another module may add its own with
:func:`measurement` and they land in the same JSON object. ``--only NAME`` runs some of them.
"""

from __future__ import annotations

import os
import random
import time
from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

from phongdich.exposure.client import crypto, export, matching
from phongdich.exposure.client.export import DiagnosisKey, ExportBatch
from phongdich.exposure.client.matching import Observation, ObservationIndex
from phongdich.synth.benchmarks import Benchmark, register

Measurement = Callable[[dict[str, Any]], dict[str, Any]]
MEASUREMENTS: dict[str, Measurement] = {}

# A fixed "today" (2021-09-01 00:00 UTC) so runs are comparable.
TODAY = crypto.day_start_interval(crypto.en_interval_number(1_630_454_400))
PLANTED_CONTACTS = 10


def measurement(name: str) -> Callable[[Measurement], Measurement]:
    """Register a function returning figures for ``phongdich bench exposure``."""

    def decorate(function: Measurement) -> Measurement:
        MEASUREMENTS[name] = function
        return function

    return decorate


def _arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--keys", type=int, default=50_000, help="diagnosis keys to match")
    parser.add_argument("--observations", type=int, default=4_200, help="distinct RPIs the phone saw in 14 days")
    parser.add_argument("--export-keys", type=int, default=100_000, help="keys to write into export files and read")
    parser.add_argument("--rounds", type=int, default=2, help="repeat each timing, keep the fastest")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--only", action="append", default=None, choices=sorted(MEASUREMENTS), help="measurement to run (repeatable)"
    )


def _best_seconds(rounds: int, function: Callable[[], object]) -> tuple[float, object]:
    best = float("inf")
    result: object = None
    for _ in range(max(1, rounds)):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def _random_keys(rng: random.Random, count: int) -> list[DiagnosisKey]:
    return [
        DiagnosisKey(rng.randbytes(16), TODAY - crypto.ROLLING_PERIOD * rng.randrange(1, 15), 144, 0, 1, None)
        for _ in range(count)
    ]


@measurement("matching")
def measure_matching(options: dict[str, Any]) -> dict[str, Any]:
    rng = random.Random(options.get("seed", 1))
    key_count = max(PLANTED_CONTACTS, int(options.get("keys") or 50_000))
    rounds = int(options.get("rounds") or 2)
    keys = _random_keys(rng, key_count - PLANTED_CONTACTS)
    first_interval = TODAY - 14 * crypto.ROLLING_PERIOD
    observations = [
        Observation(
            rng.randbytes(16), rng.randbytes(4), rng.randrange(first_interval, TODAY), rng.randrange(40, 90), 60
        )
        for _ in range(int(options.get("observations") or 4_200))
    ]
    planted = []
    for _ in range(PLANTED_CONTACTS):
        tek = os.urandom(16)
        start = TODAY - crypto.ROLLING_PERIOD * rng.randrange(1, 15)
        interval = start + rng.randrange(crypto.ROLLING_PERIOD)
        rpi = crypto.rolling_proximity_identifier(tek, interval)
        aem = crypto.encrypt_metadata(crypto.aem_key(tek), rpi, crypto.metadata_bytes(-8))
        observations.append(Observation(rpi, aem, interval + rng.randrange(-3, 4), 55, 300))
        key = DiagnosisKey(tek, start)
        keys.insert(rng.randrange(len(keys) + 1), key)
        planted.append(key)

    index = ObservationIndex(observations)
    # Derivation and matching alternate, round after round, so a busy machine slows both alike.
    # CPU seconds of this process are reported too: on a shared machine they stay close to an idle core's.
    match_seconds = derive_seconds = match_cpu = derive_cpu = float("inf")
    found: list[matching.Match] = []
    for _ in range(max(1, rounds)):
        started, started_cpu = time.perf_counter(), time.process_time()
        matching.derive_all(keys)
        derive_seconds = min(derive_seconds, time.perf_counter() - started)
        derive_cpu = min(derive_cpu, time.process_time() - started_cpu)
        started, started_cpu = time.perf_counter(), time.process_time()
        found = matching.match(keys, index)
        match_seconds = min(match_seconds, time.perf_counter() - started)
        match_cpu = min(match_cpu, time.process_time() - started_cpu)
    found_keys = {item.key.key_data for item in found}
    missing = [key for key in planted if key.key_data not in found_keys]
    if missing or len(found_keys) != len(planted):
        raise AssertionError(f"matching found {len(found_keys)} keys, {len(missing)} planted ones missing")
    # Many phones against one download (the simulator's case): derive once, then look each phone up.
    started = time.perf_counter()
    key_index = matching.KeyIndex(keys)
    index_build_seconds = time.perf_counter() - started
    index_match_seconds, indexed = _best_seconds(rounds, lambda: key_index.match(observations))
    if indexed != found:
        raise AssertionError("the key index found other matches than match()")
    sample = keys[: min(len(keys), 20_000)]
    plain_seconds, _ = _best_seconds(
        rounds,
        lambda: [
            crypto.rolling_proximity_identifiers(key.key_data, key.rolling_start_interval_number) for key in sample
        ],
    )
    return {
        "keys": len(keys),
        "observed_rpis": len(index),
        "planted_contacts_found": len(planted) - len(missing),
        "match_seconds": round(match_seconds, 3),
        "keys_matched_per_second": round(len(keys) / match_seconds),
        "keys_derived_per_second": round(len(keys) / derive_seconds),
        "keys_matched_per_cpu_second": round(len(keys) / max(match_cpu, 1e-9)),
        "keys_derived_per_cpu_second": round(len(keys) / max(derive_cpu, 1e-9)),
        "keys_derived_plain_per_second": round(len(sample) / plain_seconds),
        "key_index_build_seconds": round(index_build_seconds, 3),
        "key_index_match_ms_per_phone": round(index_match_seconds * 1000, 2),
    }


@measurement("export")
def measure_export(options: dict[str, Any]) -> dict[str, Any]:
    rng = random.Random(options.get("seed", 1))
    total = max(1, int(options.get("export_keys") or 100_000))
    rounds = int(options.get("rounds") or 2)
    keys = _random_keys(rng, total)
    signing_key = export.generate_signing_key("452", "v1")
    public_keys = export.load_public_keys(export.public_key_line(signing_key))
    chunks = [keys[start : start + export.MAX_KEYS_PER_FILE] for start in range(0, total, export.MAX_KEYS_PER_FILE)]

    def write_all() -> list[bytes]:
        return [
            export.write_export_zip(
                ExportBatch("VN-22", number, len(chunks), 1_630_454_400, 1_630_540_800, chunk), [signing_key]
            )
            for number, chunk in enumerate(chunks, start=1)
        ]

    write_seconds, files = _best_seconds(rounds, write_all)
    assert isinstance(files, list)
    read_seconds, batches = _best_seconds(rounds, lambda: [export.read_export_zip(data, public_keys) for data in files])
    assert isinstance(batches, list)
    read_back = sum(len(batch.keys) for batch in batches)
    if read_back != total or batches[0].keys[0] != keys[0]:
        raise AssertionError("export files did not read back the keys written")
    return {
        "export_keys": total,
        "export_files": len(files),
        "export_bytes": sum(len(data) for data in files),
        "export_write_keys_per_second": round(total / write_seconds),
        "export_read_keys_per_second": round(total / read_seconds),
        "export_keys_per_second": round(total / (write_seconds + read_seconds)),
    }


def run(options: dict[str, Any]) -> dict[str, Any]:
    selected = options.get("only") or list(MEASUREMENTS)
    unknown = [name for name in selected if name not in MEASUREMENTS]
    if unknown:
        raise ValueError(f"unknown measurement {unknown[0]!r}; known: {', '.join(MEASUREMENTS)}")
    figures: dict[str, Any] = {}
    for name in selected:
        figures.update(MEASUREMENTS[name](options))
    return figures


register(
    Benchmark(
        name="exposure",
        help="Exposure Notification: keys matched/s by a phone, derivation baseline, export files written+read/s",
        add_arguments=_arguments,
        run=run,
    )
)
