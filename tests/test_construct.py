"""Facts about the exact ReLU building blocks (MATH.md §6) and the delta-covers (§8 item 7).

Exact evaluation at many rational points (hypothesis) checks the formulas; the exact analyses
(support, prove_support_in, equivalent, max_abs) check the set-level facts. An analysis that has
not landed yet makes its test skip, never pass.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.box import Box
from verify.construct import (
    box_bound,
    bump,
    bump_size,
    covering_bounds,
    cube_union,
    freudenthal_hat,
    freudenthal_size,
    greedy_cover,
    grid_cover,
    hat,
    is_cover,
    max_of,
    max_of_plateaus,
    min_of,
    plateau,
    plateau_size,
    separated_set,
    size_of,
    tree_size,
)
from verify.construct._analysis import find
from verify.construct.approximants import _interpolant_network
from verify.errors import InvalidArgument
from verify.network import Network

Q = Fraction
small = st.fractions(min_value=-6, max_value=6, max_denominator=24)
FAST = settings(max_examples=60, deadline=None)


def need(name: str):  # type: ignore[no-untyped-def]
    fn = find(name)
    if fn is None:
        pytest.skip(f"the analysis {name!r} has not landed")
    return fn


def const(d: int, c: object) -> Network:
    return Network.mlp([[[0] * d]], [[c]])


def hat_value(t: Fraction, a: Fraction, b: Fraction) -> Fraction:
    c, r = (a + b) / 2, (b - a) / 2
    return max(Q(0), 1 - abs(t - c) / r)


def trapezoid(t: Fraction, a: Fraction, b: Fraction, m: Fraction) -> Fraction:
    dist = max(a - t, t - b, Q(0))
    return max(Q(0), 1 - dist / m)


# -- hat, bump, plateau -----------------------------------------------------------------------


@FAST
@given(a=small, w=st.fractions(min_value=Q(1, 8), max_value=5, max_denominator=16), t=small)
def test_hat_is_the_tent_on_a_b(a: Fraction, w: Fraction, t: Fraction) -> None:
    f = hat(a, a + w)
    assert f.eval_exact([t]) == (hat_value(t, a, a + w),)
    assert f.eval_exact([a + w / 2]) == (1,)


@FAST
@given(lo=st.lists(small, min_size=1, max_size=3), data=st.data())
def test_bump_is_the_min_of_hats_and_positive_exactly_on_the_open_box(lo: list[Fraction], data: st.DataObject) -> None:
    d = len(lo)
    ws = data.draw(st.lists(st.fractions(min_value=Q(1, 4), max_value=3, max_denominator=8), min_size=d, max_size=d))
    box = Box(lo, [a + w for a, w in zip(lo, ws)])
    f = bump(box)
    x = data.draw(st.lists(small, min_size=d, max_size=d))
    value = f.eval_exact(x)[0]
    assert value == min(hat_value(t, a, b) for t, a, b in zip(x, box.lower, box.upper))
    assert (value > 0) == box.contains_interior(x)
    assert f.eval_exact(box.center) == (1,)


@pytest.mark.parametrize("box", [Box([0], [3]), Box([-1, 2], [1, 5]), Box(["1/2", 0, -1], [1, 2, 0])])
def test_bump_support_is_exactly_the_box_and_its_measure_the_volume(box: Box) -> None:
    support = need("support")
    s = support(bump(box))
    assert s.bounded and s.bounding_box == box and s.measure == box.volume
    prove = need("prove_support_in")
    assert prove(bump(box), box).proved
    shrunk = Box(box.lower, [b - Q(1, 100) if i == 0 else b for i, b in enumerate(box.upper)])
    v = prove(bump(box), shrunk)
    assert v.refuted and bump(box).eval_exact(v.witness.point) != (0,)


@FAST
@given(a=small, w=st.fractions(min_value=0, max_value=3, max_denominator=8),
       m=st.fractions(min_value=Q(1, 8), max_value=2, max_denominator=8), t=small, u=small)
def test_plateau_is_one_on_the_box_zero_off_its_margin(a: Fraction, w: Fraction, m: Fraction, t: Fraction, u: Fraction) -> None:
    box = Box([a, -1], [a + w, 1])
    f = plateau(box, m)
    value = f.eval_exact([t, u])[0]
    assert value == min(trapezoid(t, a, a + w, m), trapezoid(u, Q(-1), Q(1), m))
    assert 0 <= value <= 1
    if box.contains([t, u]):
        assert value == 1
    if not box.expanded(m).contains_interior([t, u]):
        assert value == 0


def test_plateau_support_is_the_expanded_box() -> None:
    support = need("support")
    box = Box([0, 0], [1, "1/2"])
    s = support(plateau(box, "1/4"))
    assert s.bounding_box == box.expanded("1/4") and s.measure == box.expanded("1/4").volume


def test_plateau_is_bounded_by_one_exactly() -> None:
    max_abs = need("max_abs")
    value, point = max_abs(plateau(Box([0, 0], [1, 1]), "1/2"), Box([-1, -1], [2, 2]))
    assert value == 1 and Box([0, 0], [1, 1]).contains(point)


# -- trees ------------------------------------------------------------------------------------


@FAST
@given(xs=st.lists(small, min_size=1, max_size=9))
def test_max_and_min_trees_are_exact(xs: list[Fraction]) -> None:
    n = len(xs)
    assert max_of(n).eval_exact(xs) == (max(xs),)
    assert min_of(n).eval_exact(xs) == (min(xs),)
    nonneg = [abs(x) for x in xs]
    assert max_of(n, nonnegative=True).eval_exact(nonneg) == (max(nonneg),)
    assert min_of(n, nonnegative=True).eval_exact(nonneg) == (min(nonneg),)


@pytest.mark.parametrize("n", range(1, 18))
def test_tree_depth_is_ceil_log2_and_sizes_match_the_formula(n: int) -> None:
    levels = (n - 1).bit_length()
    for nonnegative in (False, True):
        for net in (max_of(n, nonnegative=nonnegative), min_of(n, nonnegative=nonnegative)):
            assert net.depth == levels + 1 and len(size_of(net).hidden) == levels
            assert size_of(net) == tree_size(n, nonnegative=nonnegative)
            assert set(a.name for a in net.activations()) <= {"relu"}


@pytest.mark.parametrize("d", [1, 2, 3, 4, 5])
def test_primitive_sizes_match_their_formulas(d: int) -> None:
    assert size_of(bump(Box.cube(d, 0, 1))) == bump_size(d)
    assert size_of(plateau(Box.cube(d, 0, 1), 1)) == plateau_size(d)
    phi = freudenthal_hat(d)
    assert size_of(phi) == freudenthal_size(d)
    assert phi.depth == (d - 1).bit_length() + 3 and phi.width == 2 * d
    assert bump(Box.cube(d, 0, 1)).depth == (d - 1).bit_length() + 2


# -- the Freudenthal hat --------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(d=st.integers(1, 3), data=st.data())
def test_freudenthal_hats_are_a_partition_of_unity(d: int, data: st.DataObject) -> None:
    phi = freudenthal_hat(d)
    y = data.draw(st.lists(st.fractions(min_value=-4, max_value=4, max_denominator=12), min_size=d, max_size=d))
    base = [t.__floor__() for t in y]
    total = sum(
        phi.eval_exact([t - b - e for t, b, e in zip(y, base, es)])[0] for es in itertools.product(range(-1, 3), repeat=d)
    )
    assert total == 1


@settings(max_examples=40, deadline=None)
@given(d=st.integers(1, 4), data=st.data())
def test_freudenthal_hat_is_the_nodal_basis(d: int, data: st.DataObject) -> None:
    """On the simplex {1 >= y_s(1) >= ... >= y_s(d) >= 0} phi(y) = 1 - max(y): linear, 1 at 0, 0 at other vertices."""
    phi = freudenthal_hat(d)
    y = data.draw(st.lists(st.fractions(min_value=0, max_value=1, max_denominator=16), min_size=d, max_size=d))
    assert phi.eval_exact(y) == (1 - max(y),)
    assert phi.eval_exact([-t for t in y]) == (1 - max(y),)
    v = data.draw(st.lists(st.integers(-2, 2), min_size=d, max_size=d))
    assert phi.eval_exact(v) == (int(not any(v)),)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_freudenthal_support_is_the_star_of_the_origin_with_measure_d_plus_1(d: int) -> None:
    """The star of a vertex has (d+1) d! simplices of volume 1/d!."""
    s = need("support")(freudenthal_hat(d))
    assert s.bounding_box == Box.cube(d, -1, 1) and s.measure == d + 1


@pytest.mark.parametrize("d, nodes", [(1, range(-1, 4)), (2, range(-1, 3)), (3, range(0, 2))])
def test_shifted_freudenthal_hats_sum_to_one_on_a_box(d: int, nodes: range) -> None:
    """sum_v phi(x - v) is equivalent to the constant 1 on [0, 1]^d (exact region analysis)."""
    equivalent = need("equivalent")
    vs = [tuple(Q(t) for t in v) for v in itertools.product(nodes, repeat=d)]
    total = _interpolant_network(d, Q(1), vs, [(Q(1),)] * len(vs), 1)  # the sum, built as parallel hats
    assert equivalent(total, const(d, 1), Box.cube(d, 0, 1)).proved
    if d == 1:
        v = equivalent(total, const(d, 1), Box([0], [4]))
        assert v.refuted and total.eval_exact(v.witness.point) != (1,)


@pytest.mark.slow
def test_shifted_freudenthal_hats_sum_to_one_on_a_bigger_box() -> None:
    equivalent = need("equivalent")
    phi = freudenthal_hat(2)
    total = None
    for v in itertools.product(range(-1, 4), repeat=2):
        term = phi.compose(Network.mlp([[[1, 0], [0, 1]]], [[-v[0], -v[1]]]))
        total = term if total is None else total + term
    assert total is not None and equivalent(total, const(2, 1), Box.cube(2, 0, 2)).proved


def test_shifted_hats_sum_to_one_on_an_interval() -> None:
    equivalent = need("equivalent")
    total = hat(-1, 1)
    for j in range(1, 6):
        total = total + hat(j - 1, j + 1)
    assert equivalent(total, const(1, 1), Box([0], [5])).proved
    v = equivalent(total, const(1, 1), Box([0], [7]))
    assert v.refuted and total.eval_exact(v.witness.point) != (1,)


@FAST
@given(t=st.fractions(min_value=0, max_value=5, max_denominator=30))
def test_shifted_hats_sum_to_one_pointwise(t: Fraction) -> None:
    assert sum(hat(j - 1, j + 1).eval_exact([t])[0] for j in range(6)) == 1


# -- cube_union and max of plateaus -------------------------------------------------------------------


@FAST
@given(x=st.lists(st.fractions(min_value=-2, max_value=3, max_denominator=8), min_size=2, max_size=2))
def test_cube_union_is_one_on_the_cells_and_zero_off_the_neighbourhood(x: list[Fraction]) -> None:
    cells, h = [(0, 0), (1, 0), (2, 1)], Q(1, 2)
    f = cube_union(cells, h)
    cubes = [Box([h * a, h * b], [h * (a + 1), h * (b + 1)]) for a, b in cells]
    value = f.eval_exact(x)[0]
    assert 0 <= value <= 1
    if any(c.contains(x) for c in cubes):
        assert value == 1
    if not any(c.expanded(h).contains_interior(x) for c in cubes):
        assert value == 0


def test_cube_union_support_is_the_h_neighbourhood() -> None:
    prove = need("prove_support_in")
    h = Q(1, 2)
    f = cube_union([(0, 0), (1, 0)], h)
    assert prove(f, [Box([-h, -h], [2 * h + h, h + h])]).proved
    s = need("support")(f)
    assert s.measure == (3 * h) * (4 * h)  # [-1/2, 3/2] x [-1/2, 1]


def test_max_of_plateaus_covers_points() -> None:
    f = max_of_plateaus([Box([0, 0], [0, 0]), Box([2, 2], [2, 2])], 1)
    assert f.eval_exact([0, 0]) == (1,) and f.eval_exact([2, 2]) == (1,) and f.eval_exact([1, 1]) == (0,)


# -- covers --------------------------------------------------------------------------------------------

boxes_2d = st.builds(
    lambda a, b, w, v: Box([a, b], [a + w, b + v]),
    st.fractions(-2, 2, max_denominator=4), st.fractions(-2, 2, max_denominator=4),
    st.fractions(0, 2, max_denominator=4), st.fractions(0, 2, max_denominator=4),
)
deltas = st.sampled_from([Q(1, 8), Q(1, 5), Q(1, 4), Q(1, 3), Q(1, 2), Q(1)])


@settings(max_examples=40, deadline=None)
@given(K=st.lists(boxes_2d, min_size=1, max_size=3), delta=deltas)
def test_covers_are_genuine_and_the_sandwich_holds(K: list[Box], delta: Fraction) -> None:
    grid, greedy = grid_cover(K, delta), greedy_cover(K, delta)
    assert is_cover(grid, K, delta) and is_cover(greedy, K, delta)
    assert all(any(b.contains(c) for b in K) for c in grid + greedy)  # centres in K
    b = covering_bounds(K, delta)
    assert b.lower <= b.upper <= b.box_bound == box_bound(K, delta) and is_cover(b.cover, K, delta)
    sep = separated_set(K, 2 * delta)
    assert all(max(abs(x - y) for x, y in zip(p, q)) > 2 * delta for p, q in itertools.combinations(sep, 2))
    t = 2 * delta / 4
    assert all(max(abs(x - y) for x, y in zip(p, q)) > delta - t / 2 for p, q in itertools.combinations(greedy, 2))


def test_covering_numbers_of_a_square_are_exact() -> None:
    """N([0,1]^2, delta) = ceil(1/(2 delta))^2: the lower and upper bounds meet."""
    for delta, n in [(Q(1, 2), 1), (Q(1, 4), 4), (Q(1, 6), 9), (Q(1, 8), 16)]:
        b = covering_bounds(Box([0, 0], [1, 1]), delta)
        assert b.lower == b.upper == n


def test_a_cover_of_samples_is_not_a_cover_the_pitfall() -> None:
    K = Box([0, 0], [1, 1])
    samples = [(Q(0), Q(0)), (Q(0), Q(1)), (Q(1), Q(0)), (Q(1), Q(1))]
    assert not is_cover(samples, K, Q(1, 4))
    psi = max_of_plateaus([Box(list(c), list(c)) for c in samples], Q(1, 4) * 2)
    assert psi.eval_exact(["1/2", "1/2"]) == (0,)  # a hole inside K: the cut would erase f there


def test_is_cover_is_exact_on_boundaries() -> None:
    K = Box([0, 0], [2, 1])
    assert is_cover([(Q(1, 2), Q(1, 2)), (Q(3, 2), Q(1, 2))], K, Q(1, 2))
    assert not is_cover([(Q(1, 2), Q(1, 2)), (Q(3, 2) + Q(1, 1000), Q(1, 2))], K, Q(1, 2))


# -- invalid inputs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: hat(1, 1),
        lambda: hat(2, 1),
        lambda: bump(Box([0, 0], [1, 0])),
        lambda: bump([0, 1]),
        lambda: plateau(Box([0], [1]), 0),
        lambda: max_of(0),
        lambda: min_of(True),
        lambda: freudenthal_hat(0),
        lambda: cube_union([], 1),
        lambda: cube_union([(0, "a")], 1),
        lambda: cube_union([(0, 0)], -1),
        lambda: grid_cover(Box([0], [1]), 0),
        lambda: grid_cover([], 1),
        lambda: greedy_cover(Box([0], [1]), 1, refine=1),
    ],
)
def test_invalid_arguments_are_rejected(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument, match="Expected"):
        call()
