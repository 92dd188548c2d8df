"""Exact constructions of compactly supported ReLU networks (MATH.md §4, §6).

Every constructor returns a :class:`~verify.network.Network` with exact rational weights;
the approximants return result objects carrying the network and its stated facts.
"""

from verify.construct.approximants import Approximant, cut_size, interpolant, interpolant_size, sup_error, support_cut
from verify.construct.covering import (
    CoverBounds,
    box_bound,
    covering_bounds,
    diameter,
    greedy_cover,
    grid_cover,
    is_cover,
    separated_set,
)
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
from verify.construct.targets import Target, as_target
from verify.construct.theorem import approximate_with_support, cube_index

__all__ = [
    "Approximant",
    "CoverBounds",
    "Target",
    "approximate_with_support",
    "as_target",
    "box_bound",
    "covering_bounds",
    "cube_index",
    "cut_size",
    "diameter",
    "greedy_cover",
    "grid_cover",
    "interpolant",
    "interpolant_size",
    "is_cover",
    "separated_set",
    "sup_error",
    "support_cut",
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
