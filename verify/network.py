"""The network IR: a frozen sequence of ``Affine``, ``Act`` and ``Pool`` layers.

``Network(input_dim, layers)`` is validated on construction (every shape is
checked against the running width) and never changes; the algebra
(``f + g``, ``c * f``, ``f * g``, ``compose``, ``concat``) returns new
networks computing the exact pointwise results.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verify.activations import Activation, make_activation
from verify.errors import InvalidArgument, InvalidNetwork, expected
from verify.layers import Act, Affine, Layer, Pool
from verify.numbers import to_rational

if TYPE_CHECKING:
    import numpy as np
    import sympy

    from verify.box import Box

__all__ = ["Network"]


@dataclass(frozen=True, slots=True, init=False)
class Network:
    """A feedforward network ``R^input_dim -> R^output_dim`` with exact rational weights.

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> hat.eval_exact([0]), hat.eval_exact(["1/2"]), hat.eval_exact([3])
    ((Fraction(1, 1),), (Fraction(1, 2),), (Fraction(0, 1),))
    """

    input_dim: int
    layers: tuple[Layer, ...]

    def __init__(self, input_dim: int, layers: Iterable[Layer]) -> None:
        if isinstance(input_dim, bool) or not isinstance(input_dim, int) or input_dim < 1:
            raise InvalidNetwork(expected("a positive int", "input_dim", input_dim))
        if isinstance(layers, (str, bytes, dict)) or not hasattr(layers, "__iter__"):
            raise InvalidNetwork(expected("a sequence of layers", "layers", layers))
        object.__setattr__(self, "input_dim", input_dim)
        object.__setattr__(self, "layers", tuple(layers))
        _check_shapes(self.input_dim, self.layers)

    # -- shape -----------------------------------------------------------
    @property
    def widths(self) -> tuple[int, ...]:
        """The width after each layer."""
        return _widths(self.input_dim, self.layers)

    @property
    def output_dim(self) -> int:
        return self.widths[-1] if self.layers else self.input_dim

    @property
    def depth(self) -> int:
        """Number of affine layers."""
        return sum(isinstance(layer, Affine) for layer in self.layers)

    @property
    def width(self) -> int:
        """Largest layer width (the widest affine output; the input when there are no layers)."""
        return max(self.widths, default=self.input_dim)

    @property
    def num_pool(self) -> int:
        return sum(isinstance(layer, Pool) for layer in self.layers)

    @property
    def num_neurons(self) -> int:
        """Number of activation units (identity units included)."""
        ins = (self.input_dim, *self.widths)
        return sum(ins[i] for i, layer in enumerate(self.layers) if isinstance(layer, Act))

    @property
    def num_parameters(self) -> int:
        """Number of affine weights and biases."""
        return sum(l.in_dim * l.out_dim + l.out_dim for l in self.layers if isinstance(l, Affine))

    # -- classes ---------------------------------------------------------
    def activations(self) -> frozenset[Activation]:
        """Every activation used, as a set."""
        out: frozenset[Activation] = frozenset()
        for layer in self.layers:
            if isinstance(layer, Act):
                out |= layer.activations()
        return out

    @property
    def is_piecewise_linear(self) -> bool:
        """Only piecewise-linear activations and no pooling: a CPWL map."""
        return self.num_pool == 0 and all(a.piecewise_linear for a in self.activations())

    @property
    def is_relu_pool(self) -> bool:
        """Only piecewise-linear activations, pooling allowed."""
        return all(a.piecewise_linear for a in self.activations())

    @property
    def is_analytic(self) -> bool:
        """Only analytic activations (identity included) and pooling: a real-analytic map."""
        return all(a.analytic for a in self.activations())

    @property
    def is_rational(self) -> bool:
        """Maps Q^d to Q^D (PL, square and pooling only): ``eval_exact`` applies."""
        return all(a.rational for a in self.activations())

    # -- semantics -------------------------------------------------------
    def eval_exact(self, x: Any) -> tuple[Fraction, ...]:
        """Exact value at a rational point (PL, pooling and square units)."""
        from verify.semantics import exact

        return exact.evaluate(self, x)

    def eval_float(self, X: Any) -> np.ndarray:
        """Float64 values on a batch ``X`` of shape (n, d) (or one point); screening and plots only."""
        from verify.semantics import floating

        return floating.evaluate(self, X)

    def eval_ball(self, x: Any, prec: int = 128) -> tuple[Any, ...]:
        """Rigorous python-flint ``arb`` enclosures of the outputs at a rational point."""
        from verify.semantics import ball

        return ball.evaluate(self, x, prec=prec)

    def eval_ball_box(self, box: Box, prec: int = 128) -> tuple[Any, ...]:
        """Rigorous enclosures of the outputs over every point of ``box``."""
        from verify.semantics import ball

        return ball.evaluate_box(self, box, prec=prec)

    def to_sympy(self) -> sympy.Matrix:
        """A sympy column Matrix of the outputs in symbols ``x0..x{d-1}``."""
        from verify.semantics import symbolic

        return symbolic.to_sympy(self)

    # -- files -----------------------------------------------------------
    @staticmethod
    def from_json(source: str | Path | dict[str, Any]) -> Network:
        """Read a netproof/1 document: JSON text, a path to a file, or a parsed dict."""
        from verify import fileformat

        return fileformat.from_json(source)

    def to_json(self) -> str:
        """The netproof/1 JSON text of this network (exact round trip)."""
        from verify import fileformat

        return fileformat.to_json(self)

    def to_dict(self) -> dict[str, Any]:
        from verify import fileformat

        return fileformat.to_dict(self)

    @staticmethod
    def from_onnx(model: Any) -> Network:
        """Import an ONNX model (a path or a ``ModelProto``); weights converted exactly from their binary values."""
        from verify.io import onnx_import  # type: ignore[attr-defined,unused-ignore]

        return onnx_import.from_onnx(model)

    @staticmethod
    def from_torch(module: Any) -> Network:
        """Import a PyTorch ``nn.Sequential`` of ``Linear`` and activation modules, weights converted exactly."""
        from verify.io import torch_import  # type: ignore[attr-defined,unused-ignore]

        return torch_import.from_torch(module)

    def to_onnx(self) -> Any:
        """An ONNX ``ModelProto`` (float64) that runs this network."""
        from verify.io import onnx_export  # type: ignore[attr-defined,unused-ignore]

        return onnx_export.to_onnx(self)

    def to_smtlib(self, K: Any = None) -> str:
        """A self-contained SMT-LIB2 script asking for a point outside ``K`` where the output is nonzero."""
        from verify import smt

        return smt.to_smtlib(self, K)

    # -- building --------------------------------------------------------
    @staticmethod
    def mlp(weights: Any, biases: Any, activation: Any = "relu") -> Network:
        """Affine layers from ``weights`` (lists of rows) and ``biases``, ``activation`` after all but the last."""
        if isinstance(weights, (str, dict)) or not hasattr(weights, "__len__") or len(weights) == 0:
            raise InvalidNetwork(expected("a non-empty list of weight matrices", "weights", weights))
        if isinstance(biases, (str, dict)) or not hasattr(biases, "__len__") or len(biases) != len(weights):
            raise InvalidNetwork(expected(f"{len(weights)} bias vectors", "biases", biases))
        act = make_activation(activation, "activation")
        layers: list[Layer] = []
        for i, (w, b) in enumerate(zip(weights, biases)):
            try:
                layers.append(Affine(w, b))
            except InvalidNetwork as exc:
                raise InvalidNetwork(f"{exc} (layer {i})") from None
            if i < len(weights) - 1:
                layers.append(Act(act))
        first = layers[0]
        assert isinstance(first, Affine)
        return Network(first.in_dim, tuple(layers))

    # -- algebra -----------------------------------------------------------
    def __add__(self, other: Network) -> Network:
        return _combine(self, other, "add")

    def __sub__(self, other: Network) -> Network:
        return _combine(self, -1 * other if isinstance(other, Network) else other, "add")

    def __neg__(self) -> Network:
        return -1 * self

    def __rmul__(self, c: Any) -> Network:
        if isinstance(c, Network):
            return c.__mul__(self)
        return self.scaled(c)

    def __mul__(self, other: Any) -> Network:
        if isinstance(other, Network):
            return _combine(self, other, "pool")
        return self.scaled(other)

    def scaled(self, c: Any) -> Network:
        """``c * f`` for a rational ``c``."""
        c = to_rational(c, "c")
        n = self.output_dim
        scale = Affine(tuple(tuple(c if i == j else Fraction(0) for j in range(n)) for i in range(n)), (Fraction(0),) * n)
        return _append_affine(self, scale)

    def compose(self, inner: Network) -> Network:
        """``self ∘ inner``: ``inner`` first, then ``self``."""
        if not isinstance(inner, Network):
            raise InvalidArgument(expected("a Network", "inner", inner))
        if inner.output_dim != self.input_dim:
            what = f"an inner network with {self.input_dim} outputs"
            raise InvalidArgument(expected(what, "inner.output_dim", inner.output_dim))
        net = inner
        for layer in self.layers:
            net = _append_affine(net, layer) if isinstance(layer, Affine) else Network(net.input_dim, (*net.layers, layer))
        return net

    @staticmethod
    def concat(*nets: Network) -> Network:
        """Stack the outputs of networks on one input: ``x -> (f(x), g(x), ...)``."""
        if not nets:
            raise InvalidArgument(expected("at least one network", "nets", nets))
        out = nets[0]
        for net in nets[1:]:
            out = _combine(out, net, "concat")
        return out

    def restrict_output(self, index: int | Any) -> Network:
        """Keep the outputs ``index`` (an int or a sequence of ints), in that order."""
        idx = [index] if isinstance(index, int) else list(index)
        for i in idx:
            if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < self.output_dim:
                raise InvalidArgument(expected(f"an output index in [0, {self.output_dim})", "index", i))
        sel = Affine(tuple(tuple(Fraction(int(j == i)) for j in range(self.output_dim)) for i in idx), (Fraction(0),) * len(idx))
        return _append_affine(self, sel)

    def __repr__(self) -> str:
        kinds = " ".join(_layer_summary(l) for l in self.layers)
        return f"Network(input_dim={self.input_dim}, output_dim={self.output_dim}: {kinds})"


def _layer_summary(layer: Layer) -> str:
    if isinstance(layer, Affine):
        return f"affine[{layer.in_dim}->{layer.out_dim}]"
    if isinstance(layer, Pool):
        return "pool"
    f = layer.functions
    return str(f) if isinstance(f, Activation) else "act[" + ",".join(sorted({str(a) for a in f})) + "]"


def _widths(input_dim: int, layers: tuple[Layer, ...]) -> tuple[int, ...]:
    out, w = [], input_dim
    for layer in layers:
        if isinstance(layer, Affine):
            w = layer.out_dim
        elif isinstance(layer, Pool):
            w //= 2
        out.append(w)
    return tuple(out)


def _check_shapes(input_dim: int, layers: tuple[Layer, ...]) -> None:
    w = input_dim
    for i, layer in enumerate(layers):
        if isinstance(layer, Affine):
            if layer.in_dim != w:
                raise InvalidNetwork(expected(f"a weight with {w} columns", f"layers[{i}].affine columns", layer.in_dim))
            w = layer.out_dim
        elif isinstance(layer, Act):
            if layer.per_unit and len(layer.expanded(w)) != w:
                raise InvalidNetwork(expected(f"{w} activations (one per unit)", f"len(layers[{i}].act)", len(layer.expanded(w))))
        elif isinstance(layer, Pool):
            if w % 2:
                raise InvalidNetwork(expected("an even width before pooling", f"layers[{i}].pool input width", w))
            w //= 2
        else:
            raise InvalidNetwork(expected("an Affine, Act or Pool layer", f"layers[{i}]", layer))


def _append_affine(net: Network, a: Layer) -> Network:
    """Append an affine layer, merging it exactly into a trailing affine layer."""
    assert isinstance(a, Affine)
    if net.layers and isinstance(net.layers[-1], Affine):
        return Network(net.input_dim, (*net.layers[:-1], net.layers[-1].then(a)))
    if a.in_dim != net.output_dim:
        raise InvalidArgument(expected(f"an affine map on {net.output_dim} inputs", "affine.in_dim", a.in_dim))
    return Network(net.input_dim, (*net.layers, a))


# -- parallel composition ------------------------------------------------------
# A network in normal form is A_0, N_1, A_1, ..., N_k, A_k (affines merged,
# identity affines inserted). Two normal forms run side by side once their
# nonlinear steps are aligned; a step one side lacks is padded exactly, with
# identity units for an Act step and z*1 for a Pool step.

_Step = tuple[Affine, Act | Pool]


def _normal_form(net: Network) -> tuple[list[_Step], Affine]:
    steps: list[_Step] = []
    cur: Affine | None = None  # None: the identity (composing with it explicitly costs n^2 m)
    width = net.input_dim
    for layer in net.layers:
        if isinstance(layer, Affine):
            cur = layer if cur is None else cur.then(layer)
            width = layer.out_dim
        else:
            steps.append((cur if cur is not None else Affine.identity(width), layer))
            width = width // 2 if isinstance(layer, Pool) else width
            cur = None
    return steps, cur if cur is not None else Affine.identity(width)


def _pad_step(kind: type, width: int) -> _Step:
    zero = Fraction(0)
    if kind is Act:
        return Affine.identity(width), Act(Activation("identity"))
    ones = tuple(tuple(zero for _ in range(width)) for _ in range(width))
    w = Affine.identity(width).weight + ones
    return Affine(w, (zero,) * width + (Fraction(1),) * width), Pool()


def _align(fs: list[_Step], gs: list[_Step], fw: list[int], gw: list[int]) -> tuple[list[_Step], list[_Step]]:
    """Shortest common supersequence of the two step-kind sequences, padding the side that lacks a step."""
    n, m = len(fs), len(gs)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n or j == m:
                cost[i][j] = (n - i) + (m - j)
            elif type(fs[i][1]) is type(gs[j][1]):
                cost[i][j] = 1 + cost[i + 1][j + 1]
            else:
                cost[i][j] = 1 + min(cost[i + 1][j], cost[i][j + 1])
    out_f, out_g, i, j = [], [], 0, 0
    while i < n or j < m:
        if i < n and j < m and type(fs[i][1]) is type(gs[j][1]):
            out_f.append(fs[i])
            out_g.append(gs[j])
            i, j = i + 1, j + 1
        elif j == m or (i < n and cost[i + 1][j] <= cost[i][j + 1]):
            out_f.append(fs[i])
            out_g.append(_pad_step(type(fs[i][1]), gw[j]))
            i += 1
        else:
            out_f.append(_pad_step(type(gs[j][1]), fw[i]))
            out_g.append(gs[j])
            j += 1
    return out_f, out_g


def _state_widths(steps: list[_Step], input_dim: int) -> list[int]:
    """Width of the state entering each step (and after the last)."""
    ws = [input_dim]
    for a, layer in steps:
        ws.append(a.out_dim // 2 if isinstance(layer, Pool) else a.out_dim)
    return ws


def _block(a: Affine, b: Affine, shared_input: bool, pool: bool) -> Affine:
    """Affine map from (state_f, state_g) to (a(state_f), b(state_g)); pooled outputs interleaved as (u_f, u_g, v_f, v_g)."""
    zero = Fraction(0)
    if shared_input:
        ra, rb = list(a.weight), list(b.weight)
    else:
        ra = [row + (zero,) * b.in_dim for row in a.weight]
        rb = [(zero,) * a.in_dim + row for row in b.weight]
    ba, bb = list(a.bias), list(b.bias)
    if pool:
        ka, kb = a.out_dim // 2, b.out_dim // 2
        rows = ra[:ka] + rb[:kb] + ra[ka:] + rb[kb:]
        bias = ba[:ka] + bb[:kb] + ba[ka:] + bb[kb:]
    else:
        rows, bias = ra + rb, ba + bb
    return Affine(tuple(rows), tuple(bias))


def _combine(f: Network, g: Network, how: str) -> Network:
    if not isinstance(g, Network):
        raise InvalidArgument(expected("a Network", "other", g))
    if f.input_dim != g.input_dim:
        raise InvalidArgument(expected(f"a network on {f.input_dim} inputs", "other.input_dim", g.input_dim))
    if how != "concat" and f.output_dim != g.output_dim:
        raise InvalidArgument(expected(f"a network with {f.output_dim} outputs", "other.output_dim", g.output_dim))
    fs, fa = _normal_form(f)
    gs, ga = _normal_form(g)
    fs, gs = _align(fs, gs, _state_widths(fs, f.input_dim), _state_widths(gs, g.input_dim))
    layers: list[Layer] = []
    for k, ((af, nf), (ag, ng)) in enumerate(zip(fs, gs)):
        pool = isinstance(nf, Pool)
        layers.append(_block(af, ag, shared_input=k == 0, pool=pool))
        if pool:
            layers.append(Pool())
        else:
            assert isinstance(nf, Act) and isinstance(ng, Act)
            units = nf.expanded(af.out_dim) + ng.expanded(ag.out_dim)
            same = len(set(units)) == 1
            layers.append(Act(units[0] if same else units))
    # the final Pool multiplies f_i by g_i, so its input is the plain (f, g), not split into halves
    last = _block(fa, ga, shared_input=not fs, pool=False)
    n = f.output_dim
    if how == "add":
        eye = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
        last = last.then(Affine(tuple(tuple(r + r) for r in eye), (Fraction(0),) * n))
    layers.append(last)
    if how == "pool":
        layers.append(Pool())
    return Network(f.input_dim, tuple(_drop_identities(layers)))


def _drop_identities(layers: list[Layer]) -> list[Layer]:
    out = []
    for layer in layers:
        if isinstance(layer, Affine) and layer.in_dim == layer.out_dim and layer == Affine.identity(layer.in_dim):
            continue
        out.append(layer)
    return out
