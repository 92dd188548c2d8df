"""ONNX export: a network as a float64 ONNX model, for running it (onnxruntime, other tools).

Contract. ``to_onnx(net)`` returns an ``onnx.ModelProto`` (opset 17) with one
input ``x`` of shape ``[N, input_dim]`` and one output ``y`` of shape
``[N, output_dim]``, float64 throughout, computing ``net`` with every weight
rounded to the nearest float64 (exact for dyadic weights with short
mantissas, so :func:`verify.io.onnx_import.from_onnx` gives the same network
back; gelu and softplus only with ``for_onnxruntime=False``, see below).
Layers: ``Affine`` -> ``Gemm``; ``Pool`` -> two ``Slice`` and ``Mul``;
``Act`` -> one op (or a small graph) per activation, a per-unit list as
``Slice`` runs joined by ``Concat``.

Activations: relu ``Relu``; leaky_relu ``Where(x > 0, x, a * x)`` (the
slope as a float64, not ``LeakyRelu``'s float32 attribute); prelu ``PRelu``
with a float64 slope; abs ``Abs``;
identity ``Identity``; hardtanh ``Clip(-1, 1)``; sigmoid, tanh, exp, sin
their ops; silu ``x * Sigmoid(x)``; swish(b) ``x * Sigmoid(b * x)``;
square ``Mul(x, x)``; softplus and gelu depend on ``for_onnxruntime``.

onnxruntime's CPU provider has no float64 kernel for ``Erf`` or ``Softplus``.
The default (``for_onnxruntime=True``) therefore writes those two with ops it
has in float64, so that every exported model runs: gelu as
``x/2 * erfc(-x/sqrt 2)`` with ``erfc`` by the rational approximations of
Cephes' ``ndtr.c`` (relative error below 1e-13, no cancellation for x < 0),
softplus as ``relu(x) + log1p(exp(-|x|))`` with Kahan's log1p. With
``for_onnxruntime=False`` they are the standard ops, compact and re-imported
exactly: ``Softplus``, and gelu as ``x * (1 + Erf(x / sqrt 2)) * 1/2`` (the
pattern torch writes).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from verify.activations import Activation
from verify.errors import InvalidArgument, expected
from verify.layers import Act, Affine, Pool
from verify.network import Network

__all__ = ["to_onnx", "OPSET"]

OPSET = 17


class _Builder:
    """Accumulates nodes and float64 initializers with fresh names."""

    def __init__(self, for_onnxruntime: bool):
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.count = 0
        self.ort = for_onnxruntime

    def fresh(self, stem: str) -> str:
        self.count += 1
        return f"{stem}_{self.count}"

    def const(self, values: Any, shape: list[int] | None = None, *, ints: bool = False) -> str:
        from onnx import TensorProto, helper

        flat = values if isinstance(values, list) else [values]
        name = self.fresh("c")
        dtype = TensorProto.INT64 if ints else TensorProto.DOUBLE
        data = [int(v) for v in flat] if ints else [float(v) for v in flat]
        self.inits.append(helper.make_tensor(name, dtype, [] if shape is None else shape, data))
        return name

    def op(self, op_type: str, inputs: list[str], **attrs: Any) -> str:
        from onnx import helper

        out = self.fresh(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def slice(self, z: str, start: int, end: int) -> str:
        return self.op(
            "Slice", [z, self.const([start], [1], ints=True), self.const([end], [1], ints=True), self.const([1], [1], ints=True)]
        )

    def poly(self, t: str, coeffs: list[float]) -> str:
        """Horner's rule, highest degree first."""
        acc = self.const(coeffs[0])
        for c in coeffs[1:]:
            acc = self.op("Add", [self.op("Mul", [acc, t]), self.const(c)])
        return acc


# -- activations: one small rule each -----------------------------------------------
def _leaky(b: _Builder, z: str, a: Fraction | None) -> str:
    return b.op("Where", [b.op("Greater", [z, b.const(0.0)]), z, b.op("Mul", [z, b.const(float(a or 0))])])


def _gelu(b: _Builder, z: str, _a: Fraction | None) -> str:
    if b.ort:
        u = b.op("Div", [b.op("Neg", [z]), b.const(math.sqrt(2.0))])
        e = _erfc_abs(b, u)
        ec = b.op("Where", [b.op("GreaterOrEqual", [u, b.const(0.0)]), e, b.op("Sub", [b.const(2.0), e])])
        return b.op("Mul", [b.op("Mul", [z, ec]), b.const(0.5)])
    erf = b.op("Erf", [b.op("Div", [z, b.const(math.sqrt(2.0))])])
    return b.op("Mul", [b.op("Mul", [z, b.op("Add", [erf, b.const(1.0)])]), b.const(0.5)])


def _softplus(b: _Builder, z: str, _a: Fraction | None) -> str:
    if not b.ort:
        return b.op("Softplus", [z])
    y = b.op("Exp", [b.op("Neg", [b.op("Abs", [z])])])
    w = b.op("Add", [b.const(1.0), y])
    # Kahan: log1p(y) = y * log(w) / (w - 1), and y itself when w rounds to 1
    kahan = b.op("Div", [b.op("Mul", [y, b.op("Log", [w])]), b.op("Sub", [w, b.const(1.0)])])
    log1p = b.op("Where", [b.op("Equal", [w, b.const(1.0)]), y, kahan])
    return b.op("Add", [b.op("Relu", [z]), log1p])


def _swish(b: _Builder, z: str, beta: Fraction | None) -> str:
    inner = z if beta is None else b.op("Mul", [z, b.const(float(beta))])  # swish(1) keeps its name
    return b.op("Mul", [z, b.op("Sigmoid", [inner])])


def _op(name: str) -> Callable[[_Builder, str, Fraction | None], str]:
    return lambda b, z, _a: b.op(name, [z])


ACTIVATION_RULES: dict[str, Callable[[_Builder, str, Fraction | None], str]] = {
    "relu": _op("Relu"),
    "leaky_relu": _leaky,
    "prelu": lambda b, z, a: b.op("PRelu", [z, b.const(float(a or 0))]),
    "abs": _op("Abs"),
    "identity": _op("Identity"),
    "hardtanh": lambda b, z, _a: b.op("Clip", [z, b.const(-1.0), b.const(1.0)]),
    "sigmoid": _op("Sigmoid"),
    "tanh": _op("Tanh"),
    "softplus": _softplus,
    "silu": _swish,
    "swish": _swish,
    "gelu": _gelu,
    "exp": _op("Exp"),
    "sin": _op("Sin"),
    "square": lambda b, z, _a: b.op("Mul", [z, z]),
}
"""How each activation of the catalogue is written in ONNX."""

# Cephes ndtr.c: erfc(a) = exp(-a^2) P(a)/Q(a) on [1, 8), exp(-a^2) R(a)/S(a) beyond; erf(a) = a T(a^2)/U(a^2) below 1
_P = [2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0, 4.86371970985681366614e1,
      1.96520832956077098242e2, 5.26445194995477358631e2, 9.34528527171957607540e2, 1.02755188689515710272e3,
      5.57535335369399327526e2]  # fmt: skip
_Q = [1.0, 1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2, 9.75708501743205489753e2,
      1.82390916687909736289e3, 2.24633760818710981792e3, 1.65666309194161350182e3, 5.57535340817727675546e2]  # fmt: skip
_R = [5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0, 6.16021097993053585195e0,
      7.40974269950448939160e0, 2.97886665372100240670e0]  # fmt: skip
_S = [1.0, 2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1, 1.70814450747565897222e1,
      9.60896809063285878198e0, 3.36907645100081516050e0]  # fmt: skip
_T = [9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3, 7.00332514112805075473e3,
      5.55923013010394962768e4]  # fmt: skip
_U = [1.0, 3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3, 2.26290000613890934246e4,
      4.92673942608635921086e4]  # fmt: skip


def _erfc_abs(b: _Builder, u: str) -> str:
    """``erfc(|u|)`` in float64 ops (Where evaluates every branch; the unused ones may be inf or nan)."""
    a = b.op("Abs", [u])
    a2 = b.op("Mul", [a, a])
    small = b.op("Sub", [b.const(1.0), b.op("Div", [b.op("Mul", [a, b.poly(a2, _T)]), b.poly(a2, _U)])])
    e = b.op("Exp", [b.op("Neg", [a2])])
    mid = b.op("Div", [b.poly(a, _P), b.poly(a, _Q)])
    far = b.op("Div", [b.poly(a, _R), b.poly(a, _S)])
    big = b.op("Mul", [e, b.op("Where", [b.op("Less", [a, b.const(8.0)]), mid, far])])
    return b.op("Where", [b.op("Less", [a, b.const(1.0)]), small, big])


# -- layers ---------------------------------------------------------------------
def _affine(b: _Builder, z: str, layer: Affine) -> str:
    w = b.const([v for row in layer.weight for v in row], [layer.out_dim, layer.in_dim])
    return b.op("Gemm", [z, w, b.const(list(layer.bias), [layer.out_dim])], transB=1)


def _pool(b: _Builder, z: str, width: int) -> str:
    k = width // 2
    return b.op("Mul", [b.slice(z, 0, k), b.slice(z, k, width)])


def _apply(b: _Builder, z: str, f: Activation) -> str:
    return ACTIVATION_RULES[f.name](b, z, f.param)


def _act(b: _Builder, z: str, layer: Act, width: int) -> str:
    if not layer.per_unit:
        return _apply(b, z, layer.unit(0))
    units = layer.expanded(width)
    runs: list[tuple[int, int]] = []
    for i in range(width):
        if runs and units[i] == units[runs[-1][0]]:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    if len(runs) == 1:
        return _apply(b, z, units[0])
    return b.op("Concat", [_apply(b, b.slice(z, s, e), units[s]) for s, e in runs], axis=1)


def to_onnx(net: Network, *, for_onnxruntime: bool = True, opset: int = OPSET) -> Any:
    """A float64 ``onnx.ModelProto`` computing ``net`` (input ``x`` [N, d], output ``y`` [N, D]).

    >>> import numpy as np, onnxruntime as ort
    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> sess = ort.InferenceSession(to_onnx(hat).SerializeToString(), providers=["CPUExecutionProvider"])
    >>> sess.run(None, {"x": np.array([[0.0], [0.5], [3.0]])})[0].ravel().tolist()
    [1.0, 0.5, 0.0]
    """
    from verify.io.onnx_import import require_onnx

    require_onnx()
    from onnx import TensorProto, checker, helper

    if not isinstance(net, Network):
        raise InvalidArgument(expected("a Network", "net", net))
    b = _Builder(for_onnxruntime)
    z, width = "x", net.input_dim
    for layer in net.layers:
        if isinstance(layer, Affine):
            z, width = _affine(b, z, layer), layer.out_dim
        elif isinstance(layer, Pool):
            z, width = _pool(b, z, width), width // 2
        else:
            z = _act(b, z, layer, width)
    b.nodes.append(helper.make_node("Identity", [z], ["y"], name="output"))
    graph = helper.make_graph(
        b.nodes,
        "netproof",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", net.input_dim])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["N", net.output_dim])],
        b.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="netproof")
    model.ir_version = min(model.ir_version, 9)  # readable by older runtimes too
    checker.check_model(model)
    return model
