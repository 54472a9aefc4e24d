"""The quarantine screens' forms: shape only; quarantine.services decides validity."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from phongdich.quarantine.models import (
    DeliveryMethod,
    FacilityKind,
    OrderKind,
    OrderReason,
    OrderStatus,
)
from phongdich.web.forms import DATE_INPUT_FORMATS, DateInput
from phongdich.web.lookups import GroupedChoices

SYMPTOM_CHOICES = [
    ("fever", _("Fever")),
    ("cough", _("Cough")),
    ("sore_throat", _("Sore throat")),
    ("fatigue", _("Fatigue")),
    ("loss_of_smell", _("Loss of smell or taste")),
    ("headache", _("Headache")),
    ("chest_pain", _("Chest pain")),
    ("diarrhoea", _("Diarrhoea")),
]


class FacilityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=FacilityKind.choices)
    commune = forms.ChoiceField(label=_("Commune"))
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    price_per_day = forms.DecimalField(
        label=_("Price per day (VND)"), max_digits=12, decimal_places=0, min_value=0, required=False
    )

    def __init__(self, *args: Any, communes: GroupedChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commune"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = communes


class RoomsForm(forms.Form):
    room = forms.CharField(label=_("Room"), max_length=40)
    beds = forms.IntegerField(label=_("Beds"), min_value=1, max_value=50, initial=4)
    floor = forms.CharField(label=_("Floor"), max_length=20, required=False)


class AdmitForm(forms.Form):
    citizen_id = forms.CharField(
        label=_("Citizen ID (CCCD/CMND)"),
        max_length=12,
        help_text=_("A person with an active quarantine order; officers may admit a person of their area directly."),
    )
    bed = forms.ChoiceField(label=_("Bed"))
    reason = forms.ChoiceField(
        label=_("Reason, if there is no order yet"), choices=OrderReason.choices, initial="other"
    )

    def __init__(self, *args: Any, beds: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["bed"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = beds


class TransferForm(forms.Form):
    admission = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    bed = forms.ChoiceField(label=_("To bed"))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, beds: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["bed"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = beds


class OrderFilterForm(forms.Form):
    commune = forms.ChoiceField(label=_("Commune"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *OrderStatus.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *OrderKind.choices])
    q = forms.CharField(label=_("Order number or citizen ID"), max_length=40, required=False)

    def __init__(self, *args: Any, communes: GroupedChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commune"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All communes")), *communes]


class OrderForm(forms.Form):
    person = forms.IntegerField(label=_("Person (registry id)"), min_value=1)
    reason = forms.ChoiceField(label=_("Reason"), choices=OrderReason.choices)
    start = forms.DateField(
        label=_("Start (day 1)"), input_formats=DATE_INPUT_FORMATS, widget=DateInput(), required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("As the policy says")), *OrderKind.choices]
    )
    planned_end = forms.DateField(
        label=_("Planned end"), input_formats=DATE_INPUT_FORMATS, widget=DateInput(), required=False
    )
    place = forms.CharField(label=_("Place of quarantine"), max_length=255, required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DeliveryForm(forms.Form):
    method = forms.ChoiceField(label=_("How"), choices=DeliveryMethod.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ChangeForm(forms.Form):
    planned_end = forms.DateField(label=_("Planned end"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    reason = forms.CharField(label=_("Why"), max_length=500)


class EndForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=500)
    cancel = forms.BooleanField(label=_("Issued by mistake (cancel)"), required=False)


class HealthCheckForm(forms.Form):
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"),
        max_digits=4,
        decimal_places=1,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    spo2 = forms.IntegerField(
        label=_("SpO₂ (%)"), required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms"), choices=SYMPTOM_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    breathing_difficulty = forms.BooleanField(label=_("Difficulty breathing"), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ResolveForm(forms.Form):
    alert = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    resolution = forms.CharField(label=_("What was done"), max_length=500)


class PolicyForm(forms.Form):
    """A new policy version: a name, a start date, and one row per reason and vaccination status."""

    name = forms.CharField(label=_("Name"), max_length=200)
    valid_from = forms.DateField(label=_("In force from"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    notes = forms.CharField(label=_("Notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, rows: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for reason, protection in rows:
            prefix = f"{reason}__{protection}"
            self.fields[f"{prefix}__kind"] = forms.ChoiceField(label=_("Kind"), choices=OrderKind.choices)
            self.fields[f"{prefix}__days"] = forms.IntegerField(label=_("Days"), min_value=1, max_value=60)
            self.fields[f"{prefix}__self_monitoring_days"] = forms.IntegerField(
                label=_("Self-monitoring days"), min_value=0, max_value=60, initial=0
            )
            self.fields[f"{prefix}__test_days"] = forms.CharField(
                label=_("Testing days"), max_length=60, required=False, help_text=_("Day numbers, e.g. 1, 7")
            )

    def rule_rows(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [
            (reason, protection, [self[f"{reason}__{protection}__{name}"] for name in RULE_FIELDS])
            for reason, protection in self.rows
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for reason, protection in self.rows:
            name = f"{reason}__{protection}__test_days"
            text = cleaned.get(name) or ""
            try:
                cleaned[name] = sorted({int(part) for part in text.replace(";", ",").split(",") if part.strip()})
            except ValueError:
                self.add_error(name, _("Day numbers separated by commas."))
        return cleaned


RULE_FIELDS = ("kind", "days", "self_monitoring_days", "test_days")
