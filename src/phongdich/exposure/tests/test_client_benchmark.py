"""`phongdich bench exposure` runs without a database and checks its own results."""

import json
from io import StringIO

from django.core.management import call_command

from phongdich.exposure import benchmarks


def test_benchmark_is_registered_and_small_run_finds_the_planted_contacts():
    from phongdich.synth.benchmarks import BENCHMARKS

    assert BENCHMARKS["exposure"].run is benchmarks.run
    figures = benchmarks.run({"keys": 600, "observations": 200, "export_keys": 70_000, "rounds": 1, "seed": 3})
    assert figures["keys"] == 600
    assert figures["planted_contacts_found"] == benchmarks.PLANTED_CONTACTS
    assert figures["observed_rpis"] == 200 + benchmarks.PLANTED_CONTACTS
    assert figures["export_files"] == 3  # 70,000 keys in files of at most 30,000
    for name in (
        "keys_matched_per_second",
        "keys_derived_per_second",
        "keys_derived_plain_per_second",
        "keys_matched_per_cpu_second",
        "export_keys_per_second",
    ):
        assert figures[name] > 0


def test_command_prints_json_for_one_measurement():
    out = StringIO()
    arguments = ["exposure", "--only", "matching", "--keys", "300", "--observations", "50", "--json"]
    call_command("bench", *arguments, stdout=out)
    figures = json.loads(out.getvalue())
    assert figures["planted_contacts_found"] == benchmarks.PLANTED_CONTACTS
    assert "export_keys" not in figures
