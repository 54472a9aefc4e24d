"""``phongdich bench quarantine``, run tiny in the test database: the figures are there and agree with the fill."""

from __future__ import annotations

import io

from pypdf import PdfReader

from phongdich.quarantine import benchmarks, services
from phongdich.quarantine.models import AlertKind, HealthCheck, QuarantineAlert, QuarantineOrder
from phongdich.synth.benchmarks import BENCHMARKS


def test_the_benchmark_is_registered_with_its_options():
    assert "quarantine" in BENCHMARKS
    assert BENCHMARKS["quarantine"].run is benchmarks.run_quarantine


def test_sizes_scale_from_the_full_benchmark():
    assert benchmarks.sizes(1.0) == {"orders": 1000, "facilities": 200, "quarantined": 20000, "checks": 1000}
    assert benchmarks.sizes(0.01) == {"orders": 10, "facilities": 2, "quarantined": 200, "checks": 10}


def test_a_tiny_run_measures_the_real_services(units, monkeypatch):
    captured: dict[str, bytes] = {}
    original = services.orders_pdf

    def keep_pdf(*args, **kwargs):
        captured["pdf"] = original(*args, **kwargs)
        return captured["pdf"]

    monkeypatch.setattr(services, "orders_pdf", keep_pdf)

    figures = benchmarks.measure({"scale": 0.01, "repeat": 2})

    assert figures["benchmark"] == "quarantine"
    assert figures["bulk_orders"] == 10
    assert figures["bulk_orders_per_second"] > 0
    assert figures["daily_checks"] == 10 and figures["daily_checks_per_second"] > 0
    assert figures["facility_board_ms"] > 0
    assert figures["facilities"] == 2
    assert figures["people_in_facilities"] == 200
    assert figures["facility_beds"] >= 200
    # The bulk PDF is the commune's ten orders, one page each.
    assert len(PdfReader(io.BytesIO(captured["pdf"])).pages) == 10
    # The checks went through the service: stored, and the first (SpO₂ 94 %, one in fifty) raised its alert.
    assert HealthCheck.objects.count() == 10
    assert QuarantineAlert.objects.filter(kind=AlertKind.DANGER_SIGN).count() == 1
    assert QuarantineOrder.objects.count() == 210

    # A second run replaces the quarantine data and keeps the people.
    again = benchmarks.measure({"scale": 0.01, "repeat": 1})
    assert again["people_in_facilities"] == 200
    assert QuarantineOrder.objects.count() == 210
    assert HealthCheck.objects.count() == 10
