"""Validation of a DCC payload against the EU DCC JSON schema 1.3.0 (see SCHEMA-SOURCE.md)."""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_FILE = Path(__file__).with_name("DCC.combined-schema.json")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$")


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True  # formats only constrain strings
    if not _DATE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_date_time(value: object) -> bool:
    """RFC 3339 date-time (jsonschema checks it only with an optional package, so here by hand)."""
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        dt.datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return False
    return True


# Annotations (and the references inlined here): dropped from the working copy, as they check nothing.
_NOT_CHECKED = frozenset({"$ref", "$defs", "description", "title", "examples", "$comment", "valueset-uri"})


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with each local ``{"$ref": "#/$defs/x", …}`` replaced by the definition merged with its
    siblings (none of which constrain), and annotations dropped: the same checks, about 4x faster."""
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _inline(sub, defs) for name, sub in value.items()}  # names, not keywords
        elif key not in _NOT_CHECKED:
            out[key] = _inline(value, defs)
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return {**_inline(defs[ref.removeprefix("#/$defs/")], defs), **out}
    return out


@cache
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    schema = _inline(schema, schema.get("$defs", {}))
    checker = FormatChecker(formats=())
    checker.checks("date")(_is_date)
    checker.checks("date-time")(_is_date_time)
    return Draft202012Validator(schema, format_checker=checker)


def errors(dcc: Any) -> list[str]:
    """Messages for every schema violation; empty when the payload conforms."""
    if validator().is_valid(dcc):
        return []
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {_short(error.message)}"
        for error in validator().iter_errors(dcc)
    ]


def _short(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"
