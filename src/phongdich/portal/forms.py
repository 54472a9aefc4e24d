"""The portal's forms: shape only; the portal services decide validity."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.people.models import Sex
from phongdich.portal.models import FeedbackCategory, SelfTestResult
from phongdich.portal.photos import MAX_BYTES
from phongdich.web.forms import DATE_INPUT_FORMATS, DateInput
from phongdich.web.lookups import GroupedChoices

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "0912 345 678"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code we sent"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}),
    )


class BirthDateForm(forms.Form):
    date_of_birth = forms.DateField(label=_("Date of birth"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())


class RegisterForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    date_of_birth = forms.DateField(label=_("Date of birth"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    citizen_id = forms.CharField(label=_("Citizen ID (CCCD)"), max_length=20, required=False)
    home_commune = forms.ChoiceField(label=_("Home commune"))
    address = forms.CharField(label=_("Address"), max_length=255, required=False)

    def __init__(self, *args: Any, communes: GroupedChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["home_commune"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *communes]


class SelfTestForm(forms.Form):
    uuid = forms.UUIDField(widget=forms.HiddenInput)
    taken_at = forms.DateTimeField(
        label=_("When you took the test"), input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeInput()
    )
    result = forms.ChoiceField(label=_("Result"), choices=SelfTestResult.choices, widget=forms.RadioSelect)
    photo = forms.FileField(
        label=_("Photo of the test"),
        help_text=_("A photo of the test cassette with its lines (at most 5 MB). Its location data is removed."),
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT, "capture": "environment"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["taken_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class FeedbackForm(forms.Form):
    uuid = forms.UUIDField(widget=forms.HiddenInput)
    category = forms.ChoiceField(
        label=_("What do you report?"), choices=FeedbackCategory.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Describe it"),
        # The service refuses more than 2,000 characters with a message; the form lets it through to say so.
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 2000}),
        help_text=_("At most 2,000 characters."),
    )
    commune = forms.ChoiceField(label=_("Commune"), required=False)
    location = forms.CharField(label=_("Place (street, hamlet, landmark)"), max_length=400, required=False)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
    )

    def __init__(self, *args: Any, communes: GroupedChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commune"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("My home commune")), *communes]


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    status = forms.ChoiceField(label=_("Status"))

    def __init__(self, *args: Any, statuses: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = statuses


class FollowUpForm(forms.Form):
    text = forms.CharField(label=_("Add to your feedback"), widget=forms.Textarea(attrs={"rows": 3}))


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=400)
    category = forms.ChoiceField(label=_("Category"))
    summary = forms.CharField(label=_("Summary"), max_length=800, required=False)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            'Plain text: an empty line between paragraphs, "- " for a list item, "## " for a heading, **bold**.'
        ),
    )
    slug = forms.CharField(label=_("Address (optional)"), max_length=120, required=False)
    pinned = forms.BooleanField(label=_("Pinned at the top"), required=False)
    publish = forms.BooleanField(label=_("Published"), required=False)

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *categories]


MAX_UPLOAD = MAX_BYTES


class HotlineForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=240)
    number = forms.CharField(
        label=_("Number"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "placeholder": "0203 3825 868"}),
        help_text=_("Digits, spaces and dots; a + only at the start."),
    )
    unit = forms.ChoiceField(
        label=_("Unit"),
        required=False,
        help_text=_("Whose number it is. Empty: your whole area."),
    )
    hours = forms.CharField(label=_("Hours"), max_length=160, required=False, help_text=_("e.g. 24/7, 7:00–17:00"))
    position = forms.IntegerField(
        label=_("Position"), required=False, min_value=0, help_text=_("Smaller numbers come first.")
    )

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Your whole area")), *units]


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    slug = forms.CharField(
        label=_("Short name in the address"),
        max_length=160,
        required=False,
        help_text=_("Lower-case letters without accents, digits and dashes. Empty: made from the name."),
    )
    position = forms.IntegerField(
        label=_("Position"), required=False, min_value=0, help_text=_("Smaller numbers come first.")
    )
