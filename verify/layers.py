"""The three layer types of the IR: ``Affine``, ``Act`` and ``Pool``.

Layers are frozen, slotted dataclasses of tuples of ``Fraction``; numbers
cross into them once, through :mod:`verify.numbers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verify.activations import Activation, make_activation
from verify.errors import InvalidNetwork, expected
from verify.numbers import to_rational

__all__ = ["Affine", "Act", "Pool", "Layer"]

Matrix = tuple[tuple[Fraction, ...], ...]
Vector = tuple[Fraction, ...]


def _as_matrix(weight: Any, where: str) -> Matrix:
    if isinstance(weight, (str, bytes, dict)) or not hasattr(weight, "__iter__"):
        raise InvalidNetwork(expected("a weight matrix given as a list of rows", f"{where}.weight", weight))
    rows = []
    for i, row in enumerate(weight):
        if isinstance(row, (str, bytes, dict)) or not hasattr(row, "__iter__"):
            raise InvalidNetwork(expected("a row (a list of numbers)", f"{where}.weight[{i}]", row))
        try:
            rows.append(tuple(to_rational(v, f"{where}.weight[{i}][{j}]") for j, v in enumerate(row)))
        except ValueError as exc:
            raise InvalidNetwork(str(exc)) from None
    if not rows:
        raise InvalidNetwork(expected("at least one row", f"{where}.weight", weight))
    if any(len(r) != len(rows[0]) for r in rows) or not rows[0]:
        lengths = [len(r) for r in rows]
        raise InvalidNetwork(expected("rows of one positive length", f"{where}.weight row lengths", lengths))
    return tuple(rows)


def _as_vector(bias: Any, where: str) -> Vector:
    if isinstance(bias, (str, bytes, dict)) or not hasattr(bias, "__iter__"):
        raise InvalidNetwork(expected("a bias vector (a list of numbers)", f"{where}.bias", bias))
    try:
        return tuple(to_rational(v, f"{where}.bias[{j}]") for j, v in enumerate(bias))
    except ValueError as exc:
        raise InvalidNetwork(str(exc)) from None


@dataclass(frozen=True, slots=True, init=False)
class Affine:
    """``z -> W z + b``; ``weight`` is a tuple of rows (one per output)."""

    weight: Matrix
    bias: Vector

    def __init__(self, weight: Any, bias: Any) -> None:
        object.__setattr__(self, "weight", _as_matrix(weight, "affine"))
        object.__setattr__(self, "bias", _as_vector(bias, "affine"))
        if len(self.bias) != len(self.weight):
            raise InvalidNetwork(
                expected(f"{len(self.weight)} biases (one per weight row)", "len(affine.bias)", len(self.bias))
            )

    @property
    def in_dim(self) -> int:
        return len(self.weight[0])

    @property
    def out_dim(self) -> int:
        return len(self.weight)

    @staticmethod
    def identity(n: int) -> Affine:
        """The identity map on R^n."""
        return Affine(_eye(n), (Fraction(0),) * n)

    def then(self, other: Affine) -> Affine:
        """The exact composition ``other ∘ self`` (zero weights skipped: layers are often sparse).

        >>> Affine([[1, 2]], [3]).then(Affine([[2], [0]], [1, 1]))
        Affine(weight=((Fraction(2, 1), Fraction(4, 1)), (Fraction(0, 1), Fraction(0, 1))), bias=(Fraction(7, 1), Fraction(1, 1)))
        """
        rows = [[(j, v) for j, v in enumerate(row) if v] for row in self.weight]
        w, b = [], []
        for orow, ob in zip(other.weight, other.bias):
            acc = [Fraction(0)] * self.in_dim
            for k, a in enumerate(orow):
                if a:
                    for j, v in rows[k]:
                        acc[j] += a * v
                    ob += a * self.bias[k]
            w.append(acc)
            b.append(ob)
        return Affine(w, b)


def _eye(n: int) -> Matrix:
    return tuple(tuple(Fraction(int(i == j)) for j in range(n)) for i in range(n))


@dataclass(frozen=True, slots=True, init=False)
class Act:
    """Apply activations componentwise: one for all units, or a tuple with one per unit."""

    functions: Activation | tuple[Activation, ...]

    def __init__(self, functions: Any) -> None:
        f = functions
        if isinstance(f, (Activation, str, dict)):
            object.__setattr__(self, "functions", make_activation(f, "act"))
            return
        if not hasattr(f, "__iter__"):
            raise InvalidNetwork(expected("an activation or a list of them", "act", f))
        units = tuple(make_activation(s, f"act[{i}]") for i, s in enumerate(f))
        if not units:
            raise InvalidNetwork(expected("at least one activation", "act", f))
        object.__setattr__(self, "functions", units)

    @property
    def per_unit(self) -> bool:
        return isinstance(self.functions, tuple)

    def unit(self, i: int) -> Activation:
        """The activation of unit ``i``."""
        f = self.functions
        return f[i] if isinstance(f, tuple) else f

    def expanded(self, width: int) -> tuple[Activation, ...]:
        """One activation per unit, for a layer of the given width."""
        f = self.functions
        return f if isinstance(f, tuple) else (f,) * width

    def activations(self) -> frozenset[Activation]:
        f = self.functions
        return frozenset(f) if isinstance(f, tuple) else frozenset((f,))


@dataclass(frozen=True, slots=True)
class Pool:
    """Hadamard bilinear pooling: ``(u, v)`` of length ``2k`` to ``u * v`` (elementwise)."""

    kind: str = "hadamard"

    def __post_init__(self) -> None:
        if self.kind != "hadamard":
            raise InvalidNetwork(expected('pooling kind "hadamard"', "pool", self.kind))


Layer = Affine | Act | Pool
