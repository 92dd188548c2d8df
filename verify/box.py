"""Axis-aligned boxes with rational corners, the domains of every analysis."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verify.errors import InvalidArgument, expected
from verify.numbers import format_rational, to_rational, to_rational_vector

__all__ = ["Box"]


@dataclass(frozen=True, slots=True, init=False)
class Box:
    """The closed box ``[lower_0, upper_0] x ... x [lower_{d-1}, upper_{d-1}]``, ``lower <= upper``.

    >>> K = Box([0, 0], ["1/2", 1])
    >>> K.dim, K.volume, K.contains([Fraction(1, 4), 1])
    (2, Fraction(1, 2), True)
    >>> str(Box.cube(2, -1, 1))
    '[-1,1]x[-1,1]'
    """

    lower: tuple[Fraction, ...]
    upper: tuple[Fraction, ...]

    def __init__(self, lower: Iterable[Any], upper: Iterable[Any]) -> None:
        try:
            lo = to_rational_vector(lower, "lower")
            hi = to_rational_vector(upper, "upper")
        except ValueError as exc:
            raise InvalidArgument(str(exc)) from None
        if not lo:
            raise InvalidArgument(expected("at least one coordinate", "lower", lower))
        if len(lo) != len(hi):
            raise InvalidArgument(expected(f"upper of length {len(lo)}", "len(upper)", len(hi)))
        for i, (a, b) in enumerate(zip(lo, hi)):
            if a > b:
                raise InvalidArgument(expected(f"lower[{i}] <= upper[{i}]", f"(lower[{i}], upper[{i}])", (str(a), str(b))))
        object.__setattr__(self, "lower", lo)
        object.__setattr__(self, "upper", hi)

    @staticmethod
    def cube(d: int, a: Any, b: Any) -> Box:
        """The cube ``[a, b]^d``."""
        if isinstance(d, bool) or not isinstance(d, int) or d < 1:
            raise InvalidArgument(expected("a positive int", "d", d))
        return Box([a] * d, [b] * d)

    @staticmethod
    def parse(text: str) -> Box:
        """Read ``"[a,b]x[c,d]"`` (numbers as in netproof/1 files).

        >>> Box.parse("[0, 1/2] x [-1, 1e-3]").upper
        (Fraction(1, 2), Fraction(1, 1000))
        """
        parts = re.split(r"\]\s*[x×*]\s*\[", text.strip())
        if not text.strip().startswith("[") or not text.strip().endswith("]"):
            raise InvalidArgument(expected('a box like "[a,b]x[c,d]"', "box", text))
        parts[0] = parts[0].strip()[1:]
        parts[-1] = parts[-1].strip()[:-1]  # after the line above: a 1-D box has one part
        lo, hi = [], []
        for i, part in enumerate(parts):
            ends = part.split(",")
            if len(ends) != 2:
                raise InvalidArgument(expected('an interval "[a,b]"', f"box factor {i}", part))
            lo.append(ends[0].strip())
            hi.append(ends[1].strip())
        return Box(lo, hi)

    @property
    def dim(self) -> int:
        return len(self.lower)

    @property
    def volume(self) -> Fraction:
        v = Fraction(1)
        for a, b in zip(self.lower, self.upper):
            v *= b - a
        return v

    @property
    def center(self) -> tuple[Fraction, ...]:
        return tuple((a + b) / 2 for a, b in zip(self.lower, self.upper))

    @property
    def is_full_dimensional(self) -> bool:
        return all(a < b for a, b in zip(self.lower, self.upper))

    def contains(self, x: Any) -> bool:
        """Whether the point ``x`` lies in the closed box."""
        p = to_rational_vector(x, "x", self.dim)
        return all(a <= t <= b for a, t, b in zip(self.lower, p, self.upper))

    def contains_interior(self, x: Any) -> bool:
        """Whether ``x`` lies in the open box."""
        p = to_rational_vector(x, "x", self.dim)
        return all(a < t < b for a, t, b in zip(self.lower, p, self.upper))

    def scaled(self, r: Any) -> Box:
        """The box ``r * self``."""
        q = to_rational(r, "r")
        return Box([q * a for a in self.lower], [q * b for b in self.upper])

    def expanded(self, rho: Any) -> Box:
        """The closed ``rho``-neighbourhood in the max norm."""
        q = to_rational(rho, "rho")
        return Box([a - q for a in self.lower], [b + q for b in self.upper])

    def to_json(self) -> dict[str, list[str]]:
        return {"lower": [format_rational(a) for a in self.lower], "upper": [format_rational(b) for b in self.upper]}

    def __str__(self) -> str:
        return "x".join(f"[{format_rational(a)},{format_rational(b)}]" for a, b in zip(self.lower, self.upper))
