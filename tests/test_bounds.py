"""Exact maxima and Lipschitz constants of piecewise-linear networks."""

from __future__ import annotations

import math
from fractions import Fraction as F

import pytest

from verify.bounds import lipschitz_constant, max_abs
from verify.box import Box
from verify.errors import InvalidArgument
from verify.network import Network
from verify.polyhedra import Polyhedron

HAT = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])


def test_max_abs_of_the_hat() -> None:
    assert max_abs(HAT, Box([-5], [5])) == (1, (0,))
    assert max_abs(HAT, Box([F(1, 2)], [3])) == (F(1, 2), (F(1, 2),))
    assert max_abs(-3 * HAT, Box([-5], [5]))[0] == 3


def test_max_abs_of_vector_outputs_and_polyhedra() -> None:
    net = Network.concat(HAT, Network.mlp([[[-2]]], [[1]]))  # (hat(x), 1 - 2x)
    value, point = max_abs(net, Box([-1], [2]))
    assert value == 3 and point in ((2,), (-1,))  # |1 - 2x| = 3 at both ends
    tri = Polyhedron([[-1, 0], [0, -1], [1, 1]], [0, 0, 1])
    lin = Network.mlp([[[3, -4]]], [[1]])
    assert max_abs(lin, tri) == (4, (1, 0))  # 3x - 4y + 1 is 1, 4, -3 at the vertices


def test_max_abs_unbounded() -> None:
    ident = Network.mlp([[[1]]], [[0]])
    assert max_abs(ident, Polyhedron([[-1]], [0]))[0] == math.inf


def test_lipschitz_constants() -> None:
    assert lipschitz_constant(HAT) == 1
    tent = Network.mlp([[[1], [1]], [[2, -4]]], [[0, F(-1, 2)], [0]])
    assert lipschitz_constant(tent.compose(tent).compose(tent)) == 8
    lin = Network.mlp([[[3, -4], [1, 1]]], [[0, 0]])
    assert lipschitz_constant(lin, "inf") == 7 and lipschitz_constant(lin, "1") == 5
    value, point = lipschitz_constant(tent, with_witness=True)
    assert value == 2 and point is not None
    with pytest.raises(InvalidArgument):
        lipschitz_constant(HAT, "2")
    plane = Network.mlp([[[3, 4], [1, 0]], [[1, 1]]], [[0, 0], [0]])  # relu(3x + 4y) + relu(x)
    assert lipschitz_constant(plane, "2sq") == 32  # gradients (4, 4), (3, 4), (1, 0), (0, 0)
    with pytest.raises(InvalidArgument):
        lipschitz_constant(lin, "2sq")
