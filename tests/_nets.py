"""Small random networks and points for the semantics tests (ball and symbolic): every activation class,
optional pooling, one to three inputs."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from verify.activations import Activation
from verify.layers import Act, Affine, Pool
from verify.network import Network

__all__ = ["SMALL", "SLOPE", "PL_ACTS", "ANALYTIC_ACTS", "ALL_ACTS", "networks", "points", "net_and_point"]

SMALL = st.builds(Fraction, st.integers(-3, 3), st.integers(1, 4))
SLOPE = st.builds(Fraction, st.integers(-8, 8), st.integers(1, 4))  # negative and > 1 included
PL_ACTS = st.one_of(
    st.sampled_from(["relu", "abs", "identity", "hardtanh", "square"]).map(Activation),
    SLOPE.map(lambda a: Activation("leaky_relu", a)),
    SLOPE.map(lambda a: Activation("prelu", a)),
)
ANALYTIC_ACTS = st.one_of(
    st.sampled_from(["sigmoid", "tanh", "softplus", "silu", "gelu", "exp", "sin", "square", "identity"]).map(Activation),
    SLOPE.map(lambda b: Activation("swish", b)),
)
ALL_ACTS = st.one_of(PL_ACTS, ANALYTIC_ACTS)


@st.composite
def networks(draw: Any, acts: Any, *, pool: bool = True, max_hidden: int = 2, max_width: int = 3) -> Network:
    """Small random networks: 1-3 inputs, up to ``max_hidden`` hidden blocks (affine, act, maybe pool)."""
    d = draw(st.integers(1, 3))
    w = d
    layers: list[Any] = []

    def affine(out: int, inp: int) -> Affine:
        return Affine(draw(st.lists(st.lists(SMALL, min_size=inp, max_size=inp), min_size=out, max_size=out)),
                      draw(st.lists(SMALL, min_size=out, max_size=out)))

    for _ in range(draw(st.integers(0, max_hidden))):
        use_pool = pool and draw(st.booleans())
        width = draw(st.integers(1, max_width))
        out = 2 * width if use_pool else width
        layers.append(affine(out, w))
        per_unit = draw(st.booleans())
        layers.append(Act(tuple(draw(acts) for _ in range(out)) if per_unit else draw(acts)))
        if use_pool:
            layers.append(Pool())
        w = width if use_pool else out
    layers.append(affine(draw(st.integers(1, 2)), w))
    return Network(d, tuple(layers))


def points(d: int) -> Any:
    return st.lists(st.builds(Fraction, st.integers(-8, 8), st.integers(1, 4)), min_size=d, max_size=d)


@st.composite
def net_and_point(draw: Any, acts: Any) -> tuple[Network, list[Fraction]]:
    net = draw(networks(acts))
    return net, draw(points(net.input_dim))
