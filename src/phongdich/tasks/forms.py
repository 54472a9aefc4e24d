"""The form for a task made by hand."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from phongdich.tasks.models import TaskKind


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices, initial=TaskKind.OTHER)
    title = forms.CharField(label=_("Title"), max_length=200)
    due_at = forms.DateTimeField(
        label=_("Due"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        help_text=_("Local time."),
    )
    commune = forms.CharField(
        label=_("Commune code"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"list": "communes"}),
        help_text=_("Leave empty to use the person's home commune."),
    )
    person = forms.IntegerField(label=_("Person (id)"), required=False, min_value=1, max_value=2**63 - 1)
    facility_id = forms.IntegerField(label=_("Facility (id)"), required=False, min_value=1, max_value=2**63 - 1)
    assignee = forms.TypedChoiceField(label=_("Assign to"), required=False, coerce=int, empty_value=None)
    details = forms.CharField(
        label=_("Details"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: object, assignees: list[tuple[int, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["assignee"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Nobody yet")), *(assignees or [])]
