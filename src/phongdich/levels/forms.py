"""The levels screens' forms: shape only; levels.services decides validity."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from phongdich.levels.models import CoverageMeasure, LevelRuleSet, MeasureKind
from phongdich.levels.services import RuleSetInput, measures_of
from phongdich.venues.models import VenueKind
from phongdich.web.forms import DATE_INPUT_FORMATS, DateInput

BANDS = (1, 2, 3, 4)
CONDITION_ROWS = 3
LEVELS = (1, 2, 3, 4)


class PublishForm(forms.Form):
    effective_at = forms.DateTimeField(
        label=_("In effect from"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now. Raising a level needs 48 hours' notice from the approval."),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class CapacityForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"))
    capacity_met = forms.TypedChoiceField(
        label=_("Treatment capacity"),
        choices=[("yes", _("Met")), ("no", _("Not met"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    treatment_beds = forms.IntegerField(label=_("COVID treatment beds"), min_value=0, required=False)
    free_beds = forms.IntegerField(label=_("Free treatment beds"), min_value=0, required=False)
    icu_beds = forms.IntegerField(label=_("Intensive care beds"), min_value=0, required=False)
    home_care_capacity = forms.IntegerField(label=_("Cases that can be cared for at home"), min_value=0, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = units


class RuleSetForm(forms.Form):
    """Every number of a rule set: four bands by their upper edges, up to three coverage conditions, the
    combination table and the measures by kind of venue and level."""

    name = forms.CharField(label=_("Name"), max_length=200)
    valid_from = forms.DateField(label=_("Valid from"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    source_note = forms.CharField(
        label=_("Source of the numbers"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    window_days = forms.IntegerField(label=_("Days counted"), min_value=1, max_value=28, initial=7)
    per_population = forms.IntegerField(label=_("Per population of"), min_value=1, initial=100_000)
    count_severe_and_deaths = forms.BooleanField(
        label=_("Count patients on oxygen (severe, critical) and deaths with the community cases"), required=False
    )
    capacity_raises_level = forms.BooleanField(
        label=_("Capacity not met raises the level by one"), required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for band in BANDS:
            self.fields[f"lower_{band}"] = forms.FloatField(label=_("Band %(band)d from") % {"band": band}, min_value=0)
            if band != BANDS[-1]:
                self.fields[f"upper_{band}"] = forms.FloatField(
                    label=_("Band %(band)d below") % {"band": band}, min_value=0
                )
            self.fields[f"met_{band}"] = forms.IntegerField(label=_("Coverage met"), min_value=1, max_value=4)
            self.fields[f"not_met_{band}"] = forms.IntegerField(label=_("Coverage not met"), min_value=1, max_value=4)
        for row in range(CONDITION_ROWS):
            self.fields[f"age_from_{row}"] = forms.IntegerField(label=_("From age"), required=False, min_value=0)
            self.fields[f"age_to_{row}"] = forms.IntegerField(label=_("To age"), required=False, min_value=0)
            self.fields[f"measure_{row}"] = forms.ChoiceField(
                label=_("Measure"), choices=[("", "—"), *CoverageMeasure.choices], required=False
            )
            self.fields[f"min_share_{row}"] = forms.FloatField(label=_("Minimum share"), required=False)
        for kind in VenueKind.values:
            for level in LEVELS:
                self.fields[f"measure_{kind}_{level}"] = forms.ChoiceField(
                    label=f"{kind} {level}", choices=MeasureKind.choices, initial=MeasureKind.OPEN
                )

    # Rows for the template.
    def band_rows(self) -> list[tuple[int, Any, Any, Any, Any]]:
        return [
            (
                band,
                self[f"lower_{band}"],
                self[f"upper_{band}"] if band != BANDS[-1] else None,
                self[f"met_{band}"],
                self[f"not_met_{band}"],
            )
            for band in BANDS
        ]

    def condition_rows(self) -> list[tuple[Any, Any, Any, Any]]:
        return [
            (self[f"age_from_{r}"], self[f"age_to_{r}"], self[f"measure_{r}"], self[f"min_share_{r}"])
            for r in range(CONDITION_ROWS)
        ]

    def measure_rows(self) -> list[tuple[str, list[Any]]]:
        labels = dict(VenueKind.choices)
        return [(str(labels[kind]), [self[f"measure_{kind}_{level}"] for level in LEVELS]) for kind in VenueKind.values]

    @staticmethod
    def initial_from(rule_set: LevelRuleSet) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": rule_set.name,
            "valid_from": rule_set.valid_from,
            "notes": rule_set.notes,
            "source_note": rule_set.source_note,
            "window_days": rule_set.window_days,
            "per_population": rule_set.per_population,
            "count_severe_and_deaths": rule_set.count_severe_and_deaths,
            "capacity_raises_level": rule_set.capacity_raises_level,
        }
        for row in rule_set.bands:
            band = int(row["band"])
            initial[f"lower_{band}"] = row["lower"]
            if row.get("upper") is not None:
                initial[f"upper_{band}"] = row["upper"]
        for band, levels in rule_set.combination.items():
            initial[f"met_{band}"] = levels["met"]
            initial[f"not_met_{band}"] = levels["not_met"]
        for index, condition in enumerate(rule_set.coverage_conditions[:CONDITION_ROWS]):
            initial[f"age_from_{index}"] = condition["age_from"]
            initial[f"age_to_{index}"] = condition.get("age_to")
            initial[f"measure_{index}"] = condition["measure"]
            initial[f"min_share_{index}"] = condition["min_share"]
        for kind, by_level in measures_of(rule_set).items():
            for level, measure in by_level.items():
                initial[f"measure_{kind}_{level}"] = measure
        return initial

    def to_input(self) -> RuleSetInput:
        data = self.cleaned_data
        bands = [{"band": band, "lower": data[f"lower_{band}"], "upper": data.get(f"upper_{band}")} for band in BANDS]
        conditions = [
            {
                "age_from": data[f"age_from_{r}"],
                "age_to": data[f"age_to_{r}"],
                "measure": data[f"measure_{r}"],
                "min_share": data[f"min_share_{r}"],
            }
            for r in range(CONDITION_ROWS)
            if data.get(f"measure_{r}")
        ]
        return RuleSetInput(
            name=data["name"],
            valid_from=data["valid_from"],
            notes=data["notes"],
            source_note=data["source_note"],
            window_days=data["window_days"],
            per_population=data["per_population"],
            count_severe_and_deaths=data["count_severe_and_deaths"],
            capacity_raises_level=data["capacity_raises_level"],
            bands=bands,
            coverage_conditions=conditions,
            combination={str(band): {"met": data[f"met_{band}"], "not_met": data[f"not_met_{band}"]} for band in BANDS},
            measures={
                kind: {str(level): data[f"measure_{kind}_{level}"] for level in LEVELS} for kind in VenueKind.values
            },
        )


def error_field_name(field: str) -> str:
    """A service's field name ("bands[1].lower", "coverage_conditions[0].min_share", "combination.2.met") as the
    form's field."""
    if field.startswith("bands["):
        index = int(field[6 : field.index("]")])
        part = field.rsplit(".", 1)[-1]
        return f"{'upper' if part == 'upper' else 'lower'}_{index + 1}"
    if field.startswith("coverage_conditions["):
        index = int(field[20 : field.index("]")])
        part = field.rsplit(".", 1)[-1]
        return f"{part if part != 'measure' else 'measure'}_{index}"
    if field.startswith("combination."):
        _prefix, band, key = ([*field.split("."), "", ""])[:3]
        return f"{key}_{band}"
    return field
