"""The venue screens' forms. They check shape only; venues.services decides what is valid and says why."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from phongdich.geo.models import AdministrativeUnit
from phongdich.venues.models import SafetyChecklist, VenueKind, VenueStatus
from phongdich.venues.services import MAX_CAPACITY, MAX_PLAN_BYTES, VenueInput
from phongdich.web.lookups import GroupedChoices


def all_commune_choices() -> GroupedChoices:
    """Every commune of the province, grouped by district (operators are not tied to a territory)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for commune in AdministrativeUnit.objects.communes().select_related("parent").order_by("path"):
        district = commune.parent.name if commune.parent else ""
        groups.setdefault(district, []).append((commune.code, commune.name))
    return list(groups.items())


class VenueForm(forms.Form):
    name = forms.CharField(label=_("Venue name"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=VenueKind.choices)
    commune = forms.ChoiceField(label=_("Commune"))
    address = forms.CharField(label=_("Address"), max_length=255)
    capacity = forms.IntegerField(
        label=_("Capacity (people at once)"), required=False, min_value=1, max_value=MAX_CAPACITY
    )
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)

    def __init__(self, *args: Any, communes: GroupedChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commune"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose the commune")), *communes]

    def venue_input(self) -> VenueInput:
        data = {k: v for k, v in self.cleaned_data.items() if k in VenueInput.__dataclass_fields__ and v is not None}
        return VenueInput(**data)


class SignUpForm(VenueForm):
    full_name = forms.CharField(label=_("Your full name"), max_length=150)
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(label=_("Password"), min_length=8, max_length=128, widget=forms.PasswordInput)

    field_order = ("full_name", "username", "email", "password")


class VenueSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *VenueStatus.choices])
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All")), *VenueKind.choices])
    commune = forms.ChoiceField(label=_("Commune"), required=False)

    def __init__(self, *args: Any, communes: GroupedChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commune"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All communes")), *communes]

    def criteria(self) -> dict[str, str]:
        if not self.is_valid():
            return {"query": "", "status": "", "kind": "", "commune": ""}
        data = self.cleaned_data
        return {"query": data["q"].strip(), "status": data["status"], "kind": data["kind"], "commune": data["commune"]}


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(VenueStatus.ACTIVE, ""), (VenueStatus.SUSPENDED, ""), (VenueStatus.CLOSED, "")]
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=255)


class SafetyForm(forms.Form):
    """One yes/no question per criterion of the checklist in use."""

    def __init__(self, *args: Any, checklist: SafetyChecklist, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in checklist.criteria:
            self.fields[f"c_{criterion['key']}"] = forms.TypedChoiceField(
                label=criterion.get("label", criterion["key"]),
                choices=[("yes", _("Yes")), ("no", _("No"))],
                coerce=lambda value: value == "yes",
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[str, Any]:
        return {name.removeprefix("c_"): value for name, value in self.cleaned_data.items()}


class PlanForm(forms.Form):
    file = forms.FileField(
        label=_("Response plan (PDF, at most 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_PLAN_BYTES:
            raise forms.ValidationError(_("A file of at most 10 MB."))
        return upload
