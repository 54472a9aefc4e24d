"""The two shipped rule sets and their measures, as plain data (used by the data migration and the tests).

Sources: Resolution 128/NQ-CP (2021-10-11), Decision 4800/QĐ-BYT (2021-10-12), Decision 218/QĐ-BYT (2022-01-27),
as summarised in public text. [seen] = found in public text; [recalled] = the widely cited value, not re-checked
against the signed decision; [assumed] = not in the reference at all, a placeholder the province must confirm.
Migration 0002 reads this module: treat it as frozen (the province changes its rules as new rule sets, on the
screen or through the API, never here).
"""

from __future__ import annotations

from typing import Any

QD_4800: dict[str, Any] = {
    "name": "QĐ 4800/QĐ-BYT",
    "valid_from": "2021-10-12",
    "notes": "Interim guidance on the safe adaptation to COVID-19 (Resolution 128/NQ-CP).",
    "source_note": (
        "Criterion 1: new community cases per 100,000 per week; bands < 20 [recalled], 20 to < 50 [recalled], "
        "50 to < 150 [recalled], ≥ 150 [seen]. Criterion 2 [recalled]: ≥ 70 % of people aged 18+ with at least "
        "one dose and ≥ 80 % of people aged 65+ fully vaccinated (a September 2021 draft used 50+ [seen]). "
        "Combination [recalled]: band 1 → 1/2, band 2 → 2/3, band 3 → 3/4, band 4 → 4/4 (coverage met / not met). "
        "Criterion 3 [partly seen]: capacity not met raises one level, at most 4. Valid until 2022-01-26."
    ),
    "window_days": 7,
    "per_population": 100_000,
    "count_severe_and_deaths": False,
    "bands": [
        {"band": 1, "lower": 0, "upper": 20},
        {"band": 2, "lower": 20, "upper": 50},
        {"band": 3, "lower": 50, "upper": 150},
        {"band": 4, "lower": 150, "upper": None},
    ],
    "coverage_conditions": [
        {"age_from": 18, "age_to": None, "measure": "first_dose", "min_share": 0.70},
        {"age_from": 65, "age_to": None, "measure": "full_course", "min_share": 0.80},
    ],
    "combination": {
        "1": {"met": 1, "not_met": 2},
        "2": {"met": 2, "not_met": 3},
        "3": {"met": 3, "not_met": 4},
        "4": {"met": 4, "not_met": 4},
    },
    "capacity_raises_level": True,
}

QD_218: dict[str, Any] = {
    "name": "QĐ 218/QĐ-BYT",
    "valid_from": "2022-01-27",
    "notes": (
        "Criterion 1 counts new cases plus patients on oxygen and deaths. The platform counts community cases "
        "confirmed in the week, deaths in the week (case outcome) and cases whose clinical status is now severe or "
        "critical (its nearest record of oxygen), each case once. High-risk people are taken as those aged 65+."
    ),
    "source_note": (
        "[seen in summaries] Criterion 1: new cases plus patients on oxygen and deaths per 100,000 per week; the "
        "'very high' band starts above 600 per 100,000 per week. Lower band edges 0–<150, 150–<300, 300–<600 "
        "[assumed: not in the reference; the province must confirm]. Criterion 2 [seen in summaries]: ≥ 75 % of the "
        "population fully vaccinated and ≥ 90 % of high-risk people fully vaccinated (high-risk as 65+ "
        "[assumed: not in the reference; the province must confirm]). Combination as QĐ 4800 [assumed: not in the "
        "reference; the province must confirm]. Criterion 3 [seen in summaries]: commune home-care capacity, "
        "district free beds per 100,000, province ICU beds — declared per unit as met / not met."
    ),
    "window_days": 7,
    "per_population": 100_000,
    "count_severe_and_deaths": True,
    "bands": [
        {"band": 1, "lower": 0, "upper": 150},
        {"band": 2, "lower": 150, "upper": 300},
        {"band": 3, "lower": 300, "upper": 600},
        {"band": 4, "lower": 600, "upper": None},
    ],
    "coverage_conditions": [
        {"age_from": 0, "age_to": None, "measure": "full_course", "min_share": 0.75},
        {"age_from": 65, "age_to": None, "measure": "full_course", "min_share": 0.90},
    ],
    "combination": {
        "1": {"met": 1, "not_met": 2},
        "2": {"met": 2, "not_met": 3},
        "3": {"met": 3, "not_met": 4},
        "4": {"met": 4, "not_met": 4},
    },
    "capacity_raises_level": True,
}

RULE_SETS = (QD_4800, QD_218)

_SEEN = "Resolution 128/NQ-CP example [seen]"
_FILLED = "Not among Resolution 128's examples: open, with the venue's own safety plan (the province may change it)"

# venue kind -> (measures at levels 1..4, note)
MEASURES: dict[str, tuple[tuple[str, str, str, str], str]] = {
    "hotel": (("open", "open", "restricted", "closed"), _SEEN),
    "tourist_site": (("open", "open", "restricted", "closed"), _SEEN),
    "restaurant": (("open", "open", "open", "restricted"), _SEEN),
    "market": (("open", "open", "open", "restricted"), _SEEN),
    "school": (("open", "restricted", "restricted", "restricted"), _SEEN),
    "factory": (("open", "open", "open", "open"), _SEEN),
    "supermarket": (("open", "open", "open", "open"), _FILLED),
    "shop": (("open", "open", "open", "open"), _FILLED),
    "office": (("open", "open", "open", "open"), _FILLED),
    "clinic": (("open", "open", "open", "open"), _FILLED),
    "pharmacy": (("open", "open", "open", "open"), _FILLED),
    "bus": (("open", "open", "open", "open"), _FILLED),
    "ferry": (("open", "open", "open", "open"), _FILLED),
    "station": (("open", "open", "open", "open"), _FILLED),
    "religious_site": (("open", "open", "open", "open"), _FILLED),
    "event": (("open", "open", "open", "open"), _FILLED),
}
