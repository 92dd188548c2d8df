r"""Exact decision of "identically zero" for one hidden layer of sigmoidal units (Sussmann's reduction).

Setting. ``f(x) = sum_j c_j rho_j(w_j . x + b_j) + a . x + a_0`` with rational parameters and
``rho_j`` in {sigmoid, tanh, silu, swish(beta), softplus, gelu, exp, sin, identity}.

Normalisation (exact identities, each recorded as a step):

* ``tanh(u) = 2 sigmoid(2u) - 1``; ``swish_beta(u) = u sigmoid(beta u) = silu(beta u) / beta``
  for ``beta != 0`` and ``= u / 2`` for ``beta = 0``; ``identity(u) = u`` is affine;
* flips to the canonical half (first nonzero coordinate of ``w`` positive):
  ``sigmoid(-u) = 1 - sigmoid(u)``, ``silu(-u) = silu(u) - u``, ``softplus(-u) = softplus(u) - u``,
  ``gelu(-u) = gelu(u) - u``, ``sin(-u) = -sin(u)``; each flip only adds rational affine terms
  (``exp`` is never flipped);
* units with ``w = 0`` are constants ``rho(b)``: ``sigmoid(0) = 1/2``, ``exp(0) = 1``,
  ``silu(0) = gelu(0) = sin(0) = 0``; other constants (``sigmoid(1)``, ``softplus(0) = log 2``,
  ``e``...) are kept as constant terms and decided by a ball (or left UNKNOWN);
* units of one kind with equal canonical ``(w, b)`` merge (their coefficients add).

Kinds: S = sigmoid, L = silu, P = softplus, G = gelu, E = exp, N = sin.

Theorem (independence). Let ``(w_k, b_k)`` be pairwise distinct canonical pairs with
``w_k != 0`` (for E: distinct pairs, any sign). Then the functions ``S(u_k)``, ``L(u_k)``,
``P(u_k)``, ``G(u_k)``, ``E(u_k)``, ``N(u_k)`` (``u_k = w_k . x + b_k``), the coordinates ``x_i``
and ``1`` are linearly independent over R. Hence ``f == 0`` iff every merged coefficient is 0,
the linear part is 0, and the constant (rational part plus constant terms) is 0.

Proof. Suppose a combination ``F`` with coefficients ``alpha_k, beta_k, gamma_k, delta_k`` (for
S, L, P, G), ``epsilon_k`` (E), ``nu_k`` (N), ``a``, ``a_0`` vanishes on R^d. Restrict to a
line ``x = p + t v`` such that every ``m_k = w_k . v`` is nonzero and the pairs
``(m_k, n_k = w_k . p + b_k)`` of the S, L, P, G, N classes are pairwise distinct and not
opposite, and the ``m_k`` of E classes with distinct ``w_k`` are distinct: each bad choice
lies in a proper affine subspace (``(w_k -+ w_l) . v = 0``, or ``w_k . v = 0``), and finitely
many of those do not cover R^{2d}. Differentiate once in ``t``:
``F' = sum_k m_k [alpha_k S'(u) + beta_k (S(u) + u S'(u)) + gamma_k S(u)] + (entire terms) + a . v``.
``S`` is meromorphic with simple poles at ``u_0 = i pi (2j + 1)``, Laurent part ``1/(u - u_0)``;
``S'`` has the double pole ``-1/(u - u_0)^2`` and no simple-pole term; ``G'``, ``exp``, ``sin``
are entire. ``F' == 0`` on R, so its meromorphic continuation is 0 on C. Take ``k`` with the
largest ``|m_k|`` among S, L, P classes; the pole ``t* = (i pi - n_k)/m_k`` of class ``k``
(imaginary part ``pi/|m_k|``) is a pole of no other class ``l``: that needs ``n_l/m_l = n_k/m_k``
and ``pi (2j + 1)/|m_l| = pi/|m_k|``, so ``|m_l| = (2j + 1)|m_k| >= |m_k|``, hence
``m_l = +-m_k``, ``(m_l, n_l) = +-(m_k, n_k)``, excluded. At ``t*`` the Laurent coefficients
of ``F'`` are ``-(alpha_k + beta_k u_0)/m_k`` with ``u_0 = +-i pi`` at order -2 and ``gamma_k``
at order -1 (the ``beta_k`` simple poles of ``S`` and ``u S'`` cancel); both vanish and
``alpha_k, beta_k`` are real, so ``alpha_k = beta_k = gamma_k = 0``. Remove class ``k`` and
repeat. What is left has second derivative
``F'' = sum_k delta_k m_k^2 (2 - u_k^2) e^{-u_k^2/2}/sqrt(2 pi)
+ sum_w A_w m_w^2 e^{m_w t} - sum_k nu_k m_k^2 Im e^{i u_k}``, with ``A_w = sum_b epsilon_{w,b} e^{b + w.p}``.
Lemma: functions ``q_k(t) e^{r_k(t)}`` (``q_k`` nonzero polynomials, ``r_k`` polynomials no two
of which differ by a constant) are linearly independent over C. (Induction on the number of
terms: divide by ``e^{r_1}`` and differentiate ``deg q_1 + 1`` times; each other term stays
``q e^{s}`` with ``s = r_k - r_1`` non-constant and ``(q e^s)' = (q' + q s') e^s``, ``q' + q s' != 0``.)
Here the exponents ``-(m_k t + n_k)^2/2``, ``m_w t`` and ``+- i(m_k t + n_k)`` are pairwise
non-equivalent, so ``delta_k = 0``, ``A_w = 0`` and, for each canonical N direction,
``sum_b nu_{w,b} e^{i b} = 0``. By the Lindemann-Weierstrass theorem, ``e^{beta_1}, ..., e^{beta_n}``
are linearly independent over the algebraic numbers for distinct algebraic ``beta_j``; the
``b`` (for E) and ``i b`` (for N) are distinct rationals (resp. imaginary rationals), so every
``epsilon_{w,b}`` and ``nu_{w,b}`` vanishes. What is left, ``a . x + a_0``, is affine. QED.

This is the pole argument behind Sussmann (1992), "Uniqueness of the weights for minimal
feedforward nets with a given input-output map", Neural Networks 5:589-593, and the
independence property of Albertini, Sontag & Maillot (1993), "Uniqueness of weights for
neural networks"; softplus enters through ``softplus' = sigmoid`` and GELU through
``gelu'' = phi (2 - u^2)`` (MATH.md §7, item 3b).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from verify.activations import Activation
from verify.numbers import format_rational

__all__ = ["SUPPORTED", "Decomposition", "decompose", "canonical", "describe"]

SUPPORTED = frozenset({"sigmoid", "tanh", "silu", "swish", "softplus", "gelu", "identity", "exp", "sin"})
"""Unit kinds the normalisation handles."""

_ZERO, _ONE = Fraction(0), Fraction(1)
Row = tuple[Fraction, ...]


@dataclass
class Decomposition:
    """One output as ``sum classes + sum constant terms + linear . z + constant``, all coefficients exact.

    ``classes[(kind, w, b)]``: kind in S (sigmoid), L (silu), P (softplus), G (gelu), E (exp),
    N (sin), ``w != 0`` canonical (any sign for E); ``constants[(kind, b)]``: transcendental
    constants ``kind(b)``, ``b != 0`` (or ``P`` at ``b = 0``).
    """

    dim: int
    classes: dict[tuple[str, Row, Fraction], Fraction] = field(default_factory=dict)
    constants: dict[tuple[str, Fraction], Fraction] = field(default_factory=dict)
    linear: list[Fraction] = field(default_factory=list)
    constant: Fraction = _ZERO
    steps: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.linear:
            self.linear = [_ZERO] * self.dim

    def add_affine(self, c: Fraction, w: Row, b: Fraction) -> None:
        for i, wi in enumerate(w):
            self.linear[i] += c * wi
        self.constant += c * b

    def nonzero_classes(self) -> dict[tuple[str, Row, Fraction], Fraction]:
        return {k: v for k, v in self.classes.items() if v != 0}

    def nonzero_constants(self) -> dict[tuple[str, Fraction], Fraction]:
        return {k: v for k, v in self.constants.items() if v != 0}

    @property
    def nonconstant_zero(self) -> bool:
        """Every class coefficient and the linear part vanish (so the function is constant)."""
        return not self.nonzero_classes() and all(v == 0 for v in self.linear)

    def to_json(self) -> dict[str, Any]:
        return {
            "classes": [
                {"kind": k, "w": [format_rational(v) for v in w], "b": format_rational(b), "coeff": format_rational(c)}
                for (k, w, b), c in sorted(self.nonzero_classes().items(), key=lambda kv: repr(kv[0]))
            ],
            "constants": [
                {"kind": k, "b": format_rational(b), "coeff": format_rational(c)}
                for (k, b), c in sorted(self.nonzero_constants().items(), key=lambda kv: repr(kv[0]))
            ],
            "linear": [format_rational(v) for v in self.linear],
            "constant": format_rational(self.constant),
            "steps": list(self.steps),
        }


def canonical(w: Row) -> bool:
    """True when the first nonzero coordinate of ``w`` is positive (``w = 0`` counts as canonical).

    >>> canonical((Fraction(0), Fraction(-1))), canonical((Fraction(2), Fraction(-1)))
    (False, True)
    """
    for v in w:
        if v != 0:
            return v > 0
    return True


def _add_kind(dec: Decomposition, kind: str, w: Row, b: Fraction, c: Fraction) -> None:
    """Add ``c * kind(w.z + b)``, flipping to the canonical half and folding exact constants."""
    if c == 0:
        return
    is_const = all(v == 0 for v in w)
    flip = kind != "E" and ((b < 0) if is_const else not canonical(w))  # exp has no flip identity
    if flip:
        w, b = tuple(-v for v in w), -b
        if kind == "S":  # sigmoid(-u) = 1 - sigmoid(u)
            dec.constant += c
            c = -c
        elif kind == "N":  # sin(-u) = -sin(u)
            c = -c
        else:  # silu, softplus, gelu: rho(-u) = rho(u) - u
            dec.add_affine(-c, w, b)
        dec.steps.append(f"flip {kind}: canonical (w, b) = ({_fmt(w)}, {format_rational(b)})")
    if is_const:
        if b == 0 and kind != "P":  # sigmoid(0) = 1/2, exp(0) = 1, silu(0) = gelu(0) = sin(0) = 0
            value = {"S": Fraction(1, 2), "E": _ONE}.get(kind, _ZERO)
            dec.steps.append(f"constant {kind}(0) = {format_rational(value)}")
            dec.constant += c * value
            return
        key_c = (kind, b)
        dec.constants[key_c] = dec.constants.get(key_c, _ZERO) + c
        return
    key = (kind, w, b)
    dec.classes[key] = dec.classes.get(key, _ZERO) + c


def _fmt(w: Row) -> str:
    return "(" + ", ".join(format_rational(v) for v in w) + ")"


_MAX_STEPS = 200
_RULE_TEXT = {
    "identity": "affine",
    "sigmoid": "class S",
    "tanh": "tanh(u) = 2 sigmoid(2u) - 1",
    "silu": "class L",
    "swish": "swish_b(u) = silu(b u)/b (b != 0), u/2 (b = 0)",
    "softplus": "class P (softplus' = sigmoid)",
    "gelu": "class G (gelu'' = phi (2 - u^2))",
    "exp": "class E (Lindemann-Weierstrass)",
    "sin": "class N (sin(-u) = -sin(u); Lindemann-Weierstrass)",
}


def add_unit(dec: Decomposition, act: Activation, w: Row, b: Fraction, c: Fraction) -> None:
    """Add ``c * act(w.z + b)`` to ``dec`` through the exact identities of the module docstring."""
    name = act.name
    if c != 0 and len(dec.steps) < _MAX_STEPS:
        dec.steps.append(f"{format_rational(c)} * {act}({_fmt(w)}.z + {format_rational(b)}): {_RULE_TEXT.get(name, name)}")
    if name == "identity":
        dec.add_affine(c, w, b)
    elif name == "sigmoid":
        _add_kind(dec, "S", w, b, c)
    elif name == "tanh":  # tanh(u) = 2 sigmoid(2u) - 1
        _add_kind(dec, "S", tuple(2 * v for v in w), 2 * b, 2 * c)
        dec.constant -= c
    elif name == "silu":
        _add_kind(dec, "L", w, b, c)
    elif name == "swish":
        beta = act.param
        assert beta is not None
        if beta == 0:  # swish_0(u) = u / 2
            dec.add_affine(c / 2, w, b)
        else:  # swish_beta(u) = silu(beta u) / beta
            _add_kind(dec, "L", tuple(beta * v for v in w), beta * b, c / beta)
    elif name == "softplus":
        _add_kind(dec, "P", w, b, c)
    elif name == "gelu":
        _add_kind(dec, "G", w, b, c)
    elif name == "exp":
        _add_kind(dec, "E", w, b, c)
    elif name == "sin":
        _add_kind(dec, "N", w, b, c)
    else:
        raise ValueError(f"no normalisation for {name}")


def decompose(
    units: tuple[Activation, ...], weight: tuple[Row, ...], bias: Row, out_row: Row, out_bias: Fraction
) -> Decomposition:
    """One output ``out_row . act(weight z + bias) + out_bias`` in the canonical sigmoid basis.

    >>> from verify.activations import sigmoid
    >>> one, half = Fraction(1), Fraction(1, 2)
    >>> dec = decompose((sigmoid(), sigmoid()), ((one,), (-one,)), (_ZERO, _ZERO), (one, one), -one)
    >>> dec.nonzero_classes(), dec.linear, dec.constant          # sigmoid(x) + sigmoid(-x) - 1 == 0
    ({}, [Fraction(0, 1)], Fraction(0, 1))
    """
    dim = len(weight[0]) if weight else 0
    dec = Decomposition(dim)
    dec.constant = out_bias
    for act, w, b, c in zip(units, weight, bias, out_row):
        add_unit(dec, act, w, b, c)
    return dec


def describe(dec: Decomposition) -> str:
    """A one-line account of the merged decomposition, for reasons and reports.

    >>> describe(Decomposition(1))
    '0 nonzero merged classes, linear part zero, rational constant 0, 0 transcendental constants'
    """
    cls = dec.nonzero_classes()
    return (
        f"{len(cls)} nonzero merged classes, linear part {'zero' if all(v == 0 for v in dec.linear) else 'nonzero'},"
        f" rational constant {format_rational(dec.constant)}, {len(dec.nonzero_constants())} transcendental constants"
    )
