"""A symbolic normal form: rewrite every unit to ``exp``/``erf``, simplify, accept only a literal ``0``.

Sympy's rewriting and simplification apply exact identities; the result is accepted only when
it is the literal integer ``0`` (``sympy.S.Zero``), never on numerical evidence. Any failure
or a nonzero normal form leaves the question open (``False``): a nonzero *expression* can still
be the zero *function*.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from verify.network import Network

__all__ = ["sympy_zero", "normal_form_is_zero"]


def normal_form_is_zero(expr: object) -> bool:
    """True only when ``expr``, rewritten to exp and simplified, is literally 0.

    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> normal_form_is_zero(sympy.tanh(x) - 2 / (1 + sympy.exp(-2 * x)) + 1)
    True
    >>> normal_form_is_zero(sympy.tanh(x))
    False
    """
    import sympy

    e = sympy.sympify(expr).rewrite(sympy.exp)
    for step in (sympy.together, sympy.simplify):
        e = step(e)
        if e == sympy.S.Zero:
            return True
    e = sympy.simplify(sympy.expand(e))
    return bool(e == sympy.S.Zero)


def sympy_zero(net: Network) -> bool:
    """True only when every output of ``net`` has the symbolic normal form 0 (analytic networks only).

    >>> from verify import Network
    >>> sympy_zero(Network.mlp([[[1], [-1]], [[1, 1]]], [[0, 0], [-1]], "sigmoid"))
    True
    """
    if not net.is_analytic:
        return False
    try:
        exprs = net.to_sympy()
        return all(normal_form_is_zero(exprs[i]) for i in range(exprs.rows))  # a column Matrix
    except Exception:  # sympy could not handle it: the question stays open
        return False
