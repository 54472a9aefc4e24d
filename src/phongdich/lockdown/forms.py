"""The zone form: name, period, communes picked from a list (or by clicking their circles on the map), and the
area drawn on the map (a hidden GeoJSON field the page's drawing tool fills)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from phongdich.testing.forms import DATETIME_INPUT_FORMATS, DateTimeInput


class ZoneForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    starts_at = forms.DateTimeField(label=_("Starts at"), input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeInput())
    ends_at = forms.DateTimeField(
        label=_("Ends at"),
        input_formats=DATETIME_INPUT_FORMATS,
        widget=DateTimeInput(),
        required=False,
        help_text=_("Leave empty while the end is not decided."),
    )
    units = forms.MultipleChoiceField(
        label=_("Communes locked down whole"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Pick from the list or click the communes' circles on the map."),
    )
    area = forms.CharField(widget=forms.HiddenInput(), required=False)

    def __init__(self, *args: Any, communes: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["units"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = communes

    def clean_area(self) -> dict[str, Any] | None:
        text = (self.cleaned_data.get("area") or "").strip()
        if not text:
            return None
        if len(text) > 200_000:
            raise forms.ValidationError(_("The drawn area is too large."))
        try:
            value = json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("The drawn area is not valid GeoJSON.")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The drawn area is not valid GeoJSON."))
        return value


class EndForm(forms.Form):
    ends_at = forms.DateTimeField(
        label=_("Ended at"),
        input_formats=DATETIME_INPUT_FORMATS,
        widget=DateTimeInput(),
        required=False,
        help_text=_("Leave empty for now."),
    )
