"""netproof/1: exact round trips, decimals read from their text, and the example networks."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.fileformat import from_json, to_dict, to_json
from verify.network import Network
from verify.strategies import analytic_networks, networks, rationals, relu_networks

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
Q = Fraction
SET = settings(max_examples=80, deadline=None)


def doc(layers: str, input_dim: int = 1) -> str:
    return f'{{"format": "netproof/1", "input_dim": {input_dim}, "layers": [{layers}]}}'


# -- round trip --------------------------------------------------------------------
@SET
@given(st.one_of(networks(), relu_networks(pooling=True), analytic_networks(max_denominator=9)))
def test_round_trip_is_the_identity(net: Network) -> None:
    text = to_json(net)
    assert from_json(text) == net
    assert from_json(to_dict(net)) == net
    assert from_json(json.loads(text)) == net  # plain json.loads keeps strings: still exact
    assert to_json(from_json(text)) == text


@SET
@given(networks())
def test_written_numbers_are_exact_strings(net: Network) -> None:
    d = to_dict(net)
    for layer in d["layers"]:
        if "affine" in layer:
            values = [v for row in layer["affine"]["weight"] for v in row] + layer["affine"]["bias"]
            assert all(isinstance(v, str) and Q(v) == Q(v) for v in values)


def test_round_trip_through_a_file(tmp_path: Path) -> None:
    net = Network(2, from_json(EXAMPLES / "pooled_hats.json").layers)
    path = tmp_path / "net.json"
    path.write_text(net.to_json())
    assert from_json(path) == from_json(str(path)) == Network.from_json(path) == net


def test_to_json_layout_is_one_layer_per_line() -> None:
    net = Network.mlp([[[1], [-1]], [[1, 1]]], [[0, 0], [Q(-1, 3)]])
    lines = net.to_json().splitlines()
    assert lines[1] == ' "format": "netproof/1",' and lines[2] == ' "input_dim": 1,'
    assert '  {"act": "relu"},' in lines
    assert '  {"affine": {"weight": [["1", "1"]], "bias": ["-1/3"]}}' in lines


def test_activation_specs_are_written_as_documented() -> None:
    text = doc('{"act": ["relu", "identity", {"leaky_relu": "1/10"}]}, {"act": {"swish": 2}}', input_dim=3)
    d = to_dict(from_json(text))
    assert d["layers"] == [{"act": ["relu", "identity", {"leaky_relu": "1/10"}]}, {"act": {"swish": "2"}}]


# -- numbers are read from their text ---------------------------------------------------
@pytest.mark.parametrize(
    ("literal", "value"),
    [("0.1", Q(1, 10)), ("1e-3", Q(1, 1000)), ("-2.50", Q(-5, 2)), ("12345678901234567890123", Q(12345678901234567890123)),
     ('"0.1"', Q(1, 10)), ('"-1/3"', Q(-1, 3)), ("1E2", Q(100)), ("0.30000000000000004", Q(30000000000000004, 10**17))],
)  # fmt: skip
def test_number_literals_are_decimals(literal: str, value: Fraction) -> None:
    net = from_json(doc(f'{{"affine": {{"weight": [[{literal}]], "bias": [{literal}]}}}}'))
    assert net.layers[0].weight == ((value,),) and net.layers[0].bias == (value,)


def test_leaky_slope_literal_is_a_decimal() -> None:
    net = from_json(doc('{"act": {"leaky_relu": 0.1}}'))
    assert net.eval_exact([-1]) == (Q(-1, 10),)


def test_python_floats_in_a_dict_are_exact_binary_values() -> None:
    d = {"format": "netproof/1", "input_dim": 1, "layers": [{"affine": {"weight": [[0.1]], "bias": [0]}}]}
    assert from_json(d).layers[0].weight[0][0] == Q(3602879701896397, 36028797018963968)


def test_description_is_accepted_and_dropped() -> None:
    text = doc("").replace('"format"', '"description": "anything", "format"')
    assert from_json(text) == Network(1, ())


# -- the examples compute what their names say ---------------------------------------------
def load(name: str) -> Network:
    return Network.from_json(EXAMPLES / f"{name}.json")


def hat(t: Fraction) -> Fraction:
    return max(Q(0), 1 - abs(t))


def test_every_example_loads_and_round_trips() -> None:
    names = sorted(p.stem for p in EXAMPLES.glob("*.json"))
    assert {"hat", "bump2d", "pyramid2d", "sigmoid_zero", "pooled_hats", "far_leak", "diamond_bump", "tanh_net"} <= set(names)
    for name in names:
        net = load(name)
        assert from_json(net.to_json()) == net
        assert "description" in json.loads((EXAMPLES / f"{name}.json").read_text())


pts = rationals(min_value=-2, max_value=2, max_denominator=16)


@SET
@given(pts, pts)
def test_piecewise_linear_examples(x0: Fraction, x1: Fraction) -> None:
    assert load("hat").eval_exact([x0]) == (hat(x0),)
    assert load("bump2d").eval_exact([x0, x1]) == (max(Q(0), hat(x0) + hat(x1) - 1),)
    assert load("pyramid2d").eval_exact([x0, x1]) == (min(hat(x0), hat(x1)),) == (max(Q(0), 1 - max(abs(x0), abs(x1))),)
    assert load("pooled_hats").eval_exact([x0, x1]) == (hat(x0) * hat(x1),)
    half = Q(1, 2)
    assert load("diamond_bump").eval_exact([x0, x1]) == (max(Q(0), half - abs(x0 - half) - abs(x1 - half)),)


@SET
@given(rationals(min_value=10**9 - 3, max_value=10**9 + 4, max_denominator=16))
def test_far_leak(x: Fraction) -> None:
    a = Q(10**9)
    assert load("far_leak").eval_exact([x]) == (min(Q(1), max(Q(0), x - a)),)
    assert load("far_leak").eval_exact([a + 7]) == (1,)


@settings(max_examples=30, deadline=None)
@given(pts, pts)
def test_analytic_examples_enclose_their_formulas(x0: Fraction, x1: Fraction) -> None:
    from verify.semantics.ball import contains_rational, endpoints

    (z,) = load("sigmoid_zero").eval_ball([x0], prec=128)
    assert contains_rational(z, 0)
    with mpmath.workprec(400):
        a, b = mpmath.mpf(x0.numerator) / x0.denominator, mpmath.mpf(x1.numerator) / x1.denominator
        v = 2 * mpmath.tanh(a - b + mpmath.mpf(1) / 4) - mpmath.tanh(a / 2 + 2 * b) / 3 + mpmath.tanh(-3 * b / 2 - 1) + 0.5
        exact = Q(*(int(n) for n in v.as_integer_ratio()))
    (y,) = load("tanh_net").eval_ball([x0, x1], prec=128)
    lo, hi = endpoints(y)
    assert lo <= exact <= hi and hi - lo < Q(1, 2**100)
    assert abs(load("tanh_net").eval_float(np.array([[float(x0), float(x1)]])).item() - float(v)) < 1e-12
