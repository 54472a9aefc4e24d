"""The checkpoint screens' forms (shape only: checkpoints.services decides validity) and the entry rule editor.

The rule editor shows one row per rule: the yes/no conditions as a checkbox (the condition is set) and a yes/no
choice, the numbers as number inputs, the evidence as a choice, then the decision and the reason. Its rows are
read back from the posted fields ``rules-<i>-<name>``; rows are added, removed and moved by submitting the form
(no script needed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phongdich.checkpoints.models import DecisionKind, Directions, EvidenceKind
from phongdich.checkpoints.rules import CONDITIONS, REASON_MAX
from phongdich.core.errors import FieldError
from phongdich.testing.forms import DATETIME_INPUT_FORMATS, DateTimeInput
from phongdich.web.lookups import GroupedChoices

BOOL_CONDITIONS = [name for name, (kind, _test) in CONDITIONS.items() if kind is bool]
NUMBER_CONDITIONS = [name for name, (kind, _test) in CONDITIONS.items() if kind is int]
MAX_ROWS = 50


class CheckpointForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        help_text=gettext_lazy("Letters, digits and dashes, e.g. cau-bach-dang. It cannot be changed later."),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    commune = forms.ChoiceField(label=gettext_lazy("Commune"))
    directions = forms.ChoiceField(label=gettext_lazy("Directions"), choices=Directions.choices)
    officers = forms.MultipleChoiceField(
        label=gettext_lazy("Officers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Active checkpoint officers who work at this checkpoint."),
    )
    active = forms.BooleanField(
        label=gettext_lazy("Open (a closed checkpoint takes no scans)"), required=False, initial=True
    )

    def __init__(
        self,
        *args: Any,
        communes: GroupedChoices,
        officers: list[tuple[str, str]],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        commune = self.fields["commune"]
        assert isinstance(commune, forms.ChoiceField)
        commune.choices = [("", "—"), *communes]
        chosen = self.fields["officers"]
        assert isinstance(chosen, forms.MultipleChoiceField)
        chosen.choices = officers
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = ""


class ShiftForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Starts at (local time)"), input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeInput()
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Ends at (local time)"), input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeInput()
    )
    officers = forms.MultipleChoiceField(
        label=gettext_lazy("Officers on the shift"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, officers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = self.fields["officers"]
        assert isinstance(chosen, forms.MultipleChoiceField)
        chosen.choices = officers


class RuleSetForm(forms.Form):
    """The rule set's name and start; its rules are the editor's rows."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    valid_from = forms.DateTimeField(
        label=gettext_lazy("In force from (local time)"), input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeInput()
    )


# --- Rules in words ---------------------------------------------------------------------------------------------


def condition_labels() -> dict[str, str]:
    """Each condition's name on the screen (the editor's column heads)."""
    return {
        "invalid": _("Code not valid"),
        "in_quarantine": _("Under a quarantine order"),
        "symptoms": _("Declared symptoms"),
        "contact_f0_f1": _("Contact with an F0 or F1"),
        "from_lockdown": _("From a lockdown zone"),
        "protected": _("Fully vaccinated, recovered or released"),
        "released": _("Released from quarantine"),
        "from_level_at_least": _("From an area at level at least"),
        "negative_test_within_hours": _("Negative test within (hours)"),
        "evidence": _("Evidence shown"),
    }


def describe_condition(name: str, value: Any) -> str:
    """One condition of a rule in words, e.g. "from an area at level 3 or higher"."""
    yes_no = {
        "invalid": (_("the code is not valid"), _("the code is valid")),
        "in_quarantine": (_("under an active quarantine order"), _("not under a quarantine order")),
        "symptoms": (_("declared symptoms"), _("no declared symptoms")),
        "contact_f0_f1": (_("contact with an F0 or F1"), _("no contact with an F0 or F1")),
        "from_lockdown": (_("comes from a lockdown zone"), _("does not come from a lockdown zone")),
        "protected": (
            _("fully vaccinated, recovered or released from quarantine"),
            _("not vaccinated, recovered or released from quarantine"),
        ),
        "released": (_("released from quarantine"), _("not released from quarantine")),
    }
    if name in yes_no:
        return yes_no[name][0 if value else 1]
    if name == "from_level_at_least":
        return _("comes from an area at level %(level)s or higher") % {"level": value}
    if name == "negative_test_within_hours":
        return _("a negative test within %(hours)s hours") % {"hours": value}
    if name == "evidence":
        label = dict(EvidenceKind.choices).get(str(value), str(value))
        return _("shows: %(evidence)s") % {"evidence": label}
    return f"{name} = {value}"


@dataclass(frozen=True)
class RuleText:
    number: int
    conditions: list[str]
    decision: str
    decision_label: str
    reason: str


def describe_rules(rule_list: list[dict[str, Any]]) -> list[RuleText]:
    """A rule set as the screen shows it: numbered rules, conditions in words, the decision and the reason."""
    rows = []
    decisions = dict(DecisionKind.choices)
    for index, rule in enumerate(rule_list):
        when: dict[str, Any] = rule.get("when") or {}
        decision = str(rule.get("decision") or "")
        rows.append(
            RuleText(
                number=index + 1,
                conditions=[describe_condition(name, value) for name, value in when.items()],
                decision=decision,
                decision_label=str(decisions.get(decision, decision)),
                reason=_(str(rule.get("reason") or "")) if rule.get("reason") else "",
            )
        )
    return rows


# --- The editor's rows --------------------------------------------------------------------------------------------


@dataclass
class RuleRow:
    """One row of the editor as typed (strings), with the errors the service named for it."""

    set_flags: dict[str, bool] = field(default_factory=dict)  # bool condition -> set
    flag_values: dict[str, bool] = field(default_factory=dict)  # bool condition -> true/false
    numbers: dict[str, str] = field(default_factory=dict)  # number condition -> text typed
    evidence: str = ""
    decision: str = ""
    reason: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_rule(cls, rule: dict[str, Any]) -> RuleRow:
        when: dict[str, Any] = rule.get("when") or {}
        row = cls(decision=str(rule.get("decision") or ""), reason=str(rule.get("reason") or ""))
        for name in BOOL_CONDITIONS:
            row.set_flags[name] = name in when
            row.flag_values[name] = bool(when.get(name, True))
        for name in NUMBER_CONDITIONS:
            row.numbers[name] = str(when[name]) if name in when else ""
        row.evidence = str(when.get("evidence") or "")
        return row

    @classmethod
    def from_post(cls, data: QueryDict, index: int) -> RuleRow:
        prefix = f"rules-{index}-"
        row = cls(
            decision=data.get(prefix + "decision", "")[:40],
            reason=data.get(prefix + "reason", "")[: REASON_MAX * 2],
            evidence=data.get(prefix + "evidence", "")[:40],
        )
        for name in BOOL_CONDITIONS:
            row.set_flags[name] = data.get(prefix + name + "-set") == "on"
            row.flag_values[name] = data.get(prefix + name, "true") != "false"
        for name in NUMBER_CONDITIONS:
            row.numbers[name] = data.get(prefix + name, "").strip()[:20]
        return row

    def as_rule(self) -> dict[str, Any]:
        """The rule for ``save_rule_set``: a number that is not a whole number is passed on as typed, for the
        service to name the field."""
        when: dict[str, Any] = {}
        for name in BOOL_CONDITIONS:
            if self.set_flags.get(name):
                when[name] = self.flag_values.get(name, True)
        for name in NUMBER_CONDITIONS:
            text = self.numbers.get(name, "")
            if text:
                when[name] = int(text) if re.fullmatch(r"-?[0-9]{1,9}", text) else text
        if self.evidence:
            when["evidence"] = self.evidence
        return {"when": when, "decision": self.decision, "reason": self.reason}

    @property
    def all_errors(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]


def blank_row() -> RuleRow:
    return RuleRow.from_rule({"when": {}, "decision": DecisionKind.LET_THROUGH, "reason": ""})


def rows_from_post(data: QueryDict) -> list[RuleRow]:
    try:
        count = int(data.get("rules-count", "0"))
    except ValueError:
        count = 0
    return [RuleRow.from_post(data, index) for index in range(max(0, min(count, MAX_ROWS)))]


def apply_row_operation(rows: list[RuleRow], operation: str) -> list[RuleRow]:
    """``add``, ``remove-<i>``, ``up-<i>``, ``down-<i>``: the rows after the button the official pressed."""
    rows = list(rows)
    if operation == "add":
        if len(rows) < MAX_ROWS:
            # Before the last rule, which decides for everyone else.
            rows.insert(max(len(rows) - 1, 0), blank_row())
        return rows
    match = re.fullmatch(r"(remove|up|down)-([0-9]{1,3})", operation)
    if not match:
        return rows
    verb, index = match.group(1), int(match.group(2))
    if not 0 <= index < len(rows):
        return rows
    if verb == "remove" and len(rows) > 1:
        del rows[index]
    elif verb == "up" and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif verb == "down" and index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return rows


_RULE_FIELD = re.compile(r"rules\[([0-9]+)\](?:\.when)?(?:\.([a-z_0-9]+))?")


def place_errors(rows: list[RuleRow], errors: list[FieldError]) -> list[FieldError]:
    """Put each ``rules[i].when.name`` / ``rules[i].decision`` error on its row; return those of no row."""
    rest = []
    for error in errors:
        match = _RULE_FIELD.fullmatch(error.field)
        if match and int(match.group(1)) < len(rows):
            name = match.group(2) or "rule"
            rows[int(match.group(1))].errors.setdefault(name, []).append(error.message)
        else:
            rest.append(error)
    return rest


@dataclass(frozen=True)
class FlagCell:
    name: str
    label: str
    is_set: bool
    value: bool
    errors: list[str]


@dataclass(frozen=True)
class NumberCell:
    name: str
    label: str
    text: str
    errors: list[str]


@dataclass(frozen=True)
class EditorRow:
    """A row ready for the template: its index, its cells and its errors."""

    index: int
    number: int
    flags: list[FlagCell]
    numbers: list[NumberCell]
    evidence: str
    evidence_errors: list[str]
    decision: str
    decision_errors: list[str]
    reason: str
    reason_errors: list[str]
    row_errors: list[str]
    first: bool
    last: bool


def editor_rows(rows: list[RuleRow]) -> list[EditorRow]:
    labels = condition_labels()
    shown = []
    for index, row in enumerate(rows):
        known = {*BOOL_CONDITIONS, *NUMBER_CONDITIONS, "evidence", "decision", "reason"}
        shown.append(
            EditorRow(
                index=index,
                number=index + 1,
                flags=[
                    FlagCell(
                        name,
                        labels[name],
                        row.set_flags.get(name, False),
                        row.flag_values.get(name, True),
                        row.errors.get(name, []),
                    )
                    for name in BOOL_CONDITIONS
                ],
                numbers=[
                    NumberCell(name, labels[name], row.numbers.get(name, ""), row.errors.get(name, []))
                    for name in NUMBER_CONDITIONS
                ],
                evidence=row.evidence,
                evidence_errors=row.errors.get("evidence", []),
                decision=row.decision,
                decision_errors=row.errors.get("decision", []),
                reason=row.reason,
                reason_errors=row.errors.get("reason", []),
                row_errors=[m for name, messages in row.errors.items() if name not in known for m in messages],
                first=index == 0,
                last=index == len(rows) - 1,
            )
        )
    return shown
