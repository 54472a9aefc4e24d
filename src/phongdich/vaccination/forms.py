"""The vaccination screens' forms: shape only; vaccination.services decides validity."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.vaccination.services import MAX_DOSES
from phongdich.web.forms import DATE_INPUT_FORMATS, DateInput


class FindPersonForm(forms.Form):
    q = forms.CharField(
        label=_("Citizen ID or phone"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "inputmode": "numeric"}),
    )


class DoseForm(forms.Form):
    dose_number = forms.IntegerField(label=_("Dose number"), min_value=1, max_value=MAX_DOSES)
    product = forms.ChoiceField(label=_("Vaccine"))
    lot = forms.CharField(label=_("Lot number"), max_length=40, required=False)
    date = forms.DateField(label=_("Date given"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    site = forms.CharField(label=_("Vaccination site"), max_length=200, required=False)

    def __init__(self, *args: Any, products: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose the vaccine")), *products]


# --- Sites, sessions, invitation lists, registration --------------------------------------------------


class SiteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    commune = forms.ChoiceField(label=_("Commune"))
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    kind = forms.ChoiceField(label=_("Type"), choices=[("fixed", _("Fixed site")), ("mobile", _("Mobile team"))])
    capacity_per_session = forms.IntegerField(label=_("People per session"), min_value=1, max_value=5000)
    vaccinators = forms.CharField(
        label=_("Vaccinators (user names, separated by commas)"), max_length=1000, required=False
    )

    def __init__(self, *args: Any, communes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commune"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose the commune")), *communes]


class SessionForm(forms.Form):
    date = forms.DateField(label=_("Date"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    start_time = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))
    capacity = forms.IntegerField(label=_("Capacity (empty: the site's)"), min_value=1, max_value=5000, required=False)
    products = forms.MultipleChoiceField(
        label=_("Vaccines offered (none chosen: any)"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, products: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["products"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = products


class RegisterForm(forms.Form):
    q = forms.CharField(
        label=_("Citizen ID or phone"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    walk_in = forms.BooleanField(label=_("Walk-in (came without an appointment)"), required=False)


class SessionDoseForm(forms.Form):
    product = forms.ChoiceField(label=_("Vaccine"))
    lot = forms.CharField(label=_("Lot number"), max_length=40, required=False)

    def __init__(self, *args: Any, products: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = products


class InvitationListForm(forms.Form):
    name = forms.CharField(label=_("Name of the list"), max_length=200)
    unit = forms.ChoiceField(label=_("Area"))
    min_age = forms.IntegerField(label=_("From age"), min_value=0, max_value=130, required=False)
    max_age = forms.IntegerField(label=_("To age"), min_value=0, max_value=130, required=False)
    next_dose = forms.IntegerField(label=_("Invited for dose"), min_value=1, max_value=MAX_DOSES, required=False)
    due_by = forms.DateField(
        label=_("Dose due by (interval rules)"), input_formats=DATE_INPUT_FORMATS, widget=DateInput(), required=False
    )

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose the area")), *units]

    def criteria(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {key: data[key] for key in ("min_age", "max_age", "next_dose", "due_by") if data.get(key) is not None}


class AssignForm(forms.Form):
    sessions = forms.MultipleChoiceField(label=_("Sessions"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, sessions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["sessions"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = sessions
