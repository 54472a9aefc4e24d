"""The case screens' forms: shape only; cases.services decides validity."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from phongdich.cases.models import CarePlace, CaseStatus, ClinicalStatus, DetectedIn, Outcome
from phongdich.cases.services import IMPORTED
from phongdich.testing.forms import DATETIME_INPUT_FORMATS, DateTimeInput
from phongdich.web.forms import DATE_INPUT_FORMATS, DateInput
from phongdich.web.lookups import GroupedChoices


class CaseSearchForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=20, required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *CaseStatus.choices], initial=CaseStatus.ACTIVE
    )
    detected_in = forms.ChoiceField(
        label=_("Where detected"),
        required=False,
        choices=[("", _("All")), *DetectedIn.choices, (IMPORTED, _("Imported (from another province or abroad)"))],
    )
    commune = forms.ChoiceField(label=_("Commune"), required=False)

    def __init__(self, *args: Any, communes: GroupedChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commune"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All communes")), *communes]


class CaseUpdateForm(forms.Form):
    clinical_status = forms.ChoiceField(label=_("Clinical status"), choices=ClinicalStatus.choices)
    care_place = forms.ChoiceField(label=_("Place of care"), choices=CarePlace.choices)
    facility_name = forms.CharField(label=_("Facility"), max_length=200, required=False)
    bed = forms.CharField(label=_("Bed"), max_length=40, required=False)
    detected_in = forms.ChoiceField(label=_("Where detected"), choices=DetectedIn.choices)
    onset_date = forms.DateField(
        label=_("Onset of symptoms"), input_formats=DATE_INPUT_FORMATS, widget=DateInput(), required=False
    )
    sampled_on = forms.DateField(label=_("Sampled on"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    isolated_at = forms.DateTimeField(
        label=_("Isolated at"), input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeInput(), required=False
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    outcome_date = forms.DateField(
        label=_("Outcome date"), input_formats=DATE_INPUT_FORMATS, widget=DateInput(), required=False
    )
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CaseOpenForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    sampled_on = forms.DateField(label=_("Sampled on"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    onset_date = forms.DateField(
        label=_("Onset of symptoms"), input_formats=DATE_INPUT_FORMATS, widget=DateInput(), required=False
    )
    detected_in = forms.ChoiceField(label=_("Where detected"), choices=DetectedIn.choices)
    clinical_status = forms.ChoiceField(label=_("Clinical status"), choices=ClinicalStatus.choices)
    care_place = forms.ChoiceField(label=_("Place of care"), choices=CarePlace.choices)
    facility_name = forms.CharField(label=_("Facility"), max_length=200, required=False)
    bed = forms.CharField(label=_("Bed"), max_length=40, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ClusterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    commune = forms.ChoiceField(label=_("Commune"))
    code = forms.CharField(label=_("Code"), max_length=40, required=False, help_text=_("Empty: generated."))
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, communes: GroupedChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commune"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose the commune")), *communes]


class LinkCaseForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=20)
