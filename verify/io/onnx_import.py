"""ONNX import: a feedforward ONNX graph to the exact :class:`~verify.network.Network` IR.

Contract. ``from_onnx(model)`` returns a network that computes, in exact real
arithmetic, the function the ONNX graph denotes when every stored number is
read as its exact binary value (float32 and float64 weights, float32
attributes such as ``LeakyRelu.alpha``, become the rationals they encode).
Two documented choices go beyond the binary values:

* the *Erf pattern of GELU* ``x * 0.5 * (1 + Erf(x / c))`` (as exported by
  torch, in any order of the products, with ``x * c'`` for the division) is
  recognised when ``c`` is within ``2^-20`` (relative) of ``sqrt 2`` (or
  ``c'`` of ``1/sqrt 2``) and becomes the exact ``gelu``: the graph's constant
  is a float approximation of an irrational and the intent is GELU;
* ``x * Sigmoid(x)`` becomes ``silu`` and ``x * Sigmoid(b * x)`` ``swish(b)``,
  and ``Where(x > 0, x, a * x)`` becomes ``leaky_relu(a)`` (how
  :mod:`verify.io.onnx_export` writes exact slopes).

The graph is a DAG on one input tensor. Each tensor is held as the network
computing it from the graph input; parallel branches meet through the
network algebra (``+``, ``-``, ``*`` = Hadamard pooling, concat), sharing
the longest common prefix of their layers so residual blocks stay linear in
size. A leading batch dimension (``[N, d]``, ``['batch', d]``) is dropped:
the input dimension is ``d``. Anything else, an operator outside the table or
a shape that is not a feature vector, raises :class:`InvalidNetwork` naming
the node and its op type.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from verify.activations import Activation
from verify.errors import InvalidArgument, InvalidNetwork, UnsupportedNetwork, expected
from verify.io import _onnx_patterns as patterns
from verify.io._onnx_patterns import Node
from verify.layers import Act, Affine
from verify.network import Network
from verify.numbers import to_rational

__all__ = ["from_onnx", "SUPPORTED_OPS"]


@dataclass(frozen=True)
class _Feat:
    """A tensor computed from the graph input: ``net`` maps the input to its flattened features."""

    net: Network
    batch: bool
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass
class _Ctx:
    values: dict[str, _Feat | np.ndarray] = field(default_factory=dict)

    def get(self, node: Node, i: int) -> _Feat | np.ndarray:
        if i >= len(node.inputs) or node.inputs[i] == "":
            raise InvalidNetwork(expected(f"input {i} of {node.op}", _where(node), node.inputs))
        name = node.inputs[i]
        if name not in self.values:
            raise InvalidNetwork(
                expected("a topologically sorted graph (inputs defined before use)", _where(node) + " input", name)
            )
        return self.values[name]

    def feat(self, node: Node, i: int = 0) -> _Feat:
        v = self.get(node, i)
        if not isinstance(v, _Feat):
            raise InvalidNetwork(expected("a tensor computed from the graph input", _where(node) + f" input {i}", node.inputs[i]))
        return v

    def const(self, node: Node, i: int) -> np.ndarray:
        v = self.get(node, i)
        if isinstance(v, _Feat):
            raise InvalidNetwork(expected("a constant (initializer)", _where(node) + f" input {i}", node.inputs[i]))
        return v


def _where(node: Node) -> str:
    return f"node {node.name!r} op_type={node.op!r}"


def _fail(node: Node, what: str, value: object) -> InvalidNetwork:
    return InvalidNetwork(expected(what, _where(node) + " with", value))


# -- exact numbers -------------------------------------------------------------
def _rationals(arr: np.ndarray, name: str) -> list[Fraction]:
    if arr.dtype.kind not in "fiu":
        raise InvalidNetwork(expected("a numeric tensor", f"{name}.dtype", str(arr.dtype)))
    # tolist gives Python ints and floats holding the exact binary values
    return [to_rational(v, name) for v in np.asarray(arr).ravel().tolist()]


def _broadcast(node: Node, c: np.ndarray, v: _Feat) -> list[Fraction]:
    """The constant ``c`` broadcast (numpy rules) onto the features of ``v``; it may not enlarge ``v``."""
    full = ((1,) if v.batch else ()) + v.shape
    if c.ndim > len(full) or any(a not in (1, b) for a, b in zip(c.shape[::-1], full[::-1])):
        raise _fail(node, f"a constant broadcastable to the tensor shape {list(full)}", list(c.shape))
    c = c.reshape((1,) * (len(full) - c.ndim) + c.shape)
    if v.batch:
        c = c[0]
    return _rationals(np.broadcast_to(c, v.shape), f"{node.name}.constant")


# -- building blocks -------------------------------------------------------------
def _with(v: _Feat, net: Network, shape: tuple[int, ...] | None = None) -> _Feat:
    return _Feat(net, v.batch, v.shape if shape is None else shape)


def _affine(v: _Feat, weight: Any, bias: Any, shape: tuple[int, ...] | None = None) -> _Feat:
    layer = Network(v.size, (Affine(weight, bias),))
    return _with(v, layer.compose(v.net), shape)


def _diag(v: _Feat, scale: list[Fraction], shift: list[Fraction]) -> _Feat:
    n, zero = v.size, Fraction(0)
    return _affine(v, [[scale[i] if i == j else zero for j in range(n)] for i in range(n)], shift)


def _act(v: _Feat, functions: Activation | tuple[Activation, ...]) -> _Feat:
    return _with(v, Network(v.net.input_dim, (*v.net.layers, Act(functions))))


def _split_common(f: Network, g: Network) -> tuple[Network, Network, Network]:
    """``f = f' ∘ p`` and ``g = g' ∘ p`` with ``p`` the longest common prefix of layers."""
    k = 0
    while k < min(len(f.layers), len(g.layers)) and f.layers[k] == g.layers[k]:
        k += 1
    p = Network(f.input_dim, f.layers[:k])
    return p, Network(p.output_dim, f.layers[k:]), Network(p.output_dim, g.layers[k:])


def _padded(net: Network, steps: int) -> Network:
    """``net`` followed by identity activations so that it has ``steps`` Act layers (same function).

    Without them the network algebra carries the branch's *input* beside the
    other branch; with them it carries the (often narrower) branch output.
    """
    have = sum(isinstance(layer, Act) for layer in net.layers)
    if net.num_pool or have >= steps:
        return net
    return Network(net.input_dim, (*net.layers, *[Act(Activation("identity"))] * (steps - have)))


def _join(f: _Feat, g: _Feat, how: str) -> Network:
    p, fs, gs = _split_common(f.net, g.net)
    steps = max(sum(isinstance(layer, Act) for layer in n.layers) for n in (fs, gs))
    fs, gs = _padded(fs, steps), _padded(gs, steps)
    if how == "add":
        out = fs + gs
    elif how == "sub":
        out = fs - gs
    elif how == "mul":
        out = fs * gs
    else:
        out = Network.concat(fs, gs)
    return out.compose(p)


# -- rules: one small function per operator ----------------------------------------
_Rule = Callable[[Node, _Ctx], "_Feat | np.ndarray"]


def _gemm(node: Node, ctx: _Ctx) -> _Feat:
    a = ctx.feat(node, 0)
    b = ctx.const(node, 1)
    alpha = to_rational(node.attrs.get("alpha", 1.0), "alpha")
    beta = to_rational(node.attrs.get("beta", 1.0), "beta")
    if node.attrs.get("transA", 0) or not a.batch or len(a.shape) != 1 or b.ndim != 2:
        raise _fail(node, "Gemm on a [N, k] input with transA=0 and a 2-D constant B", (a.shape, node.attrs))
    if node.attrs.get("transB", 0):
        b = b.T
    if b.shape[0] != a.size:
        raise _fail(node, f"a B with {a.size} rows", list(b.shape))
    m = b.shape[1]
    cols = _rationals(b, f"{node.name}.B")
    weight = [[alpha * cols[k * m + j] for k in range(a.size)] for j in range(m)]
    out = _Feat(a.net, True, (m,))
    bias = [Fraction(0)] * m
    if len(node.inputs) > 2 and node.inputs[2]:
        bias = [beta * c for c in _broadcast(node, ctx.const(node, 2), out)]
    return _affine(a, weight, bias, (m,))


def _matmul(node: Node, ctx: _Ctx) -> _Feat:
    a = ctx.feat(node, 0)
    b = ctx.const(node, 1)
    if len(a.shape) != 1 or b.ndim != 2 or b.shape[0] != a.size:
        raise _fail(node, f"MatMul of a feature vector of length {a.size} by a constant [{a.size}, m] matrix", list(b.shape))
    m = b.shape[1]
    cols = _rationals(b, f"{node.name}.B")
    return _affine(a, [[cols[k * m + j] for k in range(a.size)] for j in range(m)], [0] * m, (m,))


def _elementwise(how: str) -> _Rule:
    def rule(node: Node, ctx: _Ctx) -> _Feat | np.ndarray:
        x, y = ctx.get(node, 0), ctx.get(node, 1)
        if isinstance(x, _Feat) and isinstance(y, _Feat):
            if how == "div":
                raise _fail(node, "a division by a constant", node.inputs)
            if (x.batch, x.shape) != (y.batch, y.shape):
                raise _fail(node, f"two branches of one shape {list(x.shape)}", list(y.shape))
            return _with(x, _join(x, y, how))
        if not isinstance(x, _Feat) and not isinstance(y, _Feat):
            raise _fail(node, "at least one input computed from the graph input", node.inputs)
        return _with_constant(node, how, x, y)

    return rule


def _with_constant(node: Node, how: str, x: _Feat | np.ndarray, y: _Feat | np.ndarray) -> _Feat:
    v, c, flipped = (x, y, False) if isinstance(x, _Feat) else (y, x, True)
    assert isinstance(v, _Feat) and isinstance(c, np.ndarray)
    cs = _broadcast(node, c, v)
    ones, zeros = [Fraction(1)] * v.size, [Fraction(0)] * v.size
    if how == "add":
        return _diag(v, ones, cs)
    if how == "sub":
        return _diag(v, [-o for o in ones], cs) if flipped else _diag(v, ones, [-q for q in cs])
    if how == "mul":
        return _diag(v, cs, zeros)
    if how == "div" and not flipped and all(cs):
        return _diag(v, [1 / q for q in cs], zeros)
    raise _fail(node, "division of a tensor by a nonzero constant", node.inputs)


def _unary(name: str) -> _Rule:
    return lambda node, ctx: _act(ctx.feat(node), Activation(name))


def _leaky_relu(node: Node, ctx: _Ctx) -> _Feat:
    # the attribute is a float32: its exact binary value (default 0.01 as a float32)
    alpha = node.attrs.get("alpha", float(np.float32(0.01)))
    return _act(ctx.feat(node), Activation("leaky_relu", to_rational(alpha, "alpha")))


def _exact_leaky(node: Node, ctx: _Ctx) -> _Feat:
    return _act(ctx.feat(node), Activation("leaky_relu", node.attrs["slope"]))


def _swish(node: Node, ctx: _Ctx) -> _Feat:
    beta = node.attrs["beta"]
    return _act(ctx.feat(node), Activation("silu") if beta is None else Activation("swish", beta))


def _prelu(node: Node, ctx: _Ctx) -> _Feat:
    v = ctx.feat(node)
    slopes = _broadcast(node, ctx.const(node, 1), v)
    if len(set(slopes)) == 1:
        return _act(v, Activation("prelu", slopes[0]))
    return _act(v, tuple(Activation("prelu", s) for s in slopes))


def _gelu(node: Node, ctx: _Ctx) -> _Feat:
    approx = node.attrs.get("approximate", "none")
    if approx not in ("none", b"none"):
        raise _fail(node, "Gelu with approximate='none' (the erf form)", approx)
    return _act(ctx.feat(node), Activation("gelu"))


def _clip(node: Node, ctx: _Ctx) -> _Feat:
    """``Clip(t, a, b)``: relu or hardtanh conjugated by exact affine maps."""
    v = ctx.feat(node)
    lo, hi = node.attrs.get("min"), node.attrs.get("max")
    if len(node.inputs) > 1 and node.inputs[1]:
        lo = ctx.const(node, 1).item()
    if len(node.inputs) > 2 and node.inputs[2]:
        hi = ctx.const(node, 2).item()
    a = None if lo is None or lo == -math.inf else to_rational(lo, "min")
    b = None if hi is None or hi == math.inf else to_rational(hi, "max")
    n, one = v.size, Fraction(1)
    if a is None and b is None:
        return v
    if a is not None and b is not None:
        if a >= b:
            raise _fail(node, "Clip bounds min < max", (lo, hi))
        if (a, b) == (-1, 1):
            return _act(v, Activation("hardtanh"))
        mid, half = (a + b) / 2, (b - a) / 2
        inner = _diag(v, [1 / half] * n, [-mid / half] * n)
        return _diag(_act(inner, Activation("hardtanh")), [half] * n, [mid] * n)
    sign, edge = (one, a) if a is not None else (-one, b)
    assert edge is not None
    inner = _diag(v, [sign] * n, [-sign * edge] * n)  # sign * (t - edge) >= 0 on the kept side
    return _diag(_act(inner, Activation("relu")), [sign] * n, [edge] * n)


def _passthrough(node: Node, ctx: _Ctx) -> _Feat | np.ndarray:
    return ctx.get(node, 0)


def _flatten(node: Node, ctx: _Ctx) -> _Feat:
    v = ctx.feat(node)
    axis = node.attrs.get("axis", 1)
    if v.batch and axis == 1:
        return _Feat(v.net, True, (v.size,))
    if not v.batch and axis == 0:
        return _Feat(v.net, True, (v.size,))  # a batch of one
    raise _fail(node, "a trivial Flatten (axis=1 after the batch dimension)", {"axis": axis, "shape": list(v.shape)})


def _reshape(node: Node, ctx: _Ctx) -> _Feat:
    v = ctx.feat(node)
    target = [int(t) for t in ctx.const(node, 1).ravel().tolist()]
    allowzero = node.attrs.get("allowzero", 0)
    if v.batch and target and (target[0] == -1 or (target[0] == 0 and not allowzero)):
        rest = target[1:]
    elif not v.batch and target and target[0] == 1 and len(target) > 1:
        rest = target[1:]  # a batch of one
    elif not v.batch:
        rest = target
    else:
        rest = None
    if rest is not None and rest.count(-1) == 1 and all(t > 0 or t == -1 for t in rest):
        known = math.prod(t for t in rest if t != -1)
        rest = [v.size // known if t == -1 else t for t in rest] if known and v.size % known == 0 else None
    if rest is None or not all(t > 0 for t in rest) or math.prod(rest) != v.size:
        raise _fail(node, f"a Reshape that keeps the batch dimension and the {v.size} features", target)
    return _Feat(v.net, v.batch or len(target) > len(rest), tuple(rest))


def _slice(node: Node, ctx: _Ctx) -> _Feat:
    v = ctx.feat(node)
    if "starts" in node.attrs:  # opset < 10
        starts, ends = node.attrs["starts"], node.attrs["ends"]
        axes, steps = node.attrs.get("axes", list(range(len(starts)))), [1] * len(starts)
    else:
        opt: list[Any] = [
            ctx.const(node, i).ravel().tolist() if len(node.inputs) > i and node.inputs[i] else None for i in range(1, 5)
        ]
        starts, ends, axes, steps = opt[0], opt[1], opt[2], opt[3]
        axes = list(range(len(starts))) if axes is None else axes
        steps = [1] * len(starts) if steps is None else steps
    feature_axis = (1, -1) if v.batch else (0, -1)
    if len(v.shape) != 1 or len(axes) != 1 or axes[0] not in feature_axis or steps[0] < 1:
        raise _fail(node, "a Slice with positive step along the feature axis of a feature vector", (axes, steps))
    idx = list(range(v.size))[slice(int(starts[0]), int(ends[0]), int(steps[0]))]
    if not idx:
        raise _fail(node, "a non-empty Slice", (starts, ends))
    return _affine(v, [[Fraction(int(j == i)) for j in range(v.size)] for i in idx], [0] * len(idx), (len(idx),))


def _concat(node: Node, ctx: _Ctx) -> _Feat:
    parts = [ctx.feat(node, i) for i in range(len(node.inputs))]
    axis = node.attrs.get("axis")
    first = parts[0]
    if axis not in ((1, -1) if first.batch else (0, -1)) or any(len(p.shape) != 1 or p.batch != first.batch for p in parts):
        raise _fail(node, "a Concat of feature vectors along the feature axis", {"axis": axis})
    out = first
    for p in parts[1:]:
        out = _Feat(_join(out, p, "concat"), first.batch, (out.size + p.size,))
    return out


RULES: dict[str, _Rule] = {
    "Gemm": _gemm,
    "MatMul": _matmul,
    "Add": _elementwise("add"),
    "Sub": _elementwise("sub"),
    "Mul": _elementwise("mul"),
    "Div": _elementwise("div"),
    "Neg": lambda node, ctx: _diag(v := ctx.feat(node), [Fraction(-1)] * v.size, [Fraction(0)] * v.size),
    "Relu": _unary("relu"),
    "LeakyRelu": _leaky_relu,
    "PRelu": _prelu,
    "Sigmoid": _unary("sigmoid"),
    "Tanh": _unary("tanh"),
    "Softplus": _unary("softplus"),
    "Gelu": _gelu,
    "Abs": _unary("abs"),
    "Exp": _unary("exp"),
    "Sin": _unary("sin"),
    "Clip": _clip,
    "Identity": _passthrough,
    "Dropout": _passthrough,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Slice": _slice,
    "Concat": _concat,
    patterns.LEAKY: _exact_leaky,
    patterns.SWISH: _swish,
}
"""The rule for each supported operator (the internal pattern ops included)."""

SUPPORTED_OPS: tuple[str, ...] = tuple(sorted(op for op in RULES if not op.startswith("netproof.") and op != "Dropout"))
"""The ONNX operators the importer reads (plus ``Constant`` and constant folding of small arithmetic)."""


# -- the graph -----------------------------------------------------------------
def require_onnx() -> Any:
    """The ``onnx`` module, or an UnsupportedNetwork saying how to install it."""
    try:
        import onnx
    except ImportError:  # pragma: no cover - depends on the environment
        raise UnsupportedNetwork(expected("onnx installed (pip install 'netproof[onnx]')", "import onnx", "missing")) from None
    return onnx


def _load(model: Any) -> Any:
    onnx = require_onnx()

    if isinstance(model, (str, Path)):
        try:
            return onnx.load(str(model))
        except (OSError, Exception) as exc:  # onnx raises DecodeError and friends
            raise InvalidArgument(expected("a readable ONNX model file", "model", str(model))) from exc
    if isinstance(model, onnx.ModelProto):
        return model
    raise InvalidArgument(expected("a path to an .onnx file or an onnx.ModelProto", "model", model))


def _input(graph: Any, initialized: set[str]) -> tuple[str, bool, tuple[int, ...]]:
    inputs = [i for i in graph.input if i.name not in initialized]
    if len(inputs) != 1:
        raise InvalidNetwork(expected("exactly one graph input", "graph inputs", [i.name for i in inputs]))
    (inp,) = inputs
    dims = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in inp.type.tensor_type.shape.dim]
    if not inp.type.tensor_type.HasField("shape") or not dims:
        raise InvalidNetwork(expected("an input of shape [d] or [N, d]", f"input {inp.name!r} shape", dims))
    batch = len(dims) >= 2
    feat = dims[1:] if batch else dims
    if not all(isinstance(t, int) and t > 0 for t in feat):
        raise InvalidNetwork(expected("an input of shape [d] or [N, d] with a known d", f"input {inp.name!r} shape", dims))
    return inp.name, batch, tuple(int(t) for t in feat)


def from_onnx(model: Any) -> Network:
    """Import an ONNX model (a path or an ``onnx.ModelProto``) as an exact network.

    The network equals the graph's function with every stored float read as its
    exact binary value (see the module docstring for the GELU/SiLU patterns).

    >>> import numpy as np
    >>> from onnx import helper, numpy_helper, TensorProto
    >>> W = numpy_helper.from_array(np.array([[1.0, -2.0]], dtype=np.float32), "W")
    >>> b = numpy_helper.from_array(np.array([0.5], dtype=np.float32), "b")
    >>> g = helper.make_graph([helper.make_node("Gemm", ["x", "W", "b"], ["h"], transB=1),
    ...                        helper.make_node("Relu", ["h"], ["y"])], "g",
    ...     [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])],
    ...     [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])], [W, b])
    >>> net = from_onnx(helper.make_model(g))
    >>> net.input_dim, net.eval_exact([3, 1])
    (2, (Fraction(3, 2),))
    """
    graph = _load(model).graph
    consts = {t.name: _array(t) for t in graph.initializer}
    name, batch, shape = _input(graph, set(consts))
    nodes = [Node.from_proto(n, i) for i, n in enumerate(graph.node)]
    outputs = [o.name for o in graph.output]
    nodes, consts = patterns.fold_constants(nodes, consts)
    nodes = patterns.rewrite(nodes, consts, outputs)
    ctx = _Ctx(dict(consts))
    ctx.values[name] = _Feat(Network(math.prod(shape), ()), batch, shape)
    for node in nodes:
        rule = RULES.get(node.op)
        if rule is None:
            ops = ", ".join(SUPPORTED_OPS)
            raise InvalidNetwork(expected(f"a supported ONNX operator ({ops})", f"node {node.name!r} op_type", node.op))
        ctx.values[node.outputs[0]] = rule(node, ctx)
    results = []
    for out in outputs:
        v = ctx.values.get(out)
        if not isinstance(v, _Feat):
            raise InvalidNetwork(expected("a graph output computed from the input", "output", out))
        results.append(v.net)
    return results[0] if len(results) == 1 else Network.concat(*results)


def _array(tensor: Any) -> np.ndarray:
    from onnx import numpy_helper

    return np.asarray(numpy_helper.to_array(tensor))
