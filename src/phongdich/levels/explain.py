"""A level's explanation, rendered from an assessment's stored inputs so it follows the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def _number(value: float) -> str:
    return f"{value:.1f}"


def explain(level: int, inputs: dict[str, Any]) -> str:
    """E.g. "level 3: 63.2 cases/100,000/week (band 3), coverage met, capacity met"."""
    parts: list[str] = []
    rate = inputs.get("rate")
    band = inputs.get("band")
    per = f"{int(inputs.get('per_population', 100_000)):,}"
    if rate is None:
        parts.append(_("population unknown, band %(band)s assumed") % {"band": band})
    else:
        parts.append(
            _("%(rate)s cases/%(per)s/week (band %(band)s)") % {"rate": _number(float(rate)), "per": per, "band": band}
        )
    if inputs.get("coverage_met"):
        parts.append(_("coverage met"))
    else:
        unmet = [
            _("%(group)s %(measure)s %(share)s < %(minimum)s")
            % {
                "group": _("everyone") if condition.get("group") == "all" else condition.get("group", ""),
                "measure": _("one dose") if condition.get("measure") == "first_dose" else _("full course"),
                "share": "?" if condition.get("share") is None else f"{100 * float(condition['share']):.1f}%",
                "minimum": f"{100 * float(condition.get('min_share', 0)):.0f}%",
            }
            for condition in inputs.get("coverage", [])
            if not condition.get("met")
        ]
        text = _("coverage not met")
        parts.append(f"{text} ({'; '.join(unmet)})" if unmet else text)
    capacity = inputs.get("capacity", {})
    if not capacity.get("declared", False):
        parts.append(_("capacity not declared (treated as met)"))
    elif capacity.get("met", True):
        parts.append(_("capacity met"))
    elif inputs.get("raised"):
        parts.append(_("capacity not met (raised one level)"))
    else:
        parts.append(_("capacity not met"))
    return _("level %(level)s: %(parts)s") % {"level": level, "parts": ", ".join(parts)}
