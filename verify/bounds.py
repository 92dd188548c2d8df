"""Exact equivalence, maxima and Lipschitz constants of piecewise-linear networks.

All three walk the cells of the splitting engine of :mod:`verify.regions`
(lazy mode: the output map is exact and affine on every cell):

* :func:`equivalent` proves ``f - g = 0`` on the domain with a checkable split tree;
* :func:`max_abs` maximizes ``|f_i|`` by one exact LP per cell and output;
* :func:`lipschitz_constant` takes the largest operator norm of the cells' linear parts.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from verify.box import Box
from verify.cells import BudgetExceeded, Leaf, make_plan
from verify.errors import InvalidArgument, UnsupportedNetwork, expected
from verify.exactlp import Q, lp_max_q, to_fraction
from verify.layers import Act, Affine, Pool
from verify.network import Network
from verify.polyhedra import Polyhedron
from verify.regions import domain_constraints, root_cell
from verify.splitengine import Engine
from verify.support import _prove_zero
from verify.verdict import Claim, Status, Verdict

__all__ = ["equivalent", "max_abs", "lipschitz_constant", "difference_network"]


def _steps(net: Network) -> tuple[list[tuple[Affine, tuple[Any, ...]]], Affine]:
    """Normal form: (affine, activations) steps and the output affine map."""
    cur: Affine | None = None  # None: the identity
    width = net.input_dim
    steps = []
    for layer in net.layers:
        if isinstance(layer, Affine):
            cur = layer if cur is None else cur.then(layer)
            width = layer.out_dim
        elif isinstance(layer, Pool):
            raise UnsupportedNetwork(expected("a network without Pool", "net", net))
        else:
            assert isinstance(layer, Act)
            steps.append((cur or Affine.identity(width), layer.expanded(width)))
            cur = None
    return steps, cur or Affine.identity(width)


def difference_network(f: Network, g: Network) -> Network:
    """``f - g`` with the units of f and g side by side (the shallower padded by identity units).

    This construction is the one the checker rebuilds, so a split tree over it certifies f = g.

    >>> f = Network.mlp([[[1], [-1]], [[1, -1]]], [[0, 0], [0]])
    >>> difference_network(f, Network.mlp([[[1]]], [[0]])).eval_exact([5])
    (Fraction(0, 1),)
    """
    fs, fo = _steps(f)
    gs, go = _steps(g)
    sign = Fraction(1)
    if len(fs) < len(gs):
        fs, fo, gs, go, sign = gs, go, fs, fo, Fraction(-1)
    if len(gs) < len(fs):
        D = go.out_dim
        ident = (Act("identity").expanded(D))
        gs = gs + [(go, ident)] + [(Affine.identity(D), ident)] * (len(fs) - len(gs) - 1)
        go = Affine.identity(D)
    zero = Fraction(0)
    layers: list[Any] = []
    for k, ((a1, s1), (a2, s2)) in enumerate(zip(fs, gs)):
        if k == 0:
            W = a1.weight + a2.weight
        else:
            W = tuple(r + (zero,) * a2.in_dim for r in a1.weight) + tuple((zero,) * a1.in_dim + r for r in a2.weight)
        layers += [Affine(W, a1.bias + a2.bias), Act(tuple(s1) + tuple(s2))]
    bias = tuple(sign * (p - r) for p, r in zip(fo.bias, go.bias))
    if not fs:
        W = tuple(tuple(sign * (p - r) for p, r in zip(r1, r2)) for r1, r2 in zip(fo.weight, go.weight))
    else:
        W = tuple(tuple(sign * v for v in r1) + tuple(-sign * v for v in r2) for r1, r2 in zip(fo.weight, go.weight))
    layers.append(Affine(W, bias))
    return Network(f.input_dim, tuple(layers))


def _domain(domain: Any, d: int) -> tuple[Any, list[tuple[list[Any], list[Any]]], Any]:
    """Claim data, root pieces (rows as for the checker) and membership test of a domain."""
    if domain is None:
        return None, [([], [])], lambda x: True
    if isinstance(domain, Box):
        domain = Polyhedron.from_box(domain)
        data: Any = Box(*_box_of(domain)).to_json()
    elif isinstance(domain, Polyhedron):
        data = {"A": [list(r) for r in domain.A], "b": list(domain.b)}
    else:
        raise InvalidArgument(expected("None, a Box or a Polyhedron", "domain", domain))
    if domain.dim != d:
        raise InvalidArgument(expected(f"a domain of dimension {d}", "domain.dim", domain.dim))
    return data, [(list(domain.A), list(domain.b))], domain.contains


def _box_of(P: Polyhedron) -> tuple[list[Fraction], list[Fraction]]:
    return [-P.b[2 * i + 1] for i in range(P.dim)], [P.b[2 * i] for i in range(P.dim)]


def equivalent(f: Network, g: Network, domain: Any = None, *, budget: int | None = None) -> Verdict:
    """Decide ``f(x) = g(x)`` for all x in the domain (None = R^d, a Box or a Polyhedron), exactly.

    PROVED carries a split tree of ``f - g`` (checked by :mod:`verify.checker.pl`);
    REFUTED an exact point of the domain where ``f(x) != g(x)``. Networks with
    pooling or analytic units (domain None) go to :func:`verify.support.prove_support_in`
    of ``f - g`` with ``K = []``, whose engines answer "f - g == 0 on R^d".

    >>> relu = Network.mlp([[[1]], [[1]]], [[0], [0]])
    >>> half_abs = Network.mlp([[[1], [-1]], [["1/2", "1/2"]]], [[0, 0], ["0"]])
    >>> equivalent(relu, half_abs + Network.mlp([[[1]]], [["0"]]).scaled("1/2")).status.value
    'proved'
    >>> equivalent(relu, Network.mlp([[[1]]], [[0]])).witness.point
    (Fraction(-1, 2),)
    """
    for name, net in (("f", f), ("g", g)):
        if not isinstance(net, Network):
            raise InvalidArgument(expected("a Network", name, net))
    if f.input_dim != g.input_dim or f.output_dim != g.output_dim:
        raise InvalidArgument(expected("networks of the same input and output dimensions", "(f, g) shapes",
                                       ((f.input_dim, f.output_dim), (g.input_dim, g.output_dim))))
    if not (f.is_piecewise_linear and g.is_piecewise_linear):
        if domain is None:  # f - g == 0 on R^d, by the engine of its class (pooling / analytic)
            from verify.support import prove_support_in

            return prove_support_in(f - g, [], budget=budget)
        return Verdict(Status.UNKNOWN, Claim("equivalent", "f = g", {}),
                       reason="equivalence on a domain is only decided for piecewise-linear networks")
    data, roots, inside = _domain(domain, f.input_dim)
    claim = Claim("equivalent", "f = g" + ("" if domain is None else f" on {domain}"),
                  {"f": f.to_dict(), "g": g.to_dict(), "domain": data})
    v = _prove_zero(difference_network(f, g), claim, roots, inside, budget, None)
    if v.refuted:  # confirm on f and g themselves
        assert v.witness is not None
        x = v.witness.point
        fx, gx = f.eval_exact(x), g.eval_exact(x)
        assert fx != gx
        v = Verdict(v.status, claim, type(v.witness)(x, tuple(a - b for a, b in zip(fx, gx))), v.evidence, v.method,
                    seconds=v.seconds)
    return v


def _leaves(net: Network, domain: Any, budget: int | None) -> tuple[Any, list[Leaf]]:
    if not isinstance(net, Network):
        raise InvalidArgument(expected("a Network", "net", net))
    plan = make_plan(net)
    A, b = domain_constraints(domain, plan.d)
    root = root_cell(plan.d, A, b)
    if root is None:
        return plan, []
    try:
        return plan, list(Engine(plan, lazy=True, certify=False, budget=budget).run(root))
    except BudgetExceeded as exc:
        raise UnsupportedNetwork(f"{exc}") from None


def max_abs(net: Network, domain: Any, *, budget: int | None = None) -> tuple[Fraction | float, tuple[Fraction, ...] | None]:
    """``max_x max_i |f_i(x)|`` over the domain (a Box or a Polyhedron), exactly, with a maximizer.

    Returns ``(value, point)``; ``(math.inf, point)`` when |f| is unbounded on
    the domain (the point is then one where ``|f| >= 1`` grows along a ray: the
    value is not attained). The empty domain gives ``(0, None)``.

    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> max_abs(hat, Box([-3], [3]))
    (Fraction(1, 1), (Fraction(0, 1),))
    """
    plan, leaves = _leaves(net, domain, budget)
    best: Any = Fraction(0)
    arg: tuple[Fraction, ...] | None = None
    for leaf in leaves:
        for row, c in zip(leaf.map_rows, leaf.map_const):
            for sgn in (1, -1):
                res = lp_max_q(leaf.cell.A, leaf.cell.b, [sgn * v for v in row])
                if res.status == "unbounded":
                    assert res.point is not None
                    return math.inf, tuple(to_fraction(v) for v in res.point)
                assert res.value is not None and res.point is not None
                val = to_fraction(res.value + sgn * c)
                if arg is None or val > best:
                    best, arg = val, tuple(to_fraction(v) for v in res.point)
    return best, arg


def _norm(rows: list[tuple[Any, ...]], norm: str) -> Any:
    if norm == "2sq":  # scalar output: the squared Euclidean norm of the gradient
        return sum((v * v for v in rows[0]), Q(0))
    if norm == "inf":
        return max((sum(abs(v) for v in r) for r in rows), default=Q(0))
    cols = list(zip(*rows))
    return max((sum(abs(v) for v in col) for col in cols), default=Q(0))


def lipschitz_constant(net: Network, norm: str = "inf", *, with_witness: bool = False,
                       budget: int | None = None) -> Any:
    """The exact Lipschitz constant of a PL network on R^d for the l_inf (or l_1) norm on input and output.

    It is the largest operator norm of the linear part over the cells: for
    ``"inf"`` the largest l1 norm of a row of the Jacobian, for ``"1"`` of a
    column; ``"2sq"`` (scalar networks) gives the *square* of the Euclidean
    Lipschitz constant, the largest ``|grad f|^2``, which is rational.
    ``with_witness=True`` returns ``(constant, point)``, a point inside a cell
    where the constant is attained.

    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> lipschitz_constant(hat)
    Fraction(1, 1)
    """
    if norm not in ("inf", "1", "2sq"):
        raise InvalidArgument(expected('norm "inf", "1" or "2sq"', "norm", norm))
    if norm == "2sq" and net.output_dim != 1:
        raise InvalidArgument(expected('a scalar network for norm "2sq"', "output_dim", net.output_dim))
    _, leaves = _leaves(net, None, budget)
    best, arg = Q(0), None
    for leaf in leaves:
        val = _norm(leaf.map_rows, norm)
        if arg is None or val > best:
            best, arg = val, tuple(to_fraction(v) for v in leaf.cell.p)
    return (to_fraction(best), arg) if with_witness else to_fraction(best)



