"""Exact polyhedra and the exact LP: optima, certificates, volumes, against known values and scipy."""

from __future__ import annotations

import random
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.box import Box
from verify.errors import InvalidArgument
from verify.exactlp import lp_max
from verify.polyhedra import Polyhedron, check_farkas, check_no_interior


def simplex(d: int) -> Polyhedron:
    rows = [[-1 if i == j else 0 for j in range(d)] for i in range(d)] + [[1] * d]
    return Polyhedron(rows, [0] * d + [1])


@pytest.mark.parametrize("d, vol", [(1, F(1)), (2, F(1, 2)), (3, F(1, 6)), (4, F(1, 24))])
def test_standard_simplex_volume_is_one_over_d_factorial(d: int, vol: F) -> None:
    assert simplex(d).volume() == vol


def test_diamond_volume_and_vertices() -> None:
    P = Polyhedron([[1, 1], [-1, -1], [1, -1], [-1, 1]], [F(1, 2)] * 4)
    assert P.volume() == F(1, 2)
    assert sorted(P.vertices()) == sorted([(F(1, 2), 0), (F(-1, 2), 0), (0, F(1, 2)), (0, F(-1, 2))])


def test_cross_polytope_in_4d_and_redundant_rows() -> None:
    import itertools

    rows = [list(s) for s in itertools.product([-1, 1], repeat=4)]
    P = Polyhedron(rows + rows + [[1, 0, 0, 0]], [1] * 32 + [5])  # duplicates and a redundant row
    assert P.volume() == F(2**4, 24)


def test_box_round_trip_and_bounding_box() -> None:
    B = Box([0, F(-1, 3)], [2, 1])
    P = Polyhedron.from_box(B)
    assert P.volume() == B.volume == F(8, 3)
    assert P.bounding_box() == B


def test_lp_optimum_and_multipliers() -> None:
    r = lp_max([[1, 2], [3, 1], [-1, 0], [0, -1]], [4, 6, 0, 0], [1, 1])
    assert r.status == "optimal" and r.value == F(14, 5) and r.point == (F(8, 5), F(6, 5))
    y = r.multipliers
    assert y is not None and all(v >= 0 for v in y)
    assert [y[0] * 1 + y[1] * 3 - y[2], y[0] * 2 + y[1] - y[3]] == [1, 1]


def test_infeasible_gives_a_farkas_certificate() -> None:
    P = Polyhedron([[1, 0], [-1, 0], [0, 1]], [0, -1, 3])
    y = P.farkas_certificate()
    assert not P.is_feasible() and y is not None and check_farkas(P.A, P.b, y)
    assert not check_farkas(P.A, P.b, [v + 1 for v in y])  # tampered


def test_flat_polyhedron_has_a_no_interior_certificate() -> None:
    P = Polyhedron([[1, 1], [-1, -1]], [1, -1])  # the line x + y = 1
    assert P.is_feasible() and not P.is_full_dimensional() and P.interior_point() is None
    y = P.no_interior_certificate()
    assert y is not None and check_no_interior(P.A, P.b, y)
    assert not check_no_interior(P.A, P.b, [0, 0])


def test_unbounded_ray_and_recession() -> None:
    P = Polyhedron([[-1, 0], [0, -1]], [0, 0])  # the positive quadrant
    r = P.maximize([1, 2])
    assert r.status == "unbounded" and r.ray is not None and r.ray[0] + 2 * r.ray[1] > 0
    assert not P.is_bounded() and P.recession_directions()
    assert Polyhedron.whole(2).interior_point() is not None
    with pytest.raises(InvalidArgument):
        P.volume()


def test_interior_point_is_strict() -> None:
    P = Polyhedron.from_box(Box([0, 0], [F(1, 1000), 1])).clip([1, 1], F(1, 2))
    p = P.interior_point()
    assert p is not None and P.contains_interior(p)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 3), st.integers(0, 7), st.integers(0, 10**6))
def test_lp_agrees_with_scipy_and_certificates_hold(d: int, m: int, seed: int) -> None:
    from scipy.optimize import linprog

    rng = random.Random(seed)
    A = [[rng.randint(-3, 3) for _ in range(d)] for _ in range(m)]
    b = [rng.randint(-3, 5) for _ in range(m)]
    c = [rng.randint(-2, 2) for _ in range(d)]
    r = lp_max(A, b, c)  # exact re-check inside (recheck=True)
    if r.status == "optimal":
        assert r.value == sum(ci * xi for ci, xi in zip(c, r.point))  # type: ignore[arg-type]
        if m:
            s = linprog([-v for v in c], A_ub=A, b_ub=b, bounds=[(None, None)] * d, method="highs")
            assert s.status == 0 and abs(-s.fun - float(r.value)) < 1e-7
    if r.status == "infeasible":
        assert check_farkas([tuple(map(F, row)) for row in A], [F(v) for v in b], r.multipliers)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6))
def test_volume_of_random_2d_polygons_matches_shoelace(seed: int) -> None:
    rng = random.Random(seed)
    rows = [[rng.randint(-4, 4), rng.randint(-4, 4)] for _ in range(rng.randint(1, 6))]
    P = Polyhedron(rows, [rng.randint(-2, 6) for _ in rows]).intersect(Polyhedron.from_box(Box([-3, -3], [3, 3])))
    vs = P.vertices()
    if len(vs) < 3:
        assert P.volume() == 0
        return
    import math

    cx = sum(v[0] for v in vs) / len(vs)
    cy = sum(v[1] for v in vs) / len(vs)
    vs.sort(key=lambda v: math.atan2(v[1] - cy, v[0] - cx))
    area = abs(sum(vs[i][0] * vs[i - 1][1] - vs[i - 1][0] * vs[i][1] for i in range(len(vs)))) / 2
    assert P.volume() == area
