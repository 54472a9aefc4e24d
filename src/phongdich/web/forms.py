"""The screens' forms. They check shape only; the services decide what is valid and say why."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.accounts.models import ApiToken
from phongdich.audit.models import AuditAction
from phongdich.people.models import Person, Sex
from phongdich.people.services import PersonInput
from phongdich.web.lookups import GroupedChoices

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Name (with or without diacritics), citizen ID or phone"),
                "autocomplete": "off",
            }
        ),
    )
    commune = forms.ChoiceField(label=_("Commune"), required=False)

    def __init__(self, *args: Any, communes: GroupedChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commune"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All communes")), *communes]

    def criteria(self) -> dict[str, str]:
        if not self.is_valid():
            return {"q": "", "commune": ""}
        return {"q": self.cleaned_data["q"].strip(), "commune": self.cleaned_data["commune"]}


class PersonForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    date_of_birth = forms.DateField(label=_("Date of birth"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    citizen_id = forms.CharField(
        label=_("Citizen ID (CCCD/CMND)"),
        required=False,
        max_length=20,
        help_text=_("12-digit CCCD or 9-digit CMND. Leave empty if unknown."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "placeholder": "0912 345 678"}),
    )
    home_commune = forms.ChoiceField(label=_("Home commune"))
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=255,
        help_text=_("House number, street, hamlet (thôn/khu)."),
    )
    household = forms.CharField(
        label=_("Household code"),
        required=False,
        max_length=24,
        help_text=_("Leave empty if the person belongs to no registered household."),
    )

    def __init__(self, *args: Any, communes: GroupedChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["home_commune"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose a commune")), *communes]
        options = [code for _group, items in communes for code, _name in items]
        if len(options) == 1 and not self.is_bound and "home_commune" not in self.initial:
            self.initial["home_commune"] = options[0]

    @staticmethod
    def initial_for(person: Person) -> dict[str, Any]:
        return {
            "full_name": person.full_name,
            "sex": person.sex,
            "date_of_birth": person.date_of_birth,
            "citizen_id": person.citizen_id or "",
            "phone": person.phone,
            "home_commune": person.home_commune.code,
            "address": person.address,
            "household": person.household.code if person.household else "",
        }

    def to_input(self) -> PersonInput:
        data = self.cleaned_data
        return PersonInput(
            full_name=data["full_name"],
            sex=data["sex"],
            date_of_birth=data["date_of_birth"],
            citizen_id=data["citizen_id"],
            phone=data["phone"],
            home_commune=data["home_commune"],
            address=data["address"],
            household=data["household"],
        )


class ContactForm(forms.Form):
    """What citizens may correct on their own record."""

    phone = PersonForm.base_fields["phone"]
    address = PersonForm.base_fields["address"]

    def to_input(self) -> PersonInput:
        return PersonInput(phone=self.cleaned_data["phone"], address=self.cleaned_data["address"])


class MergeForm(forms.Form):
    duplicate_id = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label=_("Account"), required=False, max_length=150)
    object_type = forms.CharField(
        label=_("Record type"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "person"}),
    )
    object_id = forms.CharField(label=_("Record id"), required=False, max_length=40)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("Any action")), *AuditAction.choices])
    since = forms.DateField(label=_("From"), required=False, input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    until = forms.DateField(label=_("To"), required=False, input_formats=DATE_INPUT_FORMATS, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data


class TokenForm(forms.Form):
    label = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Say what uses it, e.g. “Lab tablet 2”."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ApiToken.Kind.choices, initial=ApiToken.Kind.USER)
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=DateInput(),
        help_text=_("The token stops working at the end of this day. Leave empty for no expiry."),
    )

    def expires_at(self) -> dt.datetime | None:
        """The end of the chosen day in the installation's time zone."""
        day: dt.date | None = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
