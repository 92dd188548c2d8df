"""Every semantics table covers every activation and every layer type (DESIGN §7.3).

The exact table is the exception by design: exact evaluation over Q is only possible for
activations that map rationals to rationals (``Kind.rational``: the piecewise-linear ones and
``square``). ``sigmoid(1)``, ``exp(1)``, ``tanh(1)``... are irrational (Lindemann–Weierstrass), so
an exact rule for them cannot exist; the exact module raises ``UnsupportedNetwork`` instead, and
its table must contain exactly the rational activations, no more and no less.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from verify.activations import CATALOGUE, Activation
from verify.errors import UnsupportedNetwork
from verify.layers import Act, Affine, Pool
from verify.network import Network
from verify.semantics import ball, exact, floating, symbolic

LAYER_TYPES = {Affine, Act, Pool}
RATIONAL = {name for name, kind in CATALOGUE.items() if kind.rational}

FULL_TABLES: dict[str, dict[str, Any]] = {
    "floating.ACTIVATION_RULES": floating.ACTIVATION_RULES,
    "ball.ACTIVATION_RULES": ball.ACTIVATION_RULES,
    "ball.NARROW_RULES": ball.NARROW_RULES,
    "symbolic.ACTIVATION_RULES": symbolic.ACTIVATION_RULES,
    "symbolic.LATEX_NAMES": symbolic.LATEX_NAMES,
}
LAYER_TABLES: dict[str, dict[type, Any]] = {
    "exact": exact.LAYER_RULES,
    "floating": floating.LAYER_RULES,
    "ball": ball.LAYER_RULES,
    "symbolic": symbolic.LAYER_RULES,
}


@pytest.mark.parametrize("name", sorted(FULL_TABLES))
def test_activation_table_covers_the_catalogue(name: str) -> None:
    assert set(FULL_TABLES[name]) == set(CATALOGUE)


def test_exact_table_is_exactly_the_rational_activations() -> None:
    assert RATIONAL == {"relu", "leaky_relu", "prelu", "abs", "identity", "hardtanh", "square"}
    assert set(exact.ACTIVATION_RULES) == RATIONAL


@pytest.mark.parametrize("name", sorted(set(CATALOGUE) - RATIONAL))
def test_exact_refuses_irrational_activations(name: str) -> None:
    param = Fraction(1) if name == "swish" else None
    net = Network(1, (Act(Activation(name, param)),))
    with pytest.raises(UnsupportedNetwork):
        net.eval_exact([1])


@pytest.mark.parametrize("name", sorted(LAYER_TABLES))
def test_layer_table_covers_every_layer_type(name: str) -> None:
    assert set(LAYER_TABLES[name]) == LAYER_TYPES


def test_layer_types_are_the_ir_union() -> None:
    from typing import get_args

    from verify.layers import Layer

    assert set(get_args(Layer)) == LAYER_TYPES


def test_minimiser_brackets_cover_the_unimodal_rules() -> None:
    # the ball rules of silu and gelu rely on a bracket of their minimiser (proved in test_ball.py)
    assert set(ball.MINIMISERS) == {"silu", "gelu"}
