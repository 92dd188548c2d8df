"""verify.strategies: valid networks within the requested bounds, shrinking to small integer networks."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from verify.box import Box
from verify.errors import InvalidArgument
from verify.layers import Act, Affine, Pool
from verify.network import Network
from verify.strategies import ANALYTIC, analytic_networks, boxes, networks, rationals, relu_networks

SET = settings(max_examples=100, deadline=None)
NO_DB = settings(database=None, max_examples=2000)


def affines(net: Network) -> list[Affine]:
    return [layer for layer in net.layers if isinstance(layer, Affine)]


def numbers(net: Network) -> list[Fraction]:
    return [v for a in affines(net) for row in a.weight for v in (*row, *a.bias)]


# -- rationals and boxes ------------------------------------------------------------
@SET
@given(rationals(min_value="-1/3", max_value="22/7", max_denominator=5))
def test_rationals_respect_bounds_and_denominators(q: Fraction) -> None:
    assert Fraction(-1, 3) <= q <= Fraction(22, 7)
    assert q.denominator <= 5 or q in (Fraction(-1, 3), Fraction(22, 7))


@SET
@given(rationals(min_value="1/1000", max_value="2/1000", max_denominator=3))
def test_rationals_in_a_range_without_small_denominators_return_a_bound(q: Fraction) -> None:
    assert q in (Fraction(1, 1000), Fraction(2, 1000))


@SET
@given(rationals(max_value=-7), rationals(min_value=7))
def test_half_bounded_rationals(a: Fraction, b: Fraction) -> None:
    assert a <= -7 and b >= 7


def test_rationals_shrink_to_integers_near_zero() -> None:
    assert find(rationals(), lambda q: q > 2, settings=NO_DB) == 3
    assert find(rationals(min_value=-10, max_value=-2), lambda q: True, settings=NO_DB) == -2
    assert find(rationals(), lambda q: q.denominator == 4, settings=NO_DB) in (Fraction(1, 4), Fraction(-1, 4))


@SET
@given(st.data())
def test_boxes_are_full_dimensional_and_inside_the_range(data: st.DataObject) -> None:
    d = data.draw(st.integers(1, 4))
    box = data.draw(boxes(d, min_value=-3, max_value="7/2", min_side="1/4"))
    assert isinstance(box, Box) and box.dim == d and box.volume > 0
    for a, b in zip(box.lower, box.upper):
        assert -3 <= a and b <= Fraction(7, 2) and b - a >= Fraction(1, 4)


def test_boxes_shrink_to_the_unit_cube() -> None:
    assert str(find(boxes(3), lambda b: True, settings=NO_DB)) == "[0,1]x[0,1]x[0,1]"
    assert str(find(boxes(1, min_value=2, max_value=9), lambda b: True, settings=NO_DB)) == "[2,3]"


# -- networks -------------------------------------------------------------------------
BOUNDS: dict[str, Any] = dict(
    min_input_dim=2, max_input_dim=3, min_output_dim=1, max_output_dim=2,
    min_depth=2, max_depth=4, min_width=2, max_width=5, max_abs_weight=3, max_denominator=4,
)  # fmt: skip


def check_bounds(net: Network, *, pooled_output: bool) -> None:
    assert 2 <= net.input_dim <= 3 and 1 <= net.output_dim <= 2
    assert 2 <= net.depth <= 4
    layers = affines(net)
    for a in layers[:-1]:
        assert 2 <= a.out_dim <= 5
    last = layers[-1].out_dim
    assert last == net.output_dim or (pooled_output and last == 2 * net.output_dim and isinstance(net.layers[-1], Pool))
    assert all(abs(v) <= 3 and v.denominator <= 4 for v in numbers(net))


@SET
@given(relu_networks(**BOUNDS))
def test_relu_networks_within_bounds(net: Network) -> None:
    check_bounds(net, pooled_output=False)
    assert net.is_piecewise_linear and net.num_pool == 0
    assert {a.name for a in net.activations()} <= {"relu"}
    assert len(net.eval_exact([0] * net.input_dim)) == net.output_dim


@SET
@given(relu_networks(activations=("relu", "leaky_relu", "abs", "hardtanh"), pooling=True, **BOUNDS))
def test_relu_pool_networks_within_bounds(net: Network) -> None:
    check_bounds(net, pooled_output=True)
    assert net.is_relu_pool
    assert {a.name for a in net.activations()} <= {"relu", "leaky_relu", "abs", "hardtanh"}
    for a in net.activations():
        assert a.param is None or 0 <= a.param <= 1


@SET
@given(analytic_networks(**BOUNDS))
def test_analytic_networks_within_bounds(net: Network) -> None:
    check_bounds(net, pooled_output=False)
    assert net.is_analytic and not net.is_relu_pool
    assert {a.name for a in net.activations()} <= set(ANALYTIC)


@SET
@given(networks(**BOUNDS))
def test_mixed_networks_within_bounds(net: Network) -> None:
    check_bounds(net, pooled_output=True)
    for layer in net.layers:
        if isinstance(layer, Act) and layer.per_unit:
            assert len(layer.functions) >= 2  # per-unit lists only for layers of width >= 2 here


@SET
@given(relu_networks(input_dim=4, output_dim=3, max_depth=2))
def test_fixed_dimensions(net: Network) -> None:
    assert (net.input_dim, net.output_dim) == (4, 3)


def test_mixed_strategy_reaches_pooling_per_unit_lists_and_every_class() -> None:
    seen = set()

    @settings(max_examples=300, deadline=None, database=None)
    @given(networks())
    def collect(net: Network) -> None:
        seen.add(("pool", net.num_pool > 0))
        seen.add(("per_unit", any(isinstance(l, Act) and l.per_unit for l in net.layers)))
        seen.add(("class", net.is_piecewise_linear, net.is_relu_pool, net.is_analytic))

    collect()
    assert {("pool", True), ("pool", False), ("per_unit", True)} <= seen
    assert ("class", False, False, True) in seen and ("class", False, False, False) in seen


# -- shrinking ---------------------------------------------------------------------------
def test_minimal_network_is_one_zero_affine_layer() -> None:
    net = find(relu_networks(), lambda n: True, settings=NO_DB)
    assert net == Network(1, (Affine([[0]], [0]),))


def test_minimal_examples_are_small_with_integer_weights() -> None:
    deep = find(relu_networks(), lambda n: n.depth >= 3, settings=NO_DB)
    assert deep.depth == 3 and deep.width == 1 and all(v == 0 for v in numbers(deep))
    nonzero = find(relu_networks(input_dim=1, min_depth=2), lambda n: n.eval_exact([1]) != (0,), settings=NO_DB)
    assert nonzero.width == 1 and all(v.denominator == 1 and abs(v) <= 1 for v in numbers(nonzero))
    big = find(relu_networks(input_dim=1), lambda n: n.eval_exact([1])[0] > 2, settings=NO_DB)
    assert all(v.denominator == 1 for v in numbers(big)) and big.eval_exact([1])[0] == 3
    pooled = find(networks(input_dim=1), lambda n: n.num_pool >= 1 and n.depth >= 2, settings=NO_DB)
    assert pooled.width == 2 and all(v == 0 for v in numbers(pooled))


# -- invalid options ------------------------------------------------------------------------
INVALID = [
    (relu_networks, dict(min_depth=0), "min_depth=0"),
    (relu_networks, dict(min_depth=3, max_depth=2), "min_depth <= max_depth"),
    (relu_networks, dict(max_width="3"), "max_width='3'"),
    (relu_networks, dict(input_dim=0), "input_dim=0"),
    (relu_networks, dict(input_dim=True), "input_dim=True"),
    (relu_networks, dict(activations=("sigmoid",)), "activations[0]='sigmoid'"),
    (relu_networks, dict(activations="relu"), "activations='relu'"),
    (relu_networks, dict(activations=()), "activations=()"),
    (relu_networks, dict(pooling="yes"), "pooling='yes'"),
    (relu_networks, dict(max_abs_weight=-1), "max_abs_weight=-1"),
    (relu_networks, dict(max_abs_weight="abc"), "max_abs_weight='abc'"),
    (relu_networks, dict(max_denominator=0), "max_denominator=0"),
    (analytic_networks, dict(activations=("tanh", "relu")), "activations[1]='relu'"),
    (networks, dict(activations=("foo",)), "activations[0]='foo'"),
    (rationals, dict(min_value=2, max_value=1), "min_value <= max_value"),
    (rationals, dict(min_value="abc"), "min_value='abc'"),
    (rationals, dict(max_value=float("nan")), "max_value=nan"),
]


@pytest.mark.parametrize(("strategy", "kwargs", "place"), INVALID, ids=[str(k) for _, k, _ in INVALID])
def test_invalid_options_raise_invalid_argument_at_once(strategy: Any, kwargs: dict[str, Any], place: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        strategy(**kwargs)
    assert str(info.value).startswith("Expected ") and place in str(info.value)


@pytest.mark.parametrize(
    ("args", "kwargs", "place"),
    [((0,), {}, "d=0"), ((2,), dict(min_value=1, max_value=1), "min_value < max_value"),
     ((2,), dict(min_side=0), "min_side='0'"), ((2,), dict(min_side=30), "min_side='30'"),
     ((2,), dict(max_value=None), "(min_value, max_value)")],
)  # fmt: skip
def test_invalid_box_options(args: tuple[Any, ...], kwargs: dict[str, Any], place: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        boxes(*args, **kwargs)
    assert place in str(info.value)


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        relu_networks(2)  # type: ignore[misc]
    with pytest.raises(TypeError):
        rationals(0, 1)  # type: ignore[misc]
