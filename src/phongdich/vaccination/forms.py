"""The vaccination screens' forms: shape only; vaccination.services decides validity."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.vaccination.imports import MAX_BYTES
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


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV (UTF-8) or XLSX file, at most 5 MB"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    accept_valid_rows = forms.BooleanField(
        label=_("Import the valid rows even if other rows have errors"), required=False
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("A file of at most 5 MB."))
        return upload
