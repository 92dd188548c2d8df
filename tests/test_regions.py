"""Linear regions: known counts (Zaslavsky, Telgarsky), exact partitions of boxes, exact maps."""

from __future__ import annotations

import random
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.box import Box
from verify.errors import UnsupportedNetwork
from verify.network import Network
from verify.polyhedra import Polyhedron
from verify.regions import linear_regions
from verify.strategies import relu_networks

HAT = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])


def lines_in_general_position(n: int, seed: int) -> Network:
    """One hidden layer of n ReLUs whose breakpoint lines are in general position (checked exactly)."""
    rng = random.Random(seed)
    while True:
        W = [[rng.randint(-20, 20), rng.randint(-20, 20)] for _ in range(n)]
        b = [rng.randint(-20, 20) for _ in range(n)]
        if any(w == [0, 0] for w in W):
            continue
        parallel = any(W[i][0] * W[j][1] == W[i][1] * W[j][0] for i in range(n) for j in range(i))
        points = set()
        ok = not parallel
        for i in range(n):
            for j in range(i):
                det = F(W[i][0] * W[j][1] - W[i][1] * W[j][0])
                if det:
                    p = (F(-b[i] * W[j][1] + b[j] * W[i][1]) / det, F(-W[i][0] * b[j] + W[j][0] * b[i]) / det)
                    ok = ok and p not in points
                    points.add(p)
        if ok:
            return Network.mlp([W, [[rng.choice([1, 2, 3]) for _ in range(n)]]], [b, [0]])


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 12])
def test_zaslavsky_count_of_n_lines_in_general_position(n: int) -> None:
    assert len(linear_regions(lines_in_general_position(n, n))) == 1 + n + n * (n - 1) // 2


def tent_power(k: int) -> Network:
    tent = Network.mlp([[[1], [1]], [[2, -4]]], [[0, F(-1, 2)], [0]])
    f = tent
    for _ in range(k - 1):
        f = tent.compose(f)
    return f


@pytest.mark.parametrize("k", [1, 2, 3, 4, 6])
def test_telgarsky_sawtooth_has_2_to_the_k_regions_on_the_unit_interval(k: int) -> None:
    regions = linear_regions(tent_power(k), Box([0], [1]))
    assert len(regions) == 2**k
    assert sum(r.volume() for r in regions) == 1
    assert all(abs(r.map.weight[0][0]) == 2**k for r in regions)


def test_hat_regions_over_the_line() -> None:
    regions = sorted(linear_regions(HAT), key=lambda r: r.point)
    assert [r.map.weight[0][0] for r in regions] == [0, 1, -1, 0]
    assert [r.is_zero() for r in regions] == [True, False, False, True]
    assert [r.polyhedron.is_bounded() for r in regions] == [False, True, True, False]
    assert len(linear_regions(HAT, merge=True)) == 4  # the two zero pieces do not touch


def test_merge_joins_pieces_with_one_map() -> None:
    net = Network.mlp([[[1], [-1]], [[1, -1]]], [[0, 0], [0]])  # relu(x) - relu(-x) = x
    assert len(linear_regions(net)) == 2
    merged = linear_regions(net, merge=True)
    assert len(merged) == 1 and len(merged[0].polyhedra) == 2


def test_prefix_ending_in_act_and_affine_only() -> None:
    prefix = Network(1, HAT.layers[:2])
    regions = linear_regions(prefix)
    assert len(regions) == 4 and all(r.map.out_dim == 3 for r in regions)
    affine = Network.mlp([[[1, 2]]], [[3]])
    (only,) = linear_regions(affine)
    assert only.map.weight == ((1, 2),) and only.pattern == ()


def test_polyhedron_domain_and_empty_domain() -> None:
    tri = Polyhedron([[-1, 0], [0, -1], [1, 1]], [0, 0, 1])
    net = lines_in_general_position(4, 1)
    assert sum(r.volume() for r in linear_regions(net, tri)) == F(1, 2)
    flat = Polyhedron([[1, 0], [-1, 0]], [0, 0])
    assert linear_regions(net, flat) == []


def test_budget() -> None:
    with pytest.raises(UnsupportedNetwork):
        linear_regions(tent_power(6), Box([0], [1]), budget=10)


def _map_at(r, x):  # type: ignore[no-untyped-def]
    return tuple(sum((a * t for a, t in zip(row, x)), c) for row, c in zip(r.map.weight, r.map.bias))


@settings(max_examples=40, deadline=None)
@given(relu_networks(input_dim=2, max_depth=3, max_width=4,
                     activations=("relu", "abs", "hardtanh", "leaky_relu", "identity")),
       st.integers(0, 10**6))
def test_regions_of_a_box_partition_it_and_carry_exact_maps(net: Network, seed: int) -> None:
    box = Box([-3, -2], [2, 3])
    regions = linear_regions(net, box)
    assert sum((r.volume() for r in regions), F(0)) == box.volume
    rng = random.Random(seed)
    for r in regions:
        assert r.polyhedron.contains_interior(r.point)
        assert net.eval_exact(r.point) == _map_at(r, r.point)
    # a random point lies in some region, and that region's map gives f there
    x = (F(rng.randint(-300, 200), 100), F(rng.randint(-200, 300), 100))
    hits = [r for r in regions if r.polyhedron.contains(x)]
    assert hits and all(net.eval_exact(x) == _map_at(r, x) for r in hits)


@settings(max_examples=25, deadline=None)
@given(relu_networks(input_dim=3, max_depth=2, max_width=3))
def test_regions_in_3d_partition_a_cube(net: Network) -> None:
    cube = Box.cube(3, -1, 1)
    assert sum((r.volume() for r in linear_regions(net, cube)), F(0)) == 8


def test_polygon_vertex_order_is_exact_when_vertices_are_nearly_aligned() -> None:
    """Vertices in cyclic order by exact comparisons: seen from the centroid, the three top vertices
    of this long kite lie within 1e-29 radians of each other, where float atan2 ties them (the old
    float ordering gave a self-intersecting vertex list with a negative "area")."""
    from fractions import Fraction

    from verify.polygon2d import polygon
    from verify.polyhedra import Polyhedron

    H, delta = Fraction(10**30), Fraction(1, 10**10)
    # vertices (-1, 0), (0, delta), (1, 0), (0, -H)
    P = Polyhedron([[-delta, 1], [delta, 1], [-H, -1], [H, -1]], [delta, delta, H, H])
    vs = polygon(P)
    assert vs is not None and len(vs) == 4
    twice_area = sum(Fraction(a[0]) * Fraction(b[1]) - Fraction(b[0]) * Fraction(a[1]) for a, b in zip(vs, vs[1:] + vs[:1]))
    assert twice_area == 2 * H + 2 * delta  # counter-clockwise, the exact area H + delta
