"""The CertLogic evaluator, operation by operation, from the specification (1.2): values, errors, edge cases.

No CertLogic test vectors ship in ../shared/conformance, so these are written from the specification's text.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phongdich.certificates.dcc import certlogic
from phongdich.certificates.dcc.certlogic import CertLogicError, evaluate


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


DATA = {
    "payload": {"v": [{"dn": 2, "sd": 2, "dt": "2021-09-10", "mp": "EU/1/20/1528"}], "dob": "1985-03"},
    "external": {"validationClock": "2021-10-01T12:00:00Z", "valueSets": {"names": ["EU/1/20/1528", "X"]}},
    "list": [1, 2, 3],
    "zero": 0,
}


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        (True, True),
        (False, False),
        (0, 0),
        (42, 42),
        (-7, -7),
        ("", ""),
        ("tekst", "tekst"),
        ([1, "a", True], [1, "a", True]),
    ],
)
def test_literals_evaluate_to_themselves(literal, expected):
    assert evaluate(literal, DATA) == expected


def test_an_array_evaluates_each_item():
    assert evaluate([{"var": "zero"}, {"+": [1, 2]}, "x"], DATA) == [0, 3, "x"]


@pytest.mark.parametrize(
    "invalid", [None, 1.5, {}, {"var": "a", "if": []}, {"unknown": [1]}, {"===": 1}, {"and": [True]}]
)
def test_invalid_expressions_raise(invalid):
    with pytest.raises(CertLogicError):
        evaluate(invalid, DATA)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("payload.v.0.dn", 2),
        ("payload.v.0", DATA["payload"]["v"][0]),  # type: ignore[index]
        ("payload.v.1", None),  # a missing index
        ("payload.v.0.missing", None),  # a missing property
        ("payload.missing.deeper.still", None),  # through null
        ("payload.v.x", None),  # a name on an array
        ("payload.dob.0", None),  # into a string
        ("list.2", 3),
        ("zero", 0),
    ],
)
def test_var_drills_down_and_is_null_when_missing(path, expected):
    assert evaluate({"var": path}, DATA) == expected


def test_var_empty_path_is_the_whole_context_and_integer_path_an_index():
    assert evaluate({"var": ""}, DATA) is DATA
    assert evaluate({"var": 1}, [10, 20]) == 20
    with pytest.raises(CertLogicError):
        evaluate({"var": ["payload", None]}, DATA)  # the default-value variant is not allowed


@pytest.mark.parametrize(
    ("value", "truthy", "falsy"),
    [
        (True, True, False),
        (False, False, True),
        (None, False, True),
        ("", False, True),
        ("a", True, False),
        (0, False, True),
        (3, True, False),
        ([], False, True),
        ([0], True, False),
        ({}, False, True),
        ({"a": 1}, True, False),
        (utc(2021, 1, 1), False, False),  # neither
        (1.5, False, False),  # neither
    ],
)
def test_truthy_and_falsy(value, truthy, falsy):
    assert certlogic.is_truthy(value) is truthy
    assert certlogic.is_falsy(value) is falsy


def test_if_takes_the_branch_of_its_guard_and_evaluates_only_that():
    assert evaluate({"if": [True, "yes", "no"]}, DATA) == "yes"
    assert evaluate({"if": [{"var": "zero"}, "yes", "no"]}, DATA) == "no"
    assert evaluate({"if": [{"var": "nothing"}, "yes", "no"]}, DATA) == "no"
    assert evaluate({"if": [{"var": "list"}, "yes", {"unknown": []}]}, DATA) == "yes"  # else not evaluated
    with pytest.raises(CertLogicError):
        evaluate({"if": [True, "yes"]}, DATA)
    with pytest.raises(CertLogicError):  # a date-time guard is neither truthy nor falsy
        evaluate({"if": [{"plusTime": ["2021-01-01", 0, "day"]}, 1, 2]}, DATA)


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        (1, 1, True),
        (1, 2, False),
        ("a", "a", True),
        ("1", 1, False),
        (True, 1, False),
        (None, None, True),
        (0, False, False),
    ],
)
def test_strict_equality_without_coercion(left, right, equal):
    assert (
        evaluate(
            {
                "===": [
                    left if left is not None else {"var": "nothing"},
                    right if right is not None else {"var": "nothing"},
                ]
            },
            DATA,
        )
        is equal
    )
    assert (
        evaluate(
            {
                "!==": [
                    left if left is not None else {"var": "nothing"},
                    right if right is not None else {"var": "nothing"},
                ]
            },
            DATA,
        )
        is not equal
    )


def test_equality_takes_exactly_two_operands():
    for bad in ([1], [1, 1, 1]):
        with pytest.raises(CertLogicError):
            evaluate({"===": bad}, DATA)


def test_and_returns_the_first_falsy_operand_or_the_last_and_is_lazy():
    assert evaluate({"and": [True, 1, "x"]}, DATA) == "x"
    assert evaluate({"and": [True, 0, "x"]}, DATA) == 0
    assert evaluate({"and": [{"var": "nothing"}, {"unknown": []}]}, DATA) is None  # stops at the falsy null
    with pytest.raises(CertLogicError):
        evaluate({"and": [True, {"plusTime": ["2021-01-01", 0, "day"]}]}, DATA)


@pytest.mark.parametrize(
    ("operation", "operands", "expected"),
    [
        ("<", [1, 2], True),
        ("<", [2, 2], False),
        ("<=", [2, 2], True),
        (">", [3, 2], True),
        (">=", [1, 2], False),
        ("<", [1, 2, 3], True),  # ternary: 1 < 2 and 2 < 3
        ("<", [1, 3, 2], False),
        ("<=", [1, 1, 1], True),
        (">", [3, 2, 2], False),
    ],
)
def test_integer_comparisons(operation, operands, expected):
    assert evaluate({operation: operands}, DATA) is expected


@pytest.mark.parametrize("operands", [[1], [1, 2, 3, 4], ["1", 2], [1, {"var": "nothing"}], [True, 2]])
def test_integer_comparisons_refuse_other_types_and_arities(operands):
    with pytest.raises(CertLogicError):
        evaluate({"<": operands}, DATA)


def test_in_checks_membership_of_an_array():
    assert evaluate({"in": [{"var": "payload.v.0.mp"}, {"var": "external.valueSets.names"}]}, DATA) is True
    assert evaluate({"in": ["Y", {"var": "external.valueSets.names"}]}, DATA) is False
    assert evaluate({"in": [{"var": "nothing"}, ["a"]]}, DATA) is False
    assert evaluate({"in": [1, ["1"]]}, DATA) is False
    with pytest.raises(CertLogicError):
        evaluate({"in": ["a", "abc"]}, DATA)  # not an array
    with pytest.raises(CertLogicError):
        evaluate({"in": ["a", {"var": "nothing"}]}, DATA)


def test_plus_adds_two_integers():
    assert evaluate({"+": [{"var": "payload.v.0.dn"}, 1]}, DATA) == 3
    for bad in ([1, "2"], [1], [1, 2, 3], [{"var": "nothing"}, 1]):
        with pytest.raises(CertLogicError):
            evaluate({"+": bad}, DATA)


def test_negation():
    assert evaluate({"!": [{"var": "nothing"}]}, DATA) is True
    assert evaluate({"!": [{"var": "list"}]}, DATA) is False
    assert evaluate({"!": [0]}, DATA) is True
    with pytest.raises(CertLogicError):
        evaluate({"!": [1, 2]}, DATA)
    with pytest.raises(CertLogicError):
        evaluate({"!": [{"plusTime": ["2021-01-01", 0, "day"]}]}, DATA)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-05-04", utc(2021, 5, 4)),
        ("2021-05-04T13:37:00", utc(2021, 5, 4, 13, 37)),
        ("2021-05-04T13:37:00Z", utc(2021, 5, 4, 13, 37)),
        ("2021-05-04T13:37:00+2", utc(2021, 5, 4, 11, 37)),
        ("2021-05-04T13:37:00+02", utc(2021, 5, 4, 11, 37)),
        ("2021-05-04T13:37:00+230", utc(2021, 5, 4, 11, 7)),
        ("2021-05-04T13:37:00-0130", utc(2021, 5, 4, 15, 7)),
        ("2021-05-04T13:37:00+2:30", utc(2021, 5, 4, 11, 7)),
        ("2021-05-04T13:37:00+07:00", utc(2021, 5, 4, 6, 37)),
        ("2021-05-04T13:37:00.1Z", utc(2021, 5, 4, 13, 37, 0, 100000)),
        ("2021-05-04T13:37:00.123456789Z", utc(2021, 5, 4, 13, 37, 0, 123000)),  # rounded down to the ms
        ("2021-05-04T13:37:00.5+01:00", utc(2021, 5, 4, 12, 37, 0, 500000)),
    ],
)
def test_allowed_date_time_formats(text, expected):
    assert evaluate({"plusTime": [text, 0, "day"]}, DATA) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2021-13-01",
        "2021-02-30",
        "21-05-04",
        "2021-05-04 13:37:00",
        "yesterday",
        "2021-05-04T25:00:00Z",
        "2021-05-04T13:37:00+99",
        "0001-01-01T00:00:00+01:00",
    ],
)
def test_bad_date_times_raise(text):
    with pytest.raises(CertLogicError):
        evaluate({"plusTime": [text, 0, "day"]}, DATA)


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        ("2021-09-10", 14, "day", utc(2021, 9, 24)),
        ("2021-09-10", -10, "day", utc(2021, 8, 31)),
        ("2021-10-01T12:00:00Z", 72, "hour", utc(2021, 10, 4, 12)),
        ("2021-10-01T12:00:00Z", -1, "hour", utc(2021, 10, 1, 11)),
        ("2021-01-31", 1, "month", utc(2021, 2, 28)),  # the day clamped to the month
        ("2020-01-31", 1, "month", utc(2020, 2, 29)),
        ("2021-03-15", -3, "month", utc(2020, 12, 15)),
        ("2020-02-29", 1, "year", utc(2021, 2, 28)),
        ("2000-06-01", 18, "year", utc(2018, 6, 1)),
    ],
)
def test_plus_time(start, amount, unit, expected):
    assert evaluate({"plusTime": [start, amount, unit]}, DATA) == expected


def test_plus_time_refuses_bad_operands():
    for bad in (
        [{"var": "nothing"}, 0, "day"],
        ["2021-01-01", "1", "day"],
        ["2021-01-01", 1, "week"],
        ["2021-01-01", 1],
        [1, 1, "day"],
    ):
        with pytest.raises(CertLogicError):
            evaluate({"plusTime": bad}, DATA)


def test_date_time_comparisons():
    clock = {"plusTime": [{"var": "external.validationClock"}, 0, "day"]}
    course = {"plusTime": [{"var": "payload.v.0.dt"}, 14, "day"]}
    assert evaluate({"not-before": [clock, course]}, DATA) is True
    assert evaluate({"before": [clock, course]}, DATA) is False
    assert evaluate({"after": [clock, course]}, DATA) is True
    assert evaluate({"not-after": [clock, course]}, DATA) is False
    same = {"plusTime": ["2021-09-24", 0, "day"]}
    assert evaluate({"not-after": [course, same]}, DATA) is True
    assert evaluate({"not-before": [course, same]}, DATA) is True
    assert evaluate({"after": [course, same]}, DATA) is False
    # Ternary: within an interval.
    start = {"plusTime": ["2021-09-01", 0, "day"]}
    end = {"plusTime": ["2021-12-01", 0, "day"]}
    assert evaluate({"not-after": [start, clock, end]}, DATA) is True
    assert evaluate({"not-after": [clock, start, end]}, DATA) is False
    with pytest.raises(CertLogicError):  # date-times only: a string is not one
        evaluate({"before": ["2021-01-01", clock]}, DATA)
    with pytest.raises(CertLogicError):
        evaluate({"before": [1, 2]}, DATA)


def test_reduce_folds_left_with_current_and_accumulator():
    count_doses = {"reduce": [{"var": "list"}, {"+": [{"var": "accumulator"}, {"var": "current"}]}, 0]}
    assert evaluate(count_doses, DATA) == 6
    assert evaluate({"reduce": [[], {"unknown": []}, 7]}, DATA) == 7  # empty: the initial value, lambda unused
    assert evaluate({"reduce": [{"var": "nothing"}, {"var": "current"}, "init"]}, DATA) == "init"  # null operand
    any_big = {
        "reduce": [{"var": "list"}, {"if": [{">": [{"var": "current"}, 2]}, True, {"var": "accumulator"}]}, False]
    }
    assert evaluate(any_big, DATA) is True
    with pytest.raises(CertLogicError):
        evaluate({"reduce": ["abc", {"var": "current"}, 0]}, DATA)
    with pytest.raises(CertLogicError):
        evaluate({"reduce": [[1], {"var": "current"}]}, DATA)


@pytest.mark.parametrize(
    ("uvci", "index", "expected"),
    [
        ("URN:UVCI:01:NL:187/37512422923", 0, "01"),
        ("URN:UVCI:01:NL:187/37512422923", 1, "NL"),
        ("URN:UVCI:01:NL:187/37512422923", 2, "187"),
        ("URN:UVCI:01:NL:187/37512422923", 3, "37512422923"),
        ("URN:UVCI:01:NL:187/37512422923", 4, None),
        ("01:AT:10807843F94AEE0EE5093FBC254BD813#B", 3, "B"),  # the prefix is optional
        ("a::c/#/f", 1, ""),
        ("a::c/#/f", 5, "f"),
        ("a::c/#/f", 6, None),
        ("", 0, ""),
        (None, 0, None),
        ("URN:UVCI:01:VN:QN1", -1, None),
    ],
)
def test_extract_from_uvci(uvci, index, expected):
    operand = {"var": "nothing"} if uvci is None else uvci
    assert evaluate({"extractFromUVCI": [operand, index]}, DATA) == expected


def test_extract_from_uvci_refuses_non_strings():
    with pytest.raises(CertLogicError):
        evaluate({"extractFromUVCI": [1, 0]}, DATA)
    with pytest.raises(CertLogicError):
        evaluate({"extractFromUVCI": ["URN:UVCI:01", "0"]}, DATA)


@pytest.mark.parametrize(
    ("dob", "expected"),
    [
        ("1985-03-12", utc(1985, 3, 12)),
        ("1985-03", utc(1985, 3, 31)),
        ("1984-02", utc(1984, 2, 29)),
        ("1985", utc(1985, 12, 31)),
    ],
)
def test_dcc_date_of_birth_takes_the_last_possible_day_of_a_partial_date(dob, expected):
    assert evaluate({"dccDateOfBirth": [dob]}, DATA) == expected


def test_a_minor_rule_with_a_partial_date_of_birth():
    # Under 18 on the validation day: the latest possible birthday plus 18 years is after the clock.
    minor = {
        "after": [
            {"plusTime": [{"dccDateOfBirth": [{"var": "payload.dob"}]}, 18, "year"]},
            {"plusTime": [{"var": "external.validationClock"}, 0, "day"]},
        ]
    }
    assert evaluate(minor, DATA) is False
    assert evaluate(minor, {**DATA, "payload": {"dob": "2010"}}) is True


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(["", "a", "2021-01-01", "URN:UVCI:01:VN:1"]),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.sampled_from(sorted(certlogic.OPERATIONS)), children, min_size=1, max_size=1)
        ),
        max_leaves=12,
    )
)
def test_any_expression_either_evaluates_or_raises_certlogic_error(expression):
    with contextlib.suppress(CertLogicError):
        evaluate(expression, DATA)
