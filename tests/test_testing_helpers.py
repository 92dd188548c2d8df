"""verify.testing: the assertions pass on true facts and fail with the exact witness otherwise."""

from __future__ import annotations

from fractions import Fraction

import pytest

from verify import Box, Network
from verify.testing import assert_equivalent, assert_identically_zero, assert_nonvanishing, assert_support_in, describe_failure
from verify.verdict import Claim, Status, Verdict

FAR = Network.mlp([[[1], [1]], [[1, -1]]], [[-(10**9), -(10**9) - 1], [0]])  # relu(x - 10^9) - relu(x - 10^9 - 1)
HAT = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])


def test_far_leak_fails_with_its_witness_in_the_message() -> None:
    with pytest.raises(AssertionError) as info:
        assert_support_in(FAR, Box([-1], [1]))
    msg = str(info.value)
    assert "REFUTED" in msg and "witness: x = (" in msg
    x = Fraction(msg.split("witness: x = (")[1].split(")")[0])
    assert x > 10**9
    assert FAR.eval_exact([x])[0] != 0
    assert f"f(x) = ({FAR.eval_exact([x])[0]}" in msg.replace(" ", " ")


def test_hat_support_passes_and_a_tight_box_fails() -> None:
    assert assert_support_in(HAT, Box([-1], [1])).proved
    with pytest.raises(AssertionError, match="witness"):
        assert_support_in(HAT, Box([-1], [Fraction(1, 2)]))


def test_identically_zero_analytic_and_pl() -> None:
    pair = Network.mlp([[[1], [-1]], [[1, 1]]], [[0, 0], [-1]], "sigmoid")
    assert assert_identically_zero(pair).proved
    odd = Network.mlp([[[1], [-1], [1]], [[1, -1, -1]]], [[0, 0, 0], [0]], "relu")  # relu(x) - relu(-x) - relu(x) = -relu(-x)
    with pytest.raises(AssertionError, match="witness"):
        assert_identically_zero(odd)


def test_equivalent_max_two_ways_and_a_perturbed_copy() -> None:
    m1 = Network.mlp([[[1, -1], [0, 1], [0, -1]], [[1, 1, -1]]], [[0, 0, 0], [0]])
    m2 = Network.mlp([[[-1, 1], [1, 0], [-1, 0]], [[1, 1, -1]]], [[0, 0, 0], [0]])
    assert assert_equivalent(m1, m2).proved
    m3 = Network.mlp([[[-1, 1], [1, 0], [-1, 0]], [[1, 1, Fraction(-999, 1000)]]], [[0, 0, 0], [0]])
    with pytest.raises(AssertionError, match="witness"):
        assert_equivalent(m1, m3)


def test_nonvanishing_far_from_the_support_for_gelu() -> None:
    gelu_hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]], "gelu")
    v = assert_nonvanishing(gelu_hat, Box([20], [21]))
    assert Box([20], [21]).contains_interior(v.witness.point)


def test_nonvanishing_fails_for_a_relu_net_that_is_zero_there() -> None:
    with pytest.raises(AssertionError):
        assert_nonvanishing(HAT, Box([2], [3]))


def test_unknown_fails_and_says_so() -> None:
    v = Verdict(Status.UNKNOWN, Claim("x", "f == 0 outside K"), reason="budget of 10 regions ran out")
    msg = describe_failure(v, "assert_support_in")
    assert "UNKNOWN fails the assertion" in msg and "budget of 10 regions ran out" in msg


def test_non_networks_are_rejected() -> None:
    from verify.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="Expected a Network"):
        assert_identically_zero("relu")  # type: ignore[arg-type]
