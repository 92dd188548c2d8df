"""verify.numbers: every accepted input converts to its exact rational value; everything else is InvalidNumber."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.errors import InvalidNumber, VerifyError
from verify.numbers import format_rational, to_rational, to_rational_vector

EXACT = [
    ("0.1", Fraction(1, 10)),
    (0.1, Fraction(3602879701896397, 36028797018963968)),
    ("1e-3", Fraction(1, 1000)),
    ("1E3", Fraction(1000)),
    ("-1/3", Fraction(-1, 3)),
    ("2/-4", Fraction(-1, 2)),
    (" 7 ", Fraction(7)),
    ("-.5", Fraction(-1, 2)),
    ("3.", Fraction(3)),
    (0.5, Fraction(1, 2)),
    (-0.0, Fraction(0)),
    (5, Fraction(5)),
    (10**40, Fraction(10**40)),
    (Fraction(2, 6), Fraction(1, 3)),
    (np.float64(0.1), Fraction(3602879701896397, 36028797018963968)),
    (np.float32(0.1), Fraction(13421773, 134217728)),
    (np.int64(-7), Fraction(-7)),
    (np.int8(3), Fraction(3)),
]


@pytest.mark.parametrize(("value", "exact"), EXACT, ids=[repr(v) for v, _ in EXACT])
def test_to_rational_is_exact(value: object, exact: Fraction) -> None:
    q = to_rational(value)
    assert type(q) is Fraction and q == exact


def test_float_point_one_is_not_one_tenth() -> None:
    # the float 0.1 is a dyadic rational just above 1/10; only the string "0.1" means 1/10
    assert to_rational(0.1) - Fraction(1, 10) == Fraction(1, 180143985094819840)
    assert to_rational(0.1).denominator == 2**55


BAD = [float("nan"), float("inf"), -float("inf"), np.float64("nan"), "1/0", "abc", "", "1/2/3", "0x10", "1,5",
       "nan", "inf", True, False, np.bool_(True), None, [1], (1,), {"a": 1}, 1j, Decimal("0.1"), b"1", "1e999999"]  # fmt: skip


@pytest.mark.parametrize("value", BAD, ids=[repr(v) for v in BAD])
def test_invalid_numbers_raise_invalid_number(value: object) -> None:
    with pytest.raises(InvalidNumber) as info:
        to_rational(value, "w[2]")
    assert isinstance(info.value, ValueError) and isinstance(info.value, VerifyError)
    message = str(info.value)
    assert message.startswith("Expected ") and " but got w[2]=" in message


def test_vector_names_the_bad_entry_and_checks_length() -> None:
    assert to_rational_vector(["1/2", 3, 0.25]) == (Fraction(1, 2), Fraction(3), Fraction(1, 4))
    with pytest.raises(InvalidNumber, match=r"x\[1\]='abc'"):
        to_rational_vector([1, "abc"])
    with pytest.raises(InvalidNumber, match=r"len\(x\)=2"):
        to_rational_vector([1, 2], length=3)
    with pytest.raises(InvalidNumber):
        to_rational_vector("12")


@settings(max_examples=200, deadline=None)
@given(st.fractions())
def test_format_rational_round_trips(q: Fraction) -> None:
    assert to_rational(format_rational(q)) == q


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_convert_to_their_exact_binary_value(x: float) -> None:
    q = to_rational(x)
    assert float(q) == x and Fraction(*x.as_integer_ratio()) == q


@settings(max_examples=200, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=6))
def test_decimal_text_is_read_exactly(d: Decimal) -> None:
    assert to_rational(str(d)) == Fraction(d)


def test_numbers_past_pythons_digit_limit_round_trip() -> None:
    """Python refuses int <-> str beyond 4300 digits; file text and certificates must not."""
    from verify.checker._net import q

    big = Fraction(3**20000 + 1, 7**9000)  # ~9500 and ~7600 digits
    text = format_rational(big)
    assert to_rational(text) == big and to_rational("-" + text) == -big and q(text) == big
    assert to_rational("1" + "0" * 5000 + ".5") == 10**5000 + Fraction(1, 2)
    assert to_rational("-0.25e-3") == Fraction(-1, 4000) and to_rational(".5") == Fraction(1, 2)
