"""Graph rewriting for the ONNX importer: constant folding and multi-node activation patterns.

A pattern is replaced by one internal node (``Gelu``, ``netproof.Swish``,
``netproof.LeakyRelu``) placed where its last node was; the nodes it removes
must feed nothing else (no other consumer, not a graph output).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from verify.numbers import to_rational

__all__ = ["Node", "fold_constants", "rewrite", "LEAKY", "SWISH"]

LEAKY = "netproof.LeakyRelu"
SWISH = "netproof.Swish"
_SQRT2 = math.sqrt(2.0)
_TOL = 2.0**-20  # relative: a float32 rounding of sqrt 2 is within 2^-24


@dataclass
class Node:
    """A graph node in plain data: name, op type, input and output names, attributes."""

    name: str
    op: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def from_proto(proto: Any, index: int) -> Node:
        from onnx import helper

        attrs = {a.name: helper.get_attribute_value(a) for a in proto.attribute}
        attrs = {k: v.decode() if isinstance(v, bytes) else v for k, v in attrs.items()}
        name = proto.name or f"#{index}:{proto.op_type}"
        return Node(name, proto.op_type, list(proto.input), list(proto.output), attrs)


# -- constant folding: only ops whose float result is what the runtime computes too ---------------
def _constant_node(node: Node, _args: list[np.ndarray]) -> np.ndarray | None:
    from onnx import numpy_helper

    a = node.attrs
    if "value" in a:
        return np.asarray(numpy_helper.to_array(a["value"]))
    for key, dtype in (
        ("value_float", np.float32),
        ("value_floats", np.float32),
        ("value_int", np.int64),
        ("value_ints", np.int64),
    ):
        if key in a:
            return np.asarray(a[key], dtype=dtype)
    return None


def _cast(node: Node, args: list[np.ndarray]) -> np.ndarray | None:
    from onnx import helper

    try:
        return args[0].astype(helper.tensor_dtype_to_np_dtype(node.attrs["to"]))
    except (KeyError, TypeError, ValueError):
        return None


_FOLD: dict[str, Callable[[Node, list[np.ndarray]], np.ndarray | None]] = {
    "Constant": _constant_node,
    "Identity": lambda n, a: a[0],
    "Cast": _cast,
    "Sqrt": lambda n, a: np.sqrt(a[0]),
    "Reciprocal": lambda n, a: np.reciprocal(a[0]),
    "Neg": lambda n, a: np.negative(a[0]),
    "Add": lambda n, a: a[0] + a[1],
    "Sub": lambda n, a: a[0] - a[1],
    "Mul": lambda n, a: a[0] * a[1],
    "Div": lambda n, a: a[0] / a[1] if a[0].dtype.kind == "f" else None,
}


def fold_constants(nodes: list[Node], consts: dict[str, np.ndarray]) -> tuple[list[Node], dict[str, np.ndarray]]:
    """Evaluate the nodes whose inputs are all constants (float arithmetic as the runtime does it)."""
    consts = dict(consts)
    kept = []
    for node in nodes:
        rule = _FOLD.get(node.op)
        ins = [i for i in node.inputs if i]
        if rule is not None and len(node.outputs) == 1 and all(i in consts for i in ins):
            with np.errstate(all="ignore"):
                value = rule(node, [consts[i] for i in ins])
            if value is not None:
                consts[node.outputs[0]] = np.asarray(value)
                continue
        kept.append(node)
    return kept, consts


# -- pattern matching -------------------------------------------------------------
class _Graph:
    def __init__(self, nodes: list[Node], consts: dict[str, np.ndarray], outputs: list[str]):
        self.nodes, self.consts, self.outputs = nodes, consts, set(outputs)
        self.producer = {o: n for n in nodes for o in n.outputs}
        self.users: dict[str, list[Node]] = {}
        for n in nodes:
            for i in n.inputs:
                self.users.setdefault(i, []).append(n)

    def sole_user(self, name: str) -> Node | None:
        users = self.users.get(name, [])
        return users[0] if len(users) == 1 and name not in self.outputs else None

    def scalar(self, name: str) -> float | None:
        c = self.consts.get(name)
        return float(c.ravel()[0]) if c is not None and c.size == 1 and c.dtype.kind in "fiu" else None

    def other(self, node: Node, name: str) -> str | None:
        """The other input of a binary node, one of whose inputs is ``name``."""
        if len(node.inputs) != 2 or name not in node.inputs:
            return None
        a, b = node.inputs
        return b if a == name else a


def _near(value: float | None, target: float) -> bool:
    return value is not None and abs(value - target) <= _TOL * abs(target)


def _gelu(g: _Graph, erf: Node) -> tuple[Node, list[Node]] | None:
    """``x * 0.5 * (1 + Erf(x / sqrt2))`` in any order of the products."""
    d = g.producer.get(erf.inputs[0])
    if d is None or g.sole_user(d.outputs[0]) is not erf:
        return None
    if d.op == "Div" and _near(g.scalar(d.inputs[1]), _SQRT2):
        x = d.inputs[0]
    elif d.op == "Mul" and any(_near(g.scalar(i), 1 / _SQRT2) for i in d.inputs):
        x = next(i for i in d.inputs if not _near(g.scalar(i), 1 / _SQRT2))
    else:
        return None
    a = g.sole_user(erf.outputs[0])
    if a is None or a.op != "Add" or g.scalar(g.other(a, erf.outputs[0]) or "") != 1.0:
        return None
    members, cur, need = [d, erf, a], a.outputs[0], {"x": 1, "half": 1}
    while any(need.values()):
        m = g.sole_user(cur)
        f = None if m is None or m.op != "Mul" else g.other(m, cur)
        if m is None or f is None:
            return None
        h = g.producer.get(f)
        if f == x:
            need["x"] -= 1
        elif g.scalar(f) == 0.5:
            need["half"] -= 1
        elif h is not None and h.op == "Mul" and g.sole_user(f) is m and x in h.inputs and g.scalar(g.other(h, x) or "") == 0.5:
            need["x"], need["half"] = need["x"] - 1, need["half"] - 1
            members.append(h)
        else:
            return None
        if min(need.values()) < 0:
            return None
        members.append(m)
        cur = m.outputs[0]
    return Node(members[-1].name, "Gelu", [x], [cur]), members


def _swish(g: _Graph, mul: Node) -> tuple[Node, list[Node]] | None:
    """``x * Sigmoid(x)`` (silu) and ``x * Sigmoid(b * x)`` (swish(b), even for b = 1)."""
    if mul.op != "Mul" or len(mul.inputs) != 2:
        return None
    for s_name in mul.inputs:
        s, x = g.producer.get(s_name), g.other(mul, s_name)
        if s is None or s.op != "Sigmoid" or x is None or g.sole_user(s_name) is not mul:
            continue
        if s.inputs[0] == x:
            return Node(mul.name, SWISH, [x], mul.outputs, {"beta": None}), [s, mul]
        p = g.producer.get(s.inputs[0])
        if p is not None and p.op == "Mul" and x in p.inputs and g.sole_user(s.inputs[0]) is s:
            beta = g.scalar(g.other(p, x) or "")
            if beta is not None:
                return Node(mul.name, SWISH, [x], mul.outputs, {"beta": to_rational(beta, "beta")}), [p, s, mul]
    return None


def _leaky(g: _Graph, where: Node) -> tuple[Node, list[Node]] | None:
    """``Where(x > 0, x, a * x)``: leaky ReLU with the exact slope ``a``."""
    if where.op != "Where" or len(where.inputs) != 3:
        return None
    c, x, m = (g.producer.get(where.inputs[0]), where.inputs[1], g.producer.get(where.inputs[2]))
    if c is None or m is None or m.op != "Mul" or g.sole_user(c.outputs[0]) is not where:
        return None
    positive = (c.op == "Greater" and c.inputs[0] == x and g.scalar(c.inputs[1]) == 0.0) or (
        c.op == "Less" and c.inputs[1] == x and g.scalar(c.inputs[0]) == 0.0
    )
    slope = g.scalar(g.other(m, x) or "") if x in m.inputs else None
    if not positive or slope is None or g.sole_user(m.outputs[0]) is not where:
        return None
    return Node(where.name, LEAKY, [x], where.outputs, {"slope": to_rational(slope, "slope")}), [c, m, where]


_MATCHERS = {"Erf": _gelu, "Mul": _swish, "Where": _leaky}


def rewrite(nodes: list[Node], consts: dict[str, np.ndarray], outputs: list[str]) -> list[Node]:
    """Replace each recognised pattern by its single internal node, keeping topological order."""
    while True:
        g = _Graph(nodes, consts, outputs)
        for node in nodes:
            matcher = _MATCHERS.get(node.op)
            found = matcher(g, node) if matcher else None
            if found is not None:
                new, members = found
                drop = {id(m) for m in members}
                last = max(i for i, n in enumerate(nodes) if id(n) in drop)
                nodes = [new if i == last else n for i, n in enumerate(nodes) if id(n) not in drop or i == last]
                break
        else:
            return nodes
