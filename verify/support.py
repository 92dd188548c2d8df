"""Exact support of piecewise-linear networks over all of R^d, and "zero outside K" proofs.

The support of a continuous ``f`` is the closure of ``{f != 0}``. For a
piecewise-linear network it is the union of the (closed, full-dimensional)
activation regions whose affine map is not identically zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verify.box import Box
from verify.polyhedra import Polyhedron

__all__ = ["Support"]


@dataclass(frozen=True)
class Support:
    """The exact support of a network: the closure of ``{x : f(x) != 0}``.

    ``pieces`` are closed polyhedra (full-dimensional activation regions, or
    merged pieces) on each of which ``f`` is affine and not identically zero;
    their union is the support. ``measure`` is an exact Fraction when bounded
    (``math.inf`` otherwise); ``bounding_box`` is exact (None when unbounded
    or empty); ``witness`` is an exact point with ``f != 0`` (None when the
    support is empty).
    """

    bounded: bool
    pieces: tuple[Polyhedron, ...]
    bounding_box: Box | None
    measure: Fraction | float
    witness: tuple[Fraction, ...] | None = None

    @property
    def empty(self) -> bool:
        return not self.pieces

    def contains(self, x: Any) -> bool:
        """Whether ``x`` lies in the support (the closure of ``{f != 0}``)."""
        return any(p.contains(x) for p in self.pieces)

    def __str__(self) -> str:
        if not self.pieces:
            return "empty support (f is identically zero)"
        m = self.measure if isinstance(self.measure, float) else str(self.measure)
        return f"support: bounded={self.bounded} bounding_box={self.bounding_box} measure={m} pieces={len(self.pieces)}"


_INF = math.inf
