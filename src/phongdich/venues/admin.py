"""The province keeps the stay rules and the safety checklist here; venues are managed in the screens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from phongdich.venues.models import RiskClass, SafetyChecklist, StayRule


@admin.register(StayRule)
class StayRuleAdmin(admin.ModelAdmin):
    list_display = ("kind", "minutes")
    list_editable = ("minutes",)


class SafetyChecklistForm(forms.ModelForm):
    class Meta:
        model = SafetyChecklist
        fields = ("version", "title", "criteria", "thresholds", "is_active")

    def clean_criteria(self) -> Any:
        criteria = self.cleaned_data["criteria"]
        if not isinstance(criteria, list) or not criteria:
            raise forms.ValidationError(_("A non-empty list of criteria."))
        keys: set[str] = set()
        for item in criteria:
            if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not item.get("label"):
                raise forms.ValidationError(_('Each criterion needs a "key" and a "label".'))
            weight = item.get("weight", 1)
            if not isinstance(weight, int) or isinstance(weight, bool) or not 0 < weight <= 100:
                raise forms.ValidationError(_("A weight is a whole number from 1 to 100."))
            if item["key"] in keys:
                raise forms.ValidationError(_("Criterion keys must differ: %(key)s.") % {"key": item["key"]})
            keys.add(item["key"])
        return criteria

    def clean_thresholds(self) -> Any:
        thresholds = self.cleaned_data["thresholds"]
        allowed = {RiskClass.SAFE, RiskClass.LOW, RiskClass.MEDIUM, RiskClass.HIGH}
        if not isinstance(thresholds, dict) or set(thresholds) != allowed:
            raise forms.ValidationError(_("Give the lowest score of safe, low, medium and high."))
        values = [thresholds[k] for k in ("safe", "low", "medium", "high")]
        if not all(isinstance(v, int) and 0 <= v <= 100 for v in values) or values != sorted(values, reverse=True):
            raise forms.ValidationError(_("Scores from 0 to 100, decreasing from safe to high."))
        return thresholds


@admin.register(SafetyChecklist)
class SafetyChecklistAdmin(admin.ModelAdmin):
    form = SafetyChecklistForm
    list_display = ("version", "title", "is_active", "created_at")
    list_filter = ("is_active",)

    def get_readonly_fields(self, request: Any, obj: SafetyChecklist | None = None) -> Any:
        # A version that venues answered is history: publish a new version rather than rewrite it.
        if obj is not None and obj.assessments.exists():
            return ("version", "title", "criteria", "thresholds")
        return ()
