"""Analytic networks: rigorous nonvanishing witnesses, exact zero decisions and supports.

A real-analytic network that vanishes on a non-empty open set vanishes
everywhere (MATH.md §5, Theorem N). So a nonzero analytic network has a
rigorous witness in every open box, and its support is never bounded.
"""

from verify.analytic.supports import prove_support_in, support
from verify.analytic.witness import nonvanishing_witness
from verify.zero import is_identically_zero

__all__ = ["nonvanishing_witness", "prove_support_in", "support", "is_identically_zero"]
