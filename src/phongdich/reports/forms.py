"""The forms of the daily report and of a directive."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from phongdich.reports import directives
from phongdich.reports.models import FIGURES


class DailyReportForm(forms.Form):
    """One field per figure (whole numbers, checked again by the service) and the difficulties."""

    difficulties = forms.CharField(
        label=_("Difficulties and proposals"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        figures: dict[str, forms.Field] = {}
        for name, label in FIGURES:
            # Not min_value: the service names a negative figure itself, the same way for the API and the screen.
            figures[name] = forms.IntegerField(
                label=str(label),
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "step": 1}),
            )
        self.fields = {**figures, **self.fields}


class DirectiveForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=directives.TITLE_MAX)
    body = forms.CharField(
        label=_("Text"), required=False, max_length=directives.BODY_MAX, widget=forms.Textarea(attrs={"rows": 8})
    )
    units = forms.MultipleChoiceField(
        label=_("Recipient units"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    all_communes_of = forms.MultipleChoiceField(
        label=_("All communes of these districts"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    acknowledge_within_hours = forms.IntegerField(
        label=_("Acknowledge within (hours)"),
        initial=directives.DEFAULT_ACK_HOURS,
        min_value=1,
        max_value=directives.MAX_ACK_HOURS,
    )
    attachment = forms.FileField(
        label=_("Attachment"),
        required=False,
        help_text=_("PDF, Word (DOCX), Excel (XLSX), PNG or JPEG, at most 10 MB."),
    )
    request_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: object,
        unit_choices: list[tuple[str, object]] | None = None,
        district_choices: list[tuple[str, str]] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        units = self.fields["units"]
        assert isinstance(units, forms.MultipleChoiceField)
        units.choices = unit_choices or []
        districts = self.fields["all_communes_of"]
        assert isinstance(districts, forms.MultipleChoiceField)
        districts.choices = district_choices or []


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=directives.NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
