"""Checker rules for polynomial networks (claim kinds ``polynomial_nonvanishing_outside`` and
``polynomial_identically_zero``).

A polynomial network has affine layers, ``identity``/``square`` units and Hadamard pooling only,
so it maps Q^d to Q and evaluates exactly. The claim data carry the network (netproof/1 text),
and for the "outside" kind the integer ``m >= 0`` and the rational ``r > 0`` of the closed cube
``rQ_m = [-rm, rm]^d``.

* "p != 0 somewhere outside rQ_m", PROVED: the witness x has ``max_i |x_i| > rm`` and the
  checker's own exact evaluator gives the stated value p(x), which is nonzero.
* The same claim REFUTED, or "p = 0" PROVED: the evidence names a degree bound k and a grid
  ``{a_0, ..., a_k}`` of distinct rationals; the checker recomputes its own upper bound D on the
  total degree of every output from the network text (affine: max of the inputs' degrees; square:
  twice; pooling: the sum of the two factors), requires ``k >= D`` and at least k + 1 distinct
  grid values, and finds p = 0 at every point of the grid^d. A polynomial of degree <= k in each
  variable that vanishes on a product of k + 1 distinct values per coordinate is zero (induction on
  d), so p = 0 everywhere, and in particular outside rQ_m.
* "p = 0" REFUTED: a witness anywhere with the stated, nonzero exact value.

Only Fraction arithmetic and ``verify.checker._net``; no engine or theorem code.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

from verify.checker import RULES, CheckFailed
from verify.checker._net import CheckNet, q

__all__ = ["check_nonvanishing_outside", "check_identically_zero", "degree_bound"]


def degree_bound(net: CheckNet) -> int:
    """An upper bound on the total degree of every output of a polynomial network.

    Inputs have degree 1; an affine output has at most the largest input degree; ``square`` doubles,
    ``identity`` keeps; pooling ``(u, v) -> u * v`` adds the degrees of the two factors. Any other
    unit raises CheckFailed (the network is not a polynomial one).

    >>> doc = {"format": "netproof/1", "input_dim": 1, "layers": [
    ...     {"affine": {"weight": [["1"], ["1"]], "bias": ["0", "0"]}}, {"act": ["identity", "square"]},
    ...     {"pool": "hadamard"}]}
    >>> degree_bound(CheckNet(doc))
    3
    """
    deg = [1] * net.input_dim
    for key, body in net.layers:
        if key == "affine":
            weight, _ = body
            deg = [max(deg, default=0)] * len(weight)
        elif key == "act":
            specs = body if isinstance(body, list) else [body] * len(deg)
            if len(specs) != len(deg) or any(s not in ("identity", "square") for s in specs):
                raise CheckFailed("not a polynomial network (units other than identity/square)")
            deg = [2 * k if s == "square" else k for s, k in zip(specs, deg)]
        else:
            if len(deg) % 2:
                raise CheckFailed("pooling of an odd number of units")
            h = len(deg) // 2
            deg = [deg[i] + deg[h + i] for i in range(h)]
    return max(deg, default=0)


def _witness_value(net: CheckNet, witness: Any) -> tuple[list[Fraction], list[Fraction]]:
    """The witness point and the exact value there, which must equal the stated one and be nonzero."""
    if not isinstance(witness, dict):
        raise CheckFailed("a nonvanishing claim needs a witness")
    x = [q(v) for v in witness["point"]]
    if len(x) != net.input_dim:
        raise CheckFailed("witness of the wrong dimension")
    value = net(x)
    if witness.get("value") is None or [q(v) for v in witness["value"]] != value:
        raise CheckFailed("the stated value differs from the exact value at the witness")
    if all(v == 0 for v in value):
        raise CheckFailed("the polynomial vanishes at the witness")
    if witness.get("output") is not None and value[int(witness["output"])] == 0:
        raise CheckFailed("the stated output is zero at the witness")
    return x, value


def _check_grid_zero(net: CheckNet, evidence: Any) -> None:
    """p = 0 on a (k+1)^d grid with k >= the checker's own degree bound, so p is the zero polynomial."""
    if not isinstance(evidence, dict):
        raise CheckFailed("a zero proof needs grid evidence")
    k, own = evidence["degree_bound"], degree_bound(net)
    if isinstance(k, bool) or not isinstance(k, int) or k < own:
        raise CheckFailed(f"stated degree bound {k!r} is below the checker's bound {own}")
    grid = [q(v) for v in evidence["grid"]]
    if len(set(grid)) != len(grid) or len(grid) < k + 1:
        raise CheckFailed(f"the grid needs {k + 1} distinct values, has {len(set(grid))}")
    for x in itertools.product(grid, repeat=net.input_dim):
        if any(v != 0 for v in net(list(x))):
            raise CheckFailed(f"p != 0 at the grid point {[str(t) for t in x]}")


def check_nonvanishing_outside(cert: dict[str, Any]) -> None:
    """Claim "p != 0 somewhere outside rQ_m": PROVED by an exact witness outside the cube, REFUTED by a zero grid.

    >>> doc = {"format": "netproof/1", "input_dim": 1, "layers": [
    ...     {"affine": {"weight": [["1"], ["1"]], "bias": ["0", "0"]}}, {"act": ["identity", "square"]},
    ...     {"affine": {"weight": [["0", "-1"]], "bias": ["1"]}}]}
    >>> cert = {"status": "proved", "claim": {"data": {"net": doc, "m": 1, "r": "1"}},
    ...         "witness": {"point": ["2"], "value": ["-3"]}, "evidence": {}}
    >>> check_nonvanishing_outside(cert)
    >>> cert["witness"] = {"point": ["1"], "value": ["0"]}
    >>> check_nonvanishing_outside(cert)
    Traceback (most recent call last):
    ...
    verify.checker.CheckFailed: the polynomial vanishes at the witness
    """
    data = cert["claim"]["data"]
    net, m, r = CheckNet(data["net"]), data["m"], q(data["r"])
    if isinstance(m, bool) or not isinstance(m, int) or m < 0 or r <= 0:
        raise CheckFailed(f"expected an integer m >= 0 and r > 0 but got m={m!r}, r={r}")
    status = cert["status"]
    if status == "proved":
        x, _ = _witness_value(net, cert["witness"])
        if all(abs(t) <= r * m for t in x):
            raise CheckFailed(f"the witness lies in the closed cube rQ_m = [-{r * m}, {r * m}]^d")
        return
    if status == "refuted":
        _check_grid_zero(net, cert["evidence"])
        return
    raise CheckFailed(f"nothing to check in a {status!r} verdict")


def check_identically_zero(cert: dict[str, Any]) -> None:
    """Claim "p = 0": PROVED by a zero grid of the certified size, REFUTED by an exact nonzero witness.

    >>> doc = {"format": "netproof/1", "input_dim": 1, "layers": [
    ...     {"affine": {"weight": [["1"], ["1"]], "bias": ["1", "-1"]}}, {"pool": "hadamard"}]}
    >>> cert = {"status": "proved", "claim": {"data": {"net": doc}},
    ...         "evidence": {"degree_bound": 2, "grid": ["2", "7/3", "8/3"]}}
    >>> check_identically_zero(cert)
    Traceback (most recent call last):
    ...
    verify.checker.CheckFailed: p != 0 at the grid point ['2']
    """
    net = CheckNet(cert["claim"]["data"]["net"])
    status = cert["status"]
    if status == "proved":
        _check_grid_zero(net, cert["evidence"])
        return
    if status == "refuted":
        _witness_value(net, cert["witness"])
        return
    raise CheckFailed(f"nothing to check in a {status!r} verdict")


RULES["polynomial_nonvanishing_outside"] = check_nonvanishing_outside
RULES["polynomial_identically_zero"] = check_identically_zero
