# (the IR constructors accept lists and specs; their fields are typed as the normalised tuples)
# mypy: disable-error-code="arg-type"
"""Symbolic semantics: sympy expressions agree with the exact and ball semantics; LaTeX rendering."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import mpmath
import pytest
import sympy
from _nets import ANALYTIC_ACTS, PL_ACTS, net_and_point
from flint import arb
from hypothesis import given, settings

from verify.activations import Activation
from verify.errors import InvalidArgument
from verify.layers import Act, Affine, Pool
from verify.network import Network
from verify.semantics.symbolic import latex, symbols, to_sympy

# sympy's evalf still calls an mpmath 1.4 helper that warns; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:bitcount function is deprecated:DeprecationWarning")


def _subs(net: Network, x: list[Fraction]) -> dict[Any, Any]:
    return {s: sympy.Rational(v.numerator, v.denominator) for s, v in zip(symbols(net.input_dim), x)}


@settings(max_examples=40, deadline=None)
@given(net_and_point(PL_ACTS))
def test_substitution_equals_eval_exact(case: tuple[Network, list[Fraction]]) -> None:
    net, x = case
    m = to_sympy(net)
    assert m.shape == (net.output_dim, 1)
    assert {s.name for s in m.free_symbols} <= {f"x{i}" for i in range(net.input_dim)}
    for e, v in zip(m, net.eval_exact(x)):
        r = e.subs(_subs(net, x))
        assert r.is_Rational and Fraction(int(r.p), int(r.q)) == v


@settings(max_examples=30, deadline=None)
@given(net_and_point(ANALYTIC_ACTS))
def test_evalf_lies_in_the_ball(case: tuple[Network, list[Fraction]]) -> None:
    net, x = case
    for e, y in zip(to_sympy(net), net.eval_ball(x, prec=128)):
        val = e.subs(_subs(net, x)).evalf(50)
        assert val.is_real and val.is_finite
        with mpmath.mp.workprec(200):
            v = mpmath.mpf(val)  # exact copy of the 50-digit value, then exact containment
            assert y.contains(arb(v)), (y, val)


# -- the shapes of the rules -----------------------------------------------------------------
x0, x1 = sympy.symbols("x0 x1", real=True)


def _one(spec: Any) -> Any:
    return to_sympy(Network(1, (Act(spec),)))[0]


def test_symbols_are_real_and_named() -> None:
    assert [s.name for s in symbols(3)] == ["x0", "x1", "x2"] and all(s.is_real for s in symbols(3))


def test_piecewise_linear_forms() -> None:
    assert _one("relu") == sympy.Max(0, x0)
    assert _one("abs") == sympy.Abs(x0)
    assert _one("identity") == x0
    assert _one("hardtanh") == sympy.Min(1, sympy.Max(-1, x0))
    leaky = _one({"leaky_relu": "1/10"})
    assert leaky == sympy.Piecewise((x0, x0 > 0), (x0 / 10, True))
    assert leaky.subs(x0, -5) == sympy.Rational(-1, 2) and leaky.subs(x0, 3) == 3
    assert _one({"prelu": "-2"}).subs(x0, -3) == 6


def test_analytic_forms() -> None:
    assert _one("sigmoid") == 1 / (1 + sympy.exp(-x0))
    assert _one("tanh") == sympy.tanh(x0)
    assert _one("softplus") == sympy.log(1 + sympy.exp(x0))
    assert _one("silu") == x0 / (1 + sympy.exp(-x0))
    assert sympy.simplify(_one({"swish": "2"}) - x0 / (1 + sympy.exp(-2 * x0))) == 0
    assert _one("gelu") == x0 / 2 * (1 + sympy.erf(x0 / sympy.sqrt(2)))
    assert _one("exp") == sympy.exp(x0) and _one("sin") == sympy.sin(x0) and _one("square") == x0**2
    # known values in closed form
    assert _one("sigmoid").subs(x0, 0) == sympy.Rational(1, 2)
    assert _one("gelu").subs(x0, 0) == 0
    assert _one("softplus").subs(x0, 0) == sympy.log(2)


def test_weights_are_exact_rationals() -> None:
    net = Network.mlp([[[Fraction(1, 3), "0.1"]]], [["-2/7"]])
    e = to_sympy(net)[0]
    assert e == sympy.Rational(1, 3) * x0 + sympy.Rational(1, 10) * x1 - sympy.Rational(2, 7)
    assert not e.atoms(sympy.Float)


def test_pooling_is_a_product() -> None:
    hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    (e,) = to_sympy(hat * hat)
    (h,) = to_sympy(hat)
    assert sympy.expand(e - h * h) == 0
    assert e.subs(x0, sympy.Rational(1, 2)) == sympy.Rational(1, 4)


def test_tanh_sigmoid_identity_simplifies_to_zero() -> None:
    net = Network(1, (Affine([[1], [2]], [0, 0]), Act((Activation("tanh"), Activation("sigmoid"))), Affine([[1, -2]], [1])))
    (e,) = to_sympy(net)
    assert sympy.simplify(e.rewrite(sympy.exp)) == 0


# -- LaTeX ------------------------------------------------------------------------------------
def test_latex_small_networks_are_closed_formulas() -> None:
    hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    text = latex(hat)
    assert text.startswith(r"\begin{aligned}f_{1}(x) &=") and r"\max" in text and "x_{0}" in text
    g = latex(Network.mlp([[[1, 1]], [[1]]], [[0], [0]], activation="gelu"))
    assert r"\operatorname{erf}" in g and r"\sqrt{2}" in g
    two = latex(Network.mlp([[[1]], [[1], [-1]]], [[0], [0, 0]], activation="sigmoid"))
    assert "f_{1}(x)" in two and "f_{2}(x)" in two


def test_latex_big_networks_are_layer_by_layer() -> None:
    w1 = [[i - j for j in range(2)] for i in range(40)]
    w2 = [[(i * j) % 5 - 2 for j in range(40)] for i in range(40)]
    net = Network.mlp([w1, w2, [[1] * 40]], [[1] * 40, [0] * 40, [0]], activation="relu")
    text = latex(net)
    assert r"\max" not in text  # no exploding expansion
    for piece in (r"z^{(1)} &= \mathrm{ReLU}", r"z^{(2)} &= \mathrm{ReLU}", r"\begin{pmatrix}", r"\vdots", r"\cdots", "f(x) &="):
        assert piece in text
    assert r"z^{(1)} + \begin{pmatrix}" in text  # W_2 z^{(1)} + b_2
    assert len(text) < 20_000


def test_latex_layerwise_pool_and_mixed_units() -> None:
    net = Network(2, (Affine([[1, 0], [0, 1], [1, 1], [1, -1]], [0, 0, 0, "1/2"]),
                      Act(("relu", "identity", {"leaky_relu": "1/10"}, "sigmoid")), Pool(), Affine([[1, 1]], [0])))
    text = latex(net, max_terms=0)
    assert r"\mathrm{pool}" in text and r"u \odot v" in text
    assert r"\mathrm{LeakyReLU}_{1/10}" in text and r"\sigma" in text and r"\tfrac{1}{2}" in text


@pytest.mark.parametrize("kw", [{"max_terms": -1}, {"max_terms": 1.5}, {"max_dim": True}])
def test_latex_bad_options(kw: dict[str, Any]) -> None:
    hat = Network.mlp([[[1]], [[1]]], [[0], [0]])
    with pytest.raises(InvalidArgument):
        latex(hat, **kw)


def test_not_a_network() -> None:
    with pytest.raises(InvalidArgument, match="net"):
        to_sympy("relu")
    with pytest.raises(InvalidArgument, match="net"):
        latex(None)


def test_consecutive_affine_layers_and_constant_units() -> None:
    net = Network(1, (Affine([[0]], [-2]), Act({"leaky_relu": "1/2"}), Affine([[2]], [1]), Affine([[3]], [0])))
    assert to_sympy(net)[0] == -3  # 3 * (2 * leaky(-2) + 1)
    text = latex(net, max_terms=0)
    assert r"\begin{pmatrix}3\end{pmatrix} \left(\begin{pmatrix}2\end{pmatrix} z^{(1)}" in text
