"""Exact constructions of compactly supported ReLU networks (MATH.md §4, §6).

Every constructor returns a :class:`~verify.network.Network` with exact rational weights;
the approximants return result objects carrying the network and its stated facts.
"""

from verify.construct.primitives import (
    Size,
    bump,
    bump_size,
    cube_union,
    freudenthal_hat,
    freudenthal_size,
    hat,
    max_of,
    max_of_plateaus,
    max_of_plateaus_size,
    min_of,
    plateau,
    plateau_size,
    size_of,
    tree_size,
)

__all__ = [
    "Size",
    "bump",
    "bump_size",
    "cube_union",
    "freudenthal_hat",
    "freudenthal_size",
    "hat",
    "max_of",
    "max_of_plateaus",
    "max_of_plateaus_size",
    "min_of",
    "plateau",
    "plateau_size",
    "size_of",
    "tree_size",
]
