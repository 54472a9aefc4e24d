"""The citizen's check-in forms: who is checking in (once per device), and the check-in itself."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from phongdich.core.text import clean_text
from phongdich.people.identity import IdentityError, normalise_citizen_id, normalise_phone


class CheckInForm(forms.Form):
    """The check-in button. The uuid is made when the page is shown, so a resubmission is one visit."""

    uuid = forms.UUIDField(widget=forms.HiddenInput)


class PhoneVisitorForm(CheckInForm):
    """A visitor identified by phone number and name (no registry record needed)."""

    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def clean_phone(self) -> str:
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except IdentityError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_name(self) -> str:
        name = clean_text(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Enter your full name."))
        return name


class CitizenIdVisitorForm(CheckInForm):
    """A visitor identified by the citizen ID (CCCD/CMND) of their registry record."""

    citizen_id = forms.CharField(
        label=_("Citizen ID (CCCD/CMND)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_citizen_id(self) -> str:
        try:
            return normalise_citizen_id(self.cleaned_data["citizen_id"])
        except IdentityError as error:
            raise forms.ValidationError(str(error)) from None


def unbound(form_class: type[CheckInForm], page_uuid: uuid.UUID) -> CheckInForm:
    """An empty form carrying the page's uuid (every form of one page shares it: one visit)."""
    return form_class(initial={"uuid": page_uuid})
