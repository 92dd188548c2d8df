"""Piecewise formulas: the text read back (a small parser here) is the network, region by region."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify import Network
from verify.box import Box
from verify.errors import InvalidArgument, UnsupportedNetwork
from verify.io.piecewise import affine_text, piecewise_formulas, piecewise_text, polyhedron_text

HAT = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
TENT2 = Network.mlp([[[1, 0], [0, 1], [1, 1]], [[1, 1, -1]]], [[0, 0, -1], [0]])  # relu x + relu y - relu(x + y - 1)


# -- a reader for the printed formulas (so the test checks meaning, not spelling) -------------
def value(expr: str, x: list[Fraction]) -> Fraction:
    total = Fraction(0)
    for term in expr.replace(" - ", " + -").split(" + "):
        sign = -1 if term.startswith("-") else 1
        term = term.lstrip("-")
        coeff, _, var = term.rpartition("*") if "*" in term else ("1", "", term) if term.startswith("x") else (term, "", "")
        total += sign * Fraction(coeff) * (x[int(var[1:])] if var else 1)
    return total


def holds(region: str, x: list[Fraction]) -> bool:
    if region == "everywhere":
        return True
    return any(all(_atom(a, x) for a in cell.strip("()").split(" and ")) for cell in region.split(" or "))


def _atom(atom: str, x: list[Fraction]) -> bool:
    parts = atom.split(" <= ")
    if len(parts) == 3:
        return Fraction(parts[0]) <= value(parts[1], x) <= Fraction(parts[2])
    if len(parts) == 2:
        return value(parts[0], x) <= Fraction(parts[1])
    lhs, rhs = atom.split(" >= ")
    return value(lhs, x) >= Fraction(rhs)


def check_formulas(net: Network, rows: list[tuple[str, str]], points: list[list[Fraction]]) -> None:
    for x in points:
        inside = [f for r, f in rows if holds(r, x)]
        assert inside, f"no region contains {x}"  # the regions cover the domain
        for f in inside:  # on every region containing x (boundaries too, by continuity) the formula is f(x)
            assert (value(f, x),) == net.eval_exact(x)


# -- facts ------------------------------------------------------------------------------
def test_hat_formulas() -> None:
    assert piecewise_formulas(HAT) == [
        ("x0 <= -1", "0"),
        ("-1 <= x0 <= 0", "x0 + 1"),
        ("0 <= x0 <= 1", "-x0 + 1"),
        ("x0 >= 1", "0"),
    ]


def test_two_dimensional_tent_has_seven_regions_and_reads_back() -> None:
    rows = piecewise_formulas(TENT2)
    assert len(rows) == 7
    assert ("x0 >= 0 and x1 >= 0 and x0 + x1 >= 1", "1") in rows
    grid = [[Fraction(a, 4), Fraction(b, 4)] for a in range(-8, 9) for b in range(-8, 9)]
    check_formulas(TENT2, rows, grid)


def test_domain_and_merge() -> None:
    on_square = piecewise_formulas(TENT2, Box.cube(2, 0, 1))
    assert on_square == [("x0 >= 0 and x1 >= 0 and x0 + x1 <= 1", "x0 + x1"), ("x0 <= 1 and x1 <= 1 and x0 + x1 >= 1", "1")]
    merged = piecewise_formulas(HAT + HAT.compose(Network.mlp([[[1]]], [[-4]])), merge=True)
    zeros = [r for r, f in merged if f == "0"]
    assert len(zeros) == 3 and len(merged) == 7  # three zero components (left, middle, right)
    assert "x0 <= -1" in zeros and "1 <= x0 <= 3" in zeros


def test_several_outputs_and_names() -> None:
    net = Network.concat(HAT, Network.mlp([[[2]]], [["1/2"]]))
    rows = piecewise_formulas(net, names=["t"])
    assert rows[1] == ("-1 <= t <= 0", "(t + 1, 2*t + 1/2)")
    assert piecewise_text(HAT, Box([0], [2])).splitlines() == [
        "f(x0) = -x0 + 1    0 <= x0 <= 1",
        "        0          1 <= x0 <= 2",
    ]


def test_text_helpers() -> None:
    assert affine_text([0, 0], 0, ["a", "b"]) == "0"
    assert affine_text([Fraction(-1), Fraction(3, 4)], Fraction(-5), ["a", "b"]) == "-a + 3/4*b - 5"
    # scaled duplicates and redundant rows are dropped; coefficients become coprime integers
    assert polyhedron_text([["1/2", 0], [2, 0], [0, -1], [1, -1]], ["1/2", 2, 0, 7], ["x", "y"]) == "x <= 1 and y >= 0"
    assert polyhedron_text([], [], ["x"]) == "everywhere"


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 4), st.sampled_from(["relu", "abs", {"leaky_relu": "1/3"}, "hardtanh"]))
def test_random_networks_read_back(seed: int, width: int, activation: object) -> None:
    rng = np.random.default_rng(seed)
    W1 = [[int(v) for v in row] for row in rng.integers(-2, 3, size=(width, 2))]
    b1 = [int(v) for v in rng.integers(-2, 3, size=width)]
    W2 = [[int(v) for v in rng.integers(-2, 3, size=width)]]
    net = Network.mlp([W1, W2], [b1, [int(rng.integers(-2, 3))]], activation)
    rows = piecewise_formulas(net)
    points = [[Fraction(int(a), 3), Fraction(int(b), 3)] for a, b in rng.integers(-12, 13, size=(30, 2))]
    check_formulas(net, rows, points)


def test_refusals() -> None:
    with pytest.raises(UnsupportedNetwork, match="piecewise-linear"):
        piecewise_formulas(Network.mlp([[[1]], [[1]]], [[0], [0]], "tanh"))
    with pytest.raises(UnsupportedNetwork, match="piecewise-linear"):
        piecewise_formulas(HAT * HAT)
    with pytest.raises(UnsupportedNetwork, match="budget"):
        piecewise_formulas(TENT2, max_regions=3)
    with pytest.raises(InvalidArgument):
        piecewise_formulas(HAT, names=["a", "b"])
    with pytest.raises(InvalidArgument):
        piecewise_formulas("hat")  # type: ignore[arg-type]
