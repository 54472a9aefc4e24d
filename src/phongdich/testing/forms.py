"""The testing screens' forms: shape only; testing.services decides validity."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.testing.models import ResultValue, TestType
from phongdich.venues.models import VenueKind
from phongdich.web.forms import DATE_INPUT_FORMATS, DateInput
from phongdich.web.lookups import GroupedChoices

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _local_now() -> Any:
    return timezone.localtime().replace(second=0, microsecond=0)


class FindPersonForm(forms.Form):
    q = forms.CharField(
        label=_("Citizen ID or phone"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "inputmode": "numeric"}),
    )


class SampleForm(forms.Form):
    """A sample, with its result when it is already known (rapid tests, a lab entering both)."""

    test_type = forms.ChoiceField(label=_("Test type"), choices=TestType.choices)
    taken_at = forms.DateTimeField(label=_("Taken at"), input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeInput())
    commune = forms.ChoiceField(label=_("Commune where taken"), required=False)
    site = forms.CharField(label=_("Sampling site"), max_length=200, required=False)
    lab = forms.CharField(label=_("Laboratory"), max_length=200, required=False)
    result = forms.ChoiceField(
        label=_("Result"), choices=[("", _("Not yet known")), *ResultValue.choices], required=False
    )
    ct_value = forms.DecimalField(label=_("Ct value"), max_digits=5, decimal_places=2, required=False)
    reported_at = forms.DateTimeField(
        label=_("Result reported at"), input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeInput(), required=False
    )

    def __init__(self, *args: Any, communes: GroupedChoices, citizen: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("taken_at", _local_now())
        super().__init__(*args, **kwargs)
        field = self.fields["commune"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("The person's home commune")), *communes]
        if citizen:
            # A citizen reports their own self-test: type and place are fixed.
            for name in ("test_type", "commune", "site", "lab", "ct_value", "reported_at"):
                del self.fields[name]
            result = self.fields["result"]
            assert isinstance(result, forms.ChoiceField)
            result.required = True
            result.choices = list(ResultValue.choices)


class ResultForm(forms.Form):
    sample = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    result = forms.ChoiceField(label=_("Result"), choices=ResultValue.choices)
    ct_value = forms.DecimalField(label=_("Ct value"), max_digits=5, decimal_places=2, required=False)
    reported_at = forms.DateTimeField(
        label=_("Reported at"), input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeInput(), required=False
    )


class RevokeForm(forms.Form):
    result_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class PoolForm(forms.Form):
    commune = forms.ChoiceField(label=_("Commune where taken"))
    code = forms.CharField(label=_("Pool code"), max_length=40, required=False)
    lab = forms.CharField(label=_("Laboratory"), max_length=200, required=False)

    def __init__(self, *args: Any, communes: GroupedChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commune"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose the commune")), *communes]


class PoolMemberForm(forms.Form):
    citizen_id = forms.CharField(label=_("Citizen ID (CCCD/CMND)"), max_length=20)
    taken_at = forms.DateTimeField(label=_("Taken at"), input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("taken_at", _local_now())
        super().__init__(*args, **kwargs)


class PoolResultForm(forms.Form):
    result = forms.ChoiceField(label=_("Pool result"), choices=ResultValue.choices)
    ct_value = forms.DecimalField(label=_("Ct value"), max_digits=5, decimal_places=2, required=False)
    reported_at = forms.DateTimeField(
        label=_("Reported at"), input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeInput(), required=False
    )


class TestSearchForm(forms.Form):
    __test__ = False  # not a pytest test class

    result = forms.ChoiceField(
        label=_("Result"),
        required=False,
        choices=[("", _("All")), *ResultValue.choices, ("none", _("No result yet"))],
    )
    test_type = forms.ChoiceField(label=_("Test type"), required=False, choices=[("", _("All")), *TestType.choices])
    commune = forms.ChoiceField(label=_("Commune"), required=False)

    def __init__(self, *args: Any, communes: GroupedChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commune"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All communes")), *communes]


class ProgramForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    interval_days = forms.IntegerField(label=_("Test every (days)"), min_value=1, max_value=365)
    valid_from = forms.DateField(label=_("From"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    valid_until = forms.DateField(
        label=_("Until"), input_formats=DATE_INPUT_FORMATS, widget=DateInput(), required=False
    )
    test_types = forms.MultipleChoiceField(
        label=_("Tests that count"),
        choices=TestType.choices,
        initial=[TestType.RT_PCR, TestType.ANTIGEN],
        widget=forms.CheckboxSelectMultiple,
    )
    venue_kinds = forms.MultipleChoiceField(
        label=_("For workers of these venue types (none: people enrolled one by one)"),
        choices=VenueKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class EnrolForm(forms.Form):
    program = forms.ChoiceField(label=_("Program"))
    venue = forms.CharField(label=_("Venue code"), max_length=12, required=False)
    citizen_id = forms.CharField(label=_("Citizen ID (CCCD/CMND)"), max_length=20)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), input_formats=DATE_INPUT_FORMATS, widget=DateInput(), required=False
    )
    enrolled_on = forms.DateField(
        label=_("In the program from"), input_formats=DATE_INPUT_FORMATS, widget=DateInput(), required=False
    )

    def __init__(self, *args: Any, programs: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["program"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose the program")), *programs]


class MemberSearchForm(forms.Form):
    program = forms.ChoiceField(label=_("Program"), required=False)
    venue = forms.CharField(label=_("Venue code"), max_length=12, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("due", _("Due or overdue")), ("overdue", _("Overdue")), ("ok", _("Up to date"))],
    )

    def __init__(self, *args: Any, programs: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["program"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All programs")), *programs]
