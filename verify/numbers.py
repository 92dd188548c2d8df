"""Exact conversion of user numbers into ``fractions.Fraction``, done once.

Contract: ``to_rational(x)`` returns the exact rational value that ``x``
denotes. Strings are read as decimal or ``p/q`` text ("0.1" is 1/10), floats
by their exact binary value (``0.1`` is 3602879701896397/36028797018963968).
NaN, infinities, booleans and every other type raise :class:`InvalidNumber`.
"""

from __future__ import annotations

import math
import numbers as _numbers
import re
from fractions import Fraction
from typing import Any

from verify.errors import InvalidNumber, expected

__all__ = ["to_rational", "to_rational_vector", "Rational", "format_rational"]

Rational = Fraction

_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_RATIO = re.compile(r"[+-]?\d+/[+-]?\d+")
_WHAT = "an int, a Fraction, a finite float or a decimal or p/q string"


def to_rational(x: Any, name: str = "x") -> Fraction:
    """Return the exact rational value of ``x``.

    >>> to_rational("0.1"), to_rational("-1/3"), to_rational("1e-3")
    (Fraction(1, 10), Fraction(-1, 3), Fraction(1, 1000))
    >>> to_rational(0.5)
    Fraction(1, 2)
    """
    if isinstance(x, bool):
        raise InvalidNumber(expected(_WHAT, name, x))
    if isinstance(x, Fraction):
        return x
    if isinstance(x, int):
        return Fraction(x)
    if isinstance(x, str):
        return _from_text(x, name)
    if isinstance(x, float):
        if not math.isfinite(x):
            raise InvalidNumber(expected("a finite number", name, x))
        return Fraction(x)
    if _is_numpy_scalar(x):
        return to_rational(x.item(), name)
    if isinstance(x, _numbers.Rational):
        return Fraction(int(x.numerator), int(x.denominator))
    if type(x).__name__ in ("mpq", "fmpq"):
        return Fraction(int(x.numerator), int(x.denominator))
    raise InvalidNumber(expected(_WHAT, name, x))


def _is_numpy_scalar(x: Any) -> bool:
    return type(x).__module__ == "numpy" and hasattr(x, "item") and getattr(x, "shape", None) == ()


def _from_text(text: str, name: str) -> Fraction:
    s = text.strip()
    if _RATIO.fullmatch(s):
        p, q = s.split("/")
        if _int(q) == 0:
            raise InvalidNumber(expected("a nonzero denominator", name, text))
        return Fraction(_int(p), _int(q))
    if _DECIMAL.fullmatch(s):
        mantissa, _, exponent = s.lower().partition("e")
        if exponent and abs(int(exponent)) > 100_000:
            raise InvalidNumber(expected("an exponent of at most 100000", name, text))
        whole, _, frac = mantissa.lstrip("+-").partition(".")
        sign = -1 if mantissa.startswith("-") else 1
        value = Fraction(sign * _int((whole + frac) or "0"), 10 ** len(frac))
        return value * Fraction(10) ** int(exponent or 0)
    raise InvalidNumber(expected(_WHAT, name, text))


def _int(digits: str) -> int:
    """int(digits) without Python's limit on long digit strings (4300 digits by default)."""
    if len(digits) < 4000:
        return int(digits)
    import gmpy2

    return int(gmpy2.mpz(digits))


def _text(n: int) -> str:
    """str(n) without Python's limit on long digit strings."""
    if n.bit_length() < 13000:  # < 3914 digits
        return str(n)
    import gmpy2

    return str(gmpy2.mpz(n).digits(10))


def to_rational_vector(xs: Any, name: str = "x", length: int | None = None) -> tuple[Fraction, ...]:
    """Convert a sequence of numbers; ``length`` checks its size.

    >>> to_rational_vector(["1/2", 3])
    (Fraction(1, 2), Fraction(3, 1))
    """
    if isinstance(xs, (str, bytes, dict)) or not hasattr(xs, "__iter__"):
        raise InvalidNumber(expected("a sequence of numbers", name, xs))
    out = tuple(to_rational(v, f"{name}[{i}]") for i, v in enumerate(xs))
    if length is not None and len(out) != length:
        raise InvalidNumber(expected(f"{length} numbers", f"len({name})", len(out)))
    return out


def format_rational(q: Fraction) -> str:
    """Text of a rational as used in files: "3", "-1/3".

    >>> format_rational(Fraction(-1, 3)), format_rational(Fraction(4))
    ('-1/3', '4')
    """
    return _text(q.numerator) if q.denominator == 1 else f"{_text(q.numerator)}/{_text(q.denominator)}"
