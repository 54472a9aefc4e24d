"""Business rules (CertLogic) in the EU DCC rule format: import, the default Vietnamese set, and acceptance.

A rule as published (the EU DCC Gateway's format)::

    {"Identifier": "VR-VN-0001", "Type": "Acceptance", "Country": "VN", "Version": "1.0.0",
     "SchemaVersion": "1.0.0", "Engine": "CERTLOGIC", "EngineVersion": "0.7.5",
     "CertificateType": "Vaccination", "Description": [{"lang": "en", "desc": "…"}],
     "ValidFrom": "2021-07-01T00:00:00Z", "ValidTo": "2030-06-01T00:00:00Z",
     "AffectedFields": ["v.0.dt"], "Logic": {…}}

Acceptance of a certificate at a time: the acceptance rules of the country of arrival and the
invalidation rules of the issuing country, whose certificate type is General or the certificate's, valid
at that time, each identifier at its latest version valid then. Each evaluates on the data context
``{"payload": <DCC>, "external": {"validationClock", "valueSets", "countryCode", "exp", "iat"}}`` to
passed (true), failed (false) or open (an error or a value that is not a boolean).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.certificates.dcc import certlogic, valuesets
from phongdich.certificates.dcc.verifier import Verdict
from phongdich.certificates.models import BusinessRule, RuleCertificateType, RuleType
from phongdich.core.errors import FieldError, InvalidInput

DEFAULT_RULES = Path(__file__).with_name("rulesets") / "vn-default.json"
ARRIVAL_COUNTRY = "VN"
CERTIFICATE_TYPES = {
    "v": RuleCertificateType.VACCINATION,
    "t": RuleCertificateType.TEST,
    "r": RuleCertificateType.RECOVERY,
}
_REQUIRED = ("Identifier", "Type", "Country", "Version", "CertificateType", "Description", "ValidFrom", "ValidTo")


@dataclass(frozen=True)
class RuleResult:
    identifier: str
    version: str
    rule_type: str
    certificate_type: str
    country: str
    result: str  # passed, failed or open
    description: str
    affected_fields: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "version": self.version,
            "type": self.rule_type,
            "certificate_type": self.certificate_type,
            "country": self.country,
            "result": self.result,
            "description": self.description,
            "affected_fields": self.affected_fields,
        }


@dataclass(frozen=True)
class Acceptance:
    country: str
    accepted: bool
    results: list[RuleResult]

    @property
    def failed(self) -> list[RuleResult]:
        return [result for result in self.results if result.result != "passed"]

    def as_json(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "accepted": self.accepted,
            "rules": [result.as_json() for result in self.results],
            "failed": [result.as_json() for result in self.failed],
        }


# --- Parsing and import ------------------------------------------------------------------------------


def _time(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _check_rule(rule: object, where: str) -> tuple[list[FieldError], dict[str, Any]]:
    """The problems of one published rule, and the model fields it gives."""
    if not isinstance(rule, dict):
        return [FieldError(where, _("Each rule is a JSON object."))], {}
    errors = [
        FieldError(f"{where}.{name}", _("This field is required."))
        for name in _REQUIRED
        if rule.get(name) in (None, "")
    ]
    if "Logic" not in rule:
        errors.append(FieldError(f"{where}.Logic", _("This field is required.")))
    if errors:
        return errors, {}
    fields: dict[str, Any] = {
        "identifier": str(rule["Identifier"])[:50],
        "version": str(rule["Version"])[:20],
        "rule_type": str(rule["Type"]),
        "country": str(rule["Country"]).upper(),
        "region": str(rule.get("Region") or "")[:10],
        "certificate_type": str(rule["CertificateType"]),
        "valid_from": _time(rule["ValidFrom"]),
        "valid_to": _time(rule["ValidTo"]),
    }
    if fields["rule_type"] not in RuleType.values:
        errors.append(FieldError(f"{where}.Type", _("The type is Acceptance or Invalidation.")))
    if fields["certificate_type"] not in RuleCertificateType.values:
        errors.append(
            FieldError(f"{where}.CertificateType", _("The certificate type is General, Vaccination, Test or Recovery."))
        )
    if len(fields["country"]) != 2 or not fields["country"].isalpha():
        errors.append(FieldError(f"{where}.Country", _("The country is a two-letter ISO code.")))
    for name, key in (("ValidFrom", "valid_from"), ("ValidTo", "valid_to")):
        if fields[key] is None:
            errors.append(FieldError(f"{where}.{name}", _("An ISO 8601 date and time, e.g. 2021-07-01T00:00:00Z.")))
    if fields["valid_from"] and fields["valid_to"] and fields["valid_from"] >= fields["valid_to"]:
        errors.append(FieldError(f"{where}.ValidTo", _("ValidTo is after ValidFrom.")))
    engine = rule.get("Engine", "CERTLOGIC")
    if engine != "CERTLOGIC":
        errors.append(FieldError(f"{where}.Engine", _("Only CERTLOGIC rules can be evaluated.")))
    problem = _logic_problem(rule["Logic"])
    if problem:
        errors.append(FieldError(f"{where}.Logic", _("Not a CertLogic expression: %(problem)s") % {"problem": problem}))
    return errors, fields


def _logic_problem(logic: object) -> str:
    """A reason the expression cannot be CertLogic (unknown operation, object literal), or ""."""
    if isinstance(logic, list):
        return next((problem for item in logic if (problem := _logic_problem(item))), "")
    if isinstance(logic, dict):
        if len(logic) != 1:
            return "an operation object has exactly one key"
        ((operation, args),) = logic.items()
        if operation not in certlogic.OPERATIONS:
            return f"unknown operation {operation!r}"
        return "" if operation == "var" else _logic_problem(args)
    return ""


def import_rules(actor: User | None, rules: object, *, source: str = "") -> int:
    """Store published rules (a JSON list, or one rule); returns how many were new. All or nothing.

    A rule already stored under the same identifier and version is replaced by the published one.
    """
    if isinstance(rules, dict):
        rules = [rules]
    if not isinstance(rules, list):
        raise InvalidInput(_("A rule file is a JSON list of rules in the EU DCC format."))
    checked: list[tuple[dict[str, Any], dict[str, Any]]] = []
    errors: list[FieldError] = []
    for index, rule in enumerate(rules):
        problems, fields = _check_rule(rule, f"[{index}]")
        errors += problems
        if not problems:
            checked.append((rule, fields))
    if errors:
        raise InvalidInput(_("The rules have errors; nothing was imported."), errors)
    created = 0
    with transaction.atomic():
        for rule, fields in checked:
            _row, new = BusinessRule.objects.update_or_create(
                identifier=fields["identifier"],
                version=fields["version"],
                defaults={**fields, "rule": rule, "source": source[:200]},
            )
            created += new
        audit.record(actor, AuditAction.CREATE, "business_rule", detail={"rules": len(checked), "new": created})
    return created


def default_rules() -> list[dict[str, Any]]:
    """The default Vietnamese rule set shipped with PhòngDịch (rulesets/vn-default.json)."""
    loaded: list[dict[str, Any]] = json.loads(DEFAULT_RULES.read_text(encoding="utf-8"))
    return loaded


def export_rules(country: str | None = None) -> list[dict[str, Any]]:
    rules = BusinessRule.objects.order_by("country", "identifier", "valid_from", "pk")
    if country:
        rules = rules.filter(country=country.upper())
    return [rule.rule for rule in rules]


# --- Evaluation ---------------------------------------------------------------------------------------


@cache
def _value_sets() -> dict[str, list[str]]:
    return {
        "disease-agent-targeted": [valuesets.DISEASE_COVID_19],
        "covid-19-lab-test-type": list(valuesets.TEST_TYPES),
        "covid-19-lab-result": list(valuesets.TEST_RESULTS),
        "covid-19-lab-test-manufacturer-and-name": list(valuesets.RAT_DEVICES),
        "country-2-codes": [],
    }


def value_sets() -> dict[str, list[str]]:
    """The value sets rules read as ``external.valueSets``: ours and the vaccine products of the registry."""
    from phongdich.vaccination.models import VaccineProduct

    sets = {name: list(codes) for name, codes in _value_sets().items()}
    products = list(VaccineProduct.objects.values_list("code", "manufacturer_code", "vaccine_type"))
    sets["vaccines-covid-19-names"] = sorted({code for code, _m, _t in products})
    sets["vaccines-covid-19-auth-holders"] = sorted({m for _c, m, _t in products if m})
    sets["sct-vaccines-covid-19"] = sorted({t for _c, _m, t in products if t})
    return sets


def _description(rule: dict[str, Any]) -> str:
    """The description in the reader's language, else English, else the first given."""
    descriptions = [d for d in rule.get("Description") or [] if isinstance(d, dict)]
    language = (translation.get_language() or "vi")[:2]
    for wanted in (language, "en"):
        for item in descriptions:
            if item.get("lang") == wanted and item.get("desc"):
                return str(item["desc"])
    return str(descriptions[0].get("desc", "")) if descriptions else ""


def applicable_rules(
    rules: Iterable[BusinessRule], kind: str | None, at: dt.datetime, arrival: str, issuing: str
) -> list[BusinessRule]:
    """The rules that apply, each identifier at its latest version valid at ``at``."""
    wanted_types = {RuleCertificateType.GENERAL.value}
    if kind in CERTIFICATE_TYPES:
        wanted_types.add(CERTIFICATE_TYPES[kind].value)
    latest: dict[str, BusinessRule] = {}
    for rule in rules:
        if rule.certificate_type not in wanted_types or not rule.valid_from <= at < rule.valid_to:
            continue
        if rule.rule_type == RuleType.ACCEPTANCE and rule.country != arrival:
            continue
        if rule.rule_type == RuleType.INVALIDATION and rule.country != issuing:
            continue
        current = latest.get(rule.identifier)
        if current is None or _version_key(rule.version) > _version_key(current.version):
            latest[rule.identifier] = rule
    return sorted(latest.values(), key=lambda rule: rule.identifier)


def _version_key(version: str) -> tuple[int, ...]:
    parts = []
    for part in version.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _clock(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if moment else None


def evaluate_rule(logic: Any, context: dict[str, Any]) -> str:
    try:
        value = certlogic.evaluate(logic, context)
    except Exception:  # whatever a published rule does, it is "open", never a crash
        return "open"
    if value is True:
        return "passed"
    if value is False:
        return "failed"
    return "open"


def acceptance(
    payload: dict[str, Any],
    kind: str | None,
    *,
    at: dt.datetime,
    issued_at: dt.datetime | None = None,
    expires: dt.datetime | None = None,
    country: str = ARRIVAL_COUNTRY,
) -> Acceptance:
    """Whether a (valid) certificate is accepted at ``at`` by the rules of ``country``; every rule's result."""
    entry = (payload.get(kind) or [{}])[0] if kind else {}
    issuing = str(entry.get("co", "")) if isinstance(entry, dict) else ""
    context = {
        "payload": payload,
        "external": {
            "validationClock": _clock(at),
            "valueSets": value_sets(),
            "countryCode": country,
            "exp": _clock(expires),
            "iat": _clock(issued_at),
        },
    }
    rules = applicable_rules(BusinessRule.objects.all(), kind, at, country, issuing)
    results = [
        RuleResult(
            identifier=rule.identifier,
            version=rule.version,
            rule_type=rule.rule_type,
            certificate_type=rule.certificate_type,
            country=rule.country,
            result=evaluate_rule(rule.rule.get("Logic"), context),
            description=_description(rule.rule),
            affected_fields=[str(f) for f in rule.rule.get("AffectedFields") or []],
        )
        for rule in rules
    ]
    return Acceptance(country=country, accepted=all(result.result == "passed" for result in results), results=results)


def acceptance_of(verdict: Verdict, *, at: dt.datetime, country: str = ARRIVAL_COUNTRY) -> Acceptance | None:
    """The acceptance of a verified certificate (None when it is not valid: rules apply to valid ones only)."""
    payload = verdict.as_json()["payload"]
    if not verdict.valid or not isinstance(payload, dict):
        return None
    return acceptance(
        payload, verdict.kind, at=at, issued_at=verdict.issued_at, expires=verdict.expires, country=country
    )
