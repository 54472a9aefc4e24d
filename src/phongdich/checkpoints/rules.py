"""The entry rules as data: the facts a checkpoint knows about a traveller, the conditions a rule may set on
them, the shipped defaults and their validation.

Defaults: Quảng Ninh's entry rules of autumn 2021 (Công văn of the provincial steering committee, October 2021):
people from level-3/4 areas need a negative RT-PCR test within 72 hours, or a full vaccination course or recovery;
symptoms or contact with an F0/F1 mean a test on the spot; a code that is not valid turns the traveller back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from phongdich.checkpoints.models import DecisionKind
from phongdich.core.errors import FieldError, InvalidInput


@dataclass
class Facts:
    """What the evidence shown says about the traveller (unknown stays None/False)."""

    valid: bool = True
    invalid_reason: str = ""
    evidence_kind: str = ""
    in_quarantine: bool = False
    released: bool = False
    symptoms: bool = False
    contact_f0_f1: bool = False
    from_level: int | None = None
    from_lockdown: bool = False
    vaccinated: bool = False
    recovered: bool = False
    negative_test_hours: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def protected(self) -> bool:
        return self.vaccinated or self.recovered or self.released


# condition name -> (kind of value, test). Every condition of a rule must hold for it to apply.
CONDITIONS: dict[str, tuple[type, Any]] = {
    "invalid": (bool, lambda f, v: (not f.valid) == v),
    "in_quarantine": (bool, lambda f, v: f.in_quarantine == v),
    "symptoms": (bool, lambda f, v: f.symptoms == v),
    "contact_f0_f1": (bool, lambda f, v: f.contact_f0_f1 == v),
    "from_lockdown": (bool, lambda f, v: f.from_lockdown == v),
    "protected": (bool, lambda f, v: f.protected == v),
    "released": (bool, lambda f, v: f.released == v),
    "from_level_at_least": (int, lambda f, v: f.from_level is not None and f.from_level >= v),
    "negative_test_within_hours": (
        int,
        lambda f, v: f.negative_test_hours is not None and f.negative_test_hours <= v,
    ),
    "evidence": (str, lambda f, v: f.evidence_kind == v),
}

REASON_MAX = 300

DEFAULT_RULES: list[dict[str, Any]] = [
    {"when": {"invalid": True}, "decision": "turn_back", "reason": gettext_noop("The code is not valid.")},
    {
        "when": {"in_quarantine": True},
        "decision": "turn_back",
        "reason": gettext_noop("The traveller is under an active quarantine order."),
    },
    {"when": {"symptoms": True}, "decision": "test_on_spot", "reason": gettext_noop("Declared symptoms.")},
    {"when": {"contact_f0_f1": True}, "decision": "test_on_spot", "reason": gettext_noop("Contact with an F0 or F1.")},
    {
        "when": {"from_level_at_least": 3, "negative_test_within_hours": 72},
        "decision": "let_through_notify",
        "reason": gettext_noop("From a level-3/4 area with a negative test within 72 hours."),
    },
    {
        "when": {"from_level_at_least": 3, "protected": True},
        "decision": "let_through_notify",
        "reason": gettext_noop("From a level-3/4 area, fully vaccinated or recovered."),
    },
    {
        "when": {"from_level_at_least": 3},
        "decision": "test_on_spot",
        "reason": gettext_noop("From a level-3/4 area without a negative test within 72 hours."),
    },
    {
        "when": {"from_lockdown": True, "negative_test_within_hours": 72},
        "decision": "let_through_notify",
        "reason": gettext_noop("From a lockdown zone with a negative test within 72 hours."),
    },
    {
        "when": {"from_lockdown": True},
        "decision": "test_on_spot",
        "reason": gettext_noop("From a lockdown zone without a negative test within 72 hours."),
    },
    {"when": {}, "decision": "let_through", "reason": gettext_noop("Meets the entry rules.")},
]


@dataclass(frozen=True)
class Outcome:
    decision: str
    reason: str
    rule_index: int | None


def evaluate(rules: list[dict[str, Any]], facts: Facts) -> Outcome:
    """The first rule whose conditions all hold; none: let through (a rule set ends with a catch-all)."""
    for index, rule in enumerate(rules):
        conditions: dict[str, Any] = rule.get("when") or {}
        if all(CONDITIONS[name][1](facts, value) for name, value in conditions.items()):
            reason = _(str(rule.get("reason") or ""))
            if not facts.valid and facts.invalid_reason:
                reason = f"{reason} {facts.invalid_reason}".strip()
            return Outcome(str(rule["decision"]), reason, index)
    return Outcome(DecisionKind.LET_THROUGH, _("Meets the entry rules."), None)


def check_rules(rules: object) -> list[dict[str, Any]]:
    """The rules cleaned, or InvalidInput naming each bad field as ``rules[i].when.name`` …"""
    errors: list[FieldError] = []
    if not isinstance(rules, list) or not rules:
        raise InvalidInput(_("The rule set has errors."), [FieldError("rules", _("At least one rule."))])
    if len(rules) > 50:
        raise InvalidInput(_("The rule set has errors."), [FieldError("rules", _("At most 50 rules."))])
    cleaned: list[dict[str, Any]] = []
    for index, rule in enumerate(rules):
        where = f"rules[{index}]"
        if not isinstance(rule, dict):
            errors.append(FieldError(where, _("A rule has conditions (when), a decision and a reason.")))
            continue
        when = rule.get("when") or {}
        if not isinstance(when, dict):
            errors.append(FieldError(f"{where}.when", _("The conditions are a list of names and values.")))
            when = {}
        clean_when: dict[str, Any] = {}
        for name, value in when.items():
            if name not in CONDITIONS:
                errors.append(FieldError(f"{where}.when.{name}", _("Unknown condition.")))
                continue
            kind = CONDITIONS[name][0]
            if kind is int and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000):
                errors.append(FieldError(f"{where}.when.{name}", _("A whole number from 0 to 10000.")))
            elif kind is bool and not isinstance(value, bool):
                errors.append(FieldError(f"{where}.when.{name}", _("true or false.")))
            elif kind is str and value not in _evidence_values():
                errors.append(FieldError(f"{where}.when.{name}", _("Unknown kind of evidence.")))
            else:
                clean_when[name] = value
        decision = rule.get("decision")
        if decision not in DecisionKind.values:
            errors.append(
                FieldError(f"{where}.decision", _("One of: %(values)s.") % {"values": ", ".join(DecisionKind.values)})
            )
        reason = str(rule.get("reason") or "").strip()
        if not reason:
            errors.append(FieldError(f"{where}.reason", _("This field is required.")))
        elif len(reason) > REASON_MAX or "\x00" in reason:
            errors.append(FieldError(f"{where}.reason", _("At most 300 characters.")))
        cleaned.append({"when": clean_when, "decision": decision, "reason": reason})
    if not errors and cleaned[-1]["when"]:
        errors.append(FieldError("rules", _("The last rule must have no conditions: it decides for everyone else.")))
    if errors:
        raise InvalidInput(_("The rule set has errors."), errors)
    return cleaned


def _evidence_values() -> list[str]:
    from phongdich.checkpoints.models import EvidenceKind

    return list(EvidenceKind.values)
