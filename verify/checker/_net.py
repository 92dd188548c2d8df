"""A small, independent reader and exact evaluator of netproof/1 networks for the checker.

Deliberately shares no code with ``verify.network`` or ``verify.semantics``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from verify.checker import CheckFailed

__all__ = ["q", "CheckNet", "read_sets", "witness_outside"]


def q(text: Any) -> Fraction:
    """An exact rational from certificate text ("-1/3", "5") or an int."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise ValueError(f"expected a rational as text, got {text!r}")
    if isinstance(text, str) and len(text) >= 4000:  # past Python's limit on long digit strings
        import gmpy2

        return Fraction(int(gmpy2.mpq(text).numerator), int(gmpy2.mpq(text).denominator))
    return Fraction(text)


class CheckNet:
    """A network read from its netproof/1 dict, evaluated exactly with Fractions (PL, square, pooling)."""

    def __init__(self, doc: dict[str, Any]):
        if doc.get("format") != "netproof/1":
            raise ValueError("network is not netproof/1")
        self.input_dim = int(doc["input_dim"])
        self.layers: list[tuple[str, Any]] = []
        for layer in doc["layers"]:
            ((key, body),) = layer.items()
            if key == "affine":
                w = [[q(v) for v in row] for row in body["weight"]]
                b = [q(v) for v in body["bias"]]
                self.layers.append(("affine", (w, b)))
            elif key == "act":
                self.layers.append(("act", body))
            elif key == "pool":
                self.layers.append(("pool", None))
            else:
                raise ValueError(f"unknown layer {key!r}")

    @staticmethod
    def _unit(spec: Any, t: Fraction) -> Fraction:
        if isinstance(spec, dict):
            ((name, a),) = spec.items()
            if name in ("leaky_relu", "prelu"):
                return t if t > 0 else q(a) * t
            raise ValueError(f"no exact rule for {name}")
        if spec == "relu":
            return t if t > 0 else Fraction(0)
        if spec == "abs":
            return -t if t < 0 else t
        if spec == "identity":
            return t
        if spec == "hardtanh":
            return Fraction(-1) if t < -1 else (Fraction(1) if t > 1 else t)
        if spec == "square":
            return t * t
        raise ValueError(f"no exact rule for {spec!r}")

    def __call__(self, x: list[Fraction]) -> list[Fraction]:
        if len(x) != self.input_dim:
            raise ValueError("point of the wrong dimension")
        z = list(x)
        for key, body in self.layers:
            if key == "affine":
                w, b = body
                if any(len(row) != len(z) for row in w):
                    raise ValueError("shape mismatch")
                z = [sum((wi * zi for wi, zi in zip(row, z)), bi) for row, bi in zip(w, b)]
            elif key == "act":
                specs = body if isinstance(body, list) else [body] * len(z)
                if len(specs) != len(z):
                    raise ValueError("shape mismatch")
                z = [self._unit(s, t) for s, t in zip(specs, z)]
            else:
                k = len(z) // 2
                z = [z[i] * z[i + k] for i in range(k)]
        return z


def read_sets(data: Any, d: int) -> list[tuple[list[list[Fraction]], list[Fraction]]]:
    """The components of K from certificate text, each as rows (A, b) of ``{x : A x <= b}``."""
    out = []
    for comp in data:
        A = [[q(v) for v in row] for row in comp["A"]]
        b = [q(v) for v in comp["b"]]
        if len(A) != len(b) or any(len(r) != d for r in A):
            raise ValueError("a component of K is malformed")
        out.append((A, b))
    return out


def witness_outside(net: CheckNet, comps: list[tuple[list[list[Fraction]], list[Fraction]]],
                    w: Any) -> tuple[list[Fraction], list[Fraction]]:
    """A REFUTED "f == 0 outside K": the witness lies outside every component of K, the network is nonzero
    there, and the stated value / output agree; returns (x, f(x)). Raises CheckFailed otherwise."""
    if w is None:
        raise CheckFailed("a refutation needs a witness")
    x = [q(v) for v in w["point"]]
    if len(x) != net.input_dim:
        raise CheckFailed("witness of the wrong dimension")
    for A, b in comps:
        if all(sum((a * t for a, t in zip(row, x)), Fraction(0)) <= bi for row, bi in zip(A, b)):
            raise CheckFailed("the witness lies in K")
    value = net(x)
    if all(v == 0 for v in value):
        raise CheckFailed("the network vanishes at the witness")
    if w.get("value") is not None and [q(v) for v in w["value"]] != value:
        raise CheckFailed("the stated value differs from the exact value at the witness")
    if w.get("output") is not None and value[int(w["output"])] == 0:
        raise CheckFailed("the stated output is zero at the witness")
    return x, value
