"""CertLogic: the EU DCC business-rule language (a restricted JsonLogic), after its specification 1.2.

An expression is a literal (boolean, integer, string, or an array of expressions), a data access
``{"var": "path.0.x"}``, or an operation ``{"op": [operands…]}`` with one of: ``if``, ``===``, ``!==``,
``and``, ``<``, ``>``, ``<=``, ``>=``, ``in``, ``+``, ``!``, ``reduce``, ``plusTime``, ``after``,
``before``, ``not-after``, ``not-before``, ``extractFromUVCI`` and ``dccDateOfBirth``.

:func:`evaluate` raises :class:`CertLogicError` for an invalid expression or operands of the wrong type
(the specification's "throws"); a rule whose evaluation raises is neither passed nor failed, but "open".
Date-times exist only as the result of ``plusTime`` (and ``dccDateOfBirth``): aware ``datetime`` values
in UTC, to the millisecond. Usable without Django.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import re
from collections.abc import Callable, Mapping
from typing import Any


class CertLogicError(ValueError):
    """An invalid expression, or an operation applied to values of the wrong type."""


_DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{1,2}(?::?\d{2})?)?)?$"
)
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
TIME_UNITS = ("year", "month", "day", "hour")
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}
# The date-time comparisons are those of integers under other names.
_DATE_COMPARISONS = {"before": "<", "after": ">", "not-after": "<=", "not-before": ">="}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_truthy(value: object) -> bool:
    """true, a non-empty string or array, a non-zero integer, an object with a key."""
    if isinstance(value, bool):
        return value
    if _is_int(value):
        return value != 0
    if isinstance(value, str | list | tuple | Mapping):
        return len(value) > 0
    return False


def is_falsy(value: object) -> bool:
    """false, null, "", 0, [] or {}. A date-time (or a float) is neither truthy nor falsy."""
    if value is None:
        return True
    if isinstance(value, bool):
        return not value
    if _is_int(value):
        return value == 0
    if isinstance(value, str | list | tuple | Mapping):
        return len(value) == 0
    return False


def _boolsy(value: object, operation: str) -> bool:
    if is_truthy(value):
        return True
    if is_falsy(value):
        return False
    raise CertLogicError(f"{operation}: the value is neither truthy nor falsy")


def parse_date_time(text: str) -> dt.datetime:
    """A date or date-time string in one of the allowed formats, as an aware UTC datetime to the ms.

    A date is midnight UTC; a missing offset is UTC; decimals past the millisecond are dropped.
    """
    match = _DATE_TIME.match(text)
    if match is None:
        raise CertLogicError(f"not a date-time: {text!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:3].ljust(3, "0")) * 1000
    try:
        tz = dt.UTC
        if offset and offset != "Z":
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            # [+-]h, [+-]hh, [+-]hmm, [+-]hhmm: the last two digits are minutes when there are three or four.
            hours, minutes = (digits, "0") if len(digits) <= 2 else (digits[:-2], digits[-2:])
            tz = dt.timezone(sign * dt.timedelta(hours=int(hours), minutes=int(minutes)))
        moment = dt.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro, tzinfo=tz
        )
        return moment.astimezone(dt.UTC)
    except (OverflowError, ValueError) as exc:
        raise CertLogicError(f"not a date-time: {text!r} ({exc})") from None


def _add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """Calendar months, the day clamped to the month's length (31 January + 1 month = 28 or 29 February)."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def plus_time(start: str | dt.datetime, amount: int, unit: str) -> dt.datetime:
    moment = parse_date_time(start) if isinstance(start, str) else start
    try:
        if unit == "hour":
            return moment + dt.timedelta(hours=amount)
        if unit == "day":
            return moment + dt.timedelta(days=amount)
        if unit == "month":
            return _add_months(moment, amount)
        if unit == "year":
            return _add_months(moment, 12 * amount)
    except (OverflowError, ValueError) as exc:
        raise CertLogicError(f"plusTime out of range: {exc}") from None
    raise CertLogicError(f"plusTime: unknown time unit {unit!r}")


def dcc_date_of_birth(text: str) -> dt.datetime:
    """A DCC date of birth as a date-time; a partial one (YYYY, YYYY-MM) is the last day it may be."""
    partial = _PARTIAL_DATE.match(text)
    if partial is not None:
        year, month = int(partial.group(1)), int(partial.group(2) or 12)
        if not 1 <= month <= 12:
            raise CertLogicError(f"not a date of birth: {text!r}")
        return dt.datetime(year, month, calendar.monthrange(year, month)[1], tzinfo=dt.UTC)
    if len(text) != 10:
        raise CertLogicError(f"not a date of birth: {text!r}")
    return parse_date_time(text)


def extract_from_uvci(uvci: str | None, index: int) -> str | None:
    """The ``index``-th fragment of a UVCI split on ``/``, ``#`` and ``:``, after an optional URN:UVCI: prefix."""
    if uvci is None:
        return None
    text = uvci[len("URN:UVCI:") :] if uvci.startswith("URN:UVCI:") else uvci
    fragments = re.split(r"[/#:]", text)
    return fragments[index] if 0 <= index < len(fragments) else None


def _access(data: Any, path: str) -> Any:
    if path == "":
        return data
    current = data
    for fragment in path.split("."):
        if current is None:
            return None
        if isinstance(current, list | tuple):
            if not re.fullmatch(r"\d+", fragment):
                return None
            position = int(fragment)
            current = current[position] if position < len(current) else None
        elif isinstance(current, Mapping):
            current = current.get(fragment)
        else:
            return None
    return current


def _operands(operation: str, args: Any, counts: tuple[int, ...]) -> list[Any]:
    if not isinstance(args, list):
        raise CertLogicError(f"{operation}: the operands are an array")
    if len(args) not in counts:
        expected = " or ".join(str(n) for n in counts)
        raise CertLogicError(f"{operation}: {expected} operands, not {len(args)}")
    return args


def evaluate(expression: Any, data: Any) -> Any:
    """The value of a CertLogic expression in the data context ``data`` (raises CertLogicError)."""
    if isinstance(expression, bool | str) or _is_int(expression):
        return expression
    if isinstance(expression, list):
        return [evaluate(item, data) for item in expression]
    if not isinstance(expression, Mapping):
        raise CertLogicError(f"not a CertLogic expression: {expression!r}")
    if len(expression) != 1:
        raise CertLogicError("an operation object has exactly one key")
    ((operation, args),) = expression.items()
    if operation == "var":
        if _is_int(args):
            args = str(args)
        if not isinstance(args, str):
            raise CertLogicError("var: the path is a string")
        return _access(data, args)
    handler = _OPERATIONS.get(operation)
    if handler is None:
        raise CertLogicError(f"unknown operation {operation!r}")
    return handler(operation, args, data)


def _if(operation: str, args: Any, data: Any) -> Any:
    guard, then, otherwise = _operands(operation, args, (3,))
    return evaluate(then if _boolsy(evaluate(guard, data), operation) else otherwise, data)


def _equality(operation: str, args: Any, data: Any) -> bool:
    left, right = (evaluate(item, data) for item in _operands(operation, args, (2,)))
    # Without type coercion: 1 is not true, and "1" is not 1.
    same = type(left) is type(right) and left == right
    return same if operation == "===" else not same


def _and(operation: str, args: Any, data: Any) -> Any:
    if not isinstance(args, list) or len(args) < 2:
        raise CertLogicError("and: at least two operands")
    value: Any = None
    for item in args:  # lazily: the first falsy operand ends it
        value = evaluate(item, data)
        if not _boolsy(value, operation):
            return value
    return value


def _compare(operation: str, args: Any, data: Any) -> bool:
    values = [evaluate(item, data) for item in _operands(operation, args, (2, 3))]
    if operation in _DATE_COMPARISONS:
        if not all(isinstance(value, dt.datetime) for value in values):
            raise CertLogicError(f"{operation}: every operand is a date-time (from plusTime)")
        check = _COMPARISONS[_DATE_COMPARISONS[operation]]
    else:
        if not all(_is_int(value) for value in values):
            raise CertLogicError(f"{operation}: every operand is an integer")
        check = _COMPARISONS[operation]
    return all(check(a, b) for a, b in itertools.pairwise(values))


def _in(operation: str, args: Any, data: Any) -> bool:
    item, collection = (evaluate(value, data) for value in _operands(operation, args, (2,)))
    if not isinstance(collection, list | tuple):
        raise CertLogicError("in: the second operand is an array")
    return any(type(item) is type(member) and item == member for member in collection)


def _plus(operation: str, args: Any, data: Any) -> int:
    left, right = (evaluate(item, data) for item in _operands(operation, args, (2,)))
    if not (_is_int(left) and _is_int(right)):
        raise CertLogicError("+: both operands are integers")
    return int(left) + int(right)


def _not(operation: str, args: Any, data: Any) -> bool:
    (operand,) = _operands(operation, args, (1,))
    return not _boolsy(evaluate(operand, data), operation)


def _plus_time(operation: str, args: Any, data: Any) -> dt.datetime:
    operand, amount, unit = _operands(operation, args, (3,))
    if not _is_int(amount):
        raise CertLogicError("plusTime: the amount is an integer literal")
    if unit not in TIME_UNITS:
        raise CertLogicError(f"plusTime: the unit is one of {', '.join(TIME_UNITS)}")
    start = evaluate(operand, data)
    # A string, or a date-time already (from dccDateOfBirth or another plusTime).
    if not isinstance(start, str | dt.datetime):
        raise CertLogicError("plusTime: the operand is a date-time string")
    return plus_time(start, amount, unit)


def _reduce(operation: str, args: Any, data: Any) -> Any:
    operand, lambda_, initial = _operands(operation, args, (3,))
    items = evaluate(operand, data)
    accumulator = evaluate(initial, data)
    if items is None:
        return accumulator
    if not isinstance(items, list | tuple):
        raise CertLogicError("reduce: the operand is an array")
    for item in items:
        accumulator = evaluate(lambda_, {"current": item, "accumulator": accumulator, "data": data})
    return accumulator


def _extract_from_uvci(operation: str, args: Any, data: Any) -> str | None:
    operand, index = _operands(operation, args, (2,))
    if not _is_int(index):
        raise CertLogicError("extractFromUVCI: the index is an integer literal")
    uvci = evaluate(operand, data)
    if uvci is not None and not isinstance(uvci, str):
        raise CertLogicError("extractFromUVCI: the operand is a string or null")
    return extract_from_uvci(uvci, index)


def _dcc_date_of_birth(operation: str, args: Any, data: Any) -> dt.datetime:
    (operand,) = _operands(operation, args, (1,))
    text = evaluate(operand, data)
    if not isinstance(text, str):
        raise CertLogicError("dccDateOfBirth: the operand is a string")
    return dcc_date_of_birth(text)


_OPERATIONS: dict[str, Callable[[str, Any, Any], Any]] = {
    "if": _if,
    "===": _equality,
    "!==": _equality,
    "and": _and,
    "<": _compare,
    ">": _compare,
    "<=": _compare,
    ">=": _compare,
    "before": _compare,
    "after": _compare,
    "not-after": _compare,
    "not-before": _compare,
    "in": _in,
    "+": _plus,
    "!": _not,
    "plusTime": _plus_time,
    "reduce": _reduce,
    "extractFromUVCI": _extract_from_uvci,
    "dccDateOfBirth": _dcc_date_of_birth,
}
OPERATIONS = frozenset(_OPERATIONS) | {"var"}
