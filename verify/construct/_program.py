"""Pure-ReLU programs: the building blocks every construction is assembled from.

A *program* is a list of affine maps ``[A_0, ..., A_L]`` meaning
``A_L ∘ relu ∘ A_{L-1} ∘ ... ∘ relu ∘ A_0``: a network with ``L`` hidden
ReLU layers and ``L + 1`` affine layers. Working on programs (instead of the
general ``Network`` algebra) keeps every size exact and predictable: sequential
composition merges the touching affine maps, parallel composition is block
diagonal, and depth padding uses the exact identity ``t = relu(t) - relu(-t)``
so the result stays pure ReLU.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from verify.activations import Activation
from verify.layers import Act, Affine, Layer
from verify.network import Network

__all__ = ["Program", "ZERO", "ONE", "RELU", "affine", "to_network", "then", "parallel", "pad", "readout", "ceil_log2"]

ZERO, ONE = Fraction(0), Fraction(1)
RELU = Act(Activation("relu"))

Program = list[Affine]


def ceil_log2(n: int) -> int:
    """``ceil(log2 n)`` for a positive int, exactly (``ceil_log2(1) == 0``)."""
    return (n - 1).bit_length()


def affine(rows: Sequence[Sequence[Fraction]], bias: Sequence[Fraction]) -> Affine:
    return Affine(tuple(tuple(r) for r in rows), tuple(bias))


def to_network(prog: Program) -> Network:
    """The network ``A_L ∘ relu ∘ ... ∘ relu ∘ A_0``."""
    layers: list[Layer] = []
    for i, a in enumerate(prog):
        if i:
            layers.append(RELU)
        layers.append(a)
    return Network(prog[0].in_dim, tuple(layers))


def then(first: Program, second: Program) -> Program:
    """``second ∘ first``, the two touching affine maps merged exactly."""
    return [*first[:-1], first[-1].then(second[0]), *second[1:]]


def parallel(progs: Sequence[Program], *, shared_input: bool = True) -> Program:
    """Run programs of equal length side by side; outputs concatenated.

    With ``shared_input`` all read the same input, else the input is the concatenation of theirs.
    """
    depth = len(progs[0])
    assert all(len(p) == depth for p in progs), "pad programs to one depth first"
    out: Program = []
    for j in range(depth):
        blocks = [p[j] for p in progs]
        out.append(_stack(blocks) if (j == 0 and shared_input) else _block_diag(blocks))
    return out


def _stack(blocks: Sequence[Affine]) -> Affine:
    rows = [r for a in blocks for r in a.weight]
    bias = [b for a in blocks for b in a.bias]
    return affine(rows, bias)


def _block_diag(blocks: Sequence[Affine]) -> Affine:
    total = sum(a.in_dim for a in blocks)
    rows: list[tuple[Fraction, ...]] = []
    bias: list[Fraction] = []
    offset = 0
    for a in blocks:
        left, right = (ZERO,) * offset, (ZERO,) * (total - offset - a.in_dim)
        rows.extend(left + r + right for r in a.weight)
        bias.extend(a.bias)
        offset += a.in_dim
    return affine(rows, bias)


def pad(prog: Program, length: int) -> Program:
    """Pad to ``length`` affine maps with ``t = relu(t) - relu(-t)`` layers (width ``2k`` each, ``k`` outputs)."""
    prog = list(prog)
    while len(prog) < length:
        last = prog[-1]
        k = last.out_dim
        doubled = affine([*last.weight, *(tuple(-w for w in r) for r in last.weight)], [*last.bias, *(-b for b in last.bias)])
        eye = [tuple(ONE if j == i else ZERO for j in range(k)) for i in range(k)]
        unpair = affine([r + tuple(-w for w in r) for r in eye], [ZERO] * k)
        prog[-1:] = [doubled, unpair]
    return prog


def readout(prog: Program, coefficients: Sequence[Sequence[Fraction]], bias: Sequence[Fraction]) -> Program:
    """Append the linear read-out ``z -> C z + c`` (``C`` has one row per output), merged into the last map."""
    return [*prog[:-1], prog[-1].then(affine(coefficients, bias))]
