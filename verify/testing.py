"""Assertions for users' tests (pytest, hypothesis): exact facts about networks, or a readable failure.

Each helper runs the exact engine, returns the PROVED verdict (so a test can look at its evidence), and
otherwise raises ``AssertionError`` whose message shows the exact witness (point and value, or the
rigorous enclosure) for REFUTED, or the engine's reason for UNKNOWN (UNKNOWN fails too: a check that
could not be decided is not a passing check).

>>> from verify import Network, Box
>>> from verify.testing import assert_identically_zero
>>> pair = Network.mlp([[[1], [-1]], [[1, 1]]], [[0, 0], [-1]], "sigmoid")   # sigmoid(x) + sigmoid(-x) - 1
>>> assert_identically_zero(pair).status.value
'proved'
"""

from __future__ import annotations

from typing import Any

from verify.errors import InvalidArgument, expected
from verify.network import Network
from verify.numbers import format_rational
from verify.verdict import Verdict

__all__ = ["assert_support_in", "assert_identically_zero", "assert_equivalent", "assert_nonvanishing", "describe_failure"]


def _fmt(values: Any) -> str:
    return ", ".join(format_rational(v) if not isinstance(v, str) else v for v in values)


def describe_failure(verdict: Verdict, what: str) -> str:
    """The message of a failed assertion: the claim, the witness (exact point and value) or the reason.

    >>> from verify.verdict import Claim, Status, Verdict, Witness
    >>> from fractions import Fraction
    >>> v = Verdict(Status.REFUTED, Claim("k", "f == 0 outside [0,1]"), Witness((Fraction(3, 2),), (Fraction(1, 2),)))
    >>> print(describe_failure(v, "support"))
    support: REFUTED: f == 0 outside [0,1]
      witness: x = (3/2)
      value:   f(x) = (1/2)  (exact)
    """
    lines = [f"{what}: {verdict.status.value.upper()}: {verdict.claim.text}"]
    w = verdict.witness
    if w is not None:
        lines.append(f"  witness: x = ({_fmt(w.point)})")
        if w.value is not None:
            lines.append(f"  value:   f(x) = ({_fmt(w.value)})  (exact)")
        elif w.enclosure is not None:
            at = f" at {w.prec} bits" if w.prec else ""
            lines.append(f"  value:   f(x) in ({_fmt(w.enclosure)})  (rigorous ball{at}, excludes 0)")
        if w.output is not None:
            lines.append(f"  output:  {w.output}")
    if verdict.unknown:
        lines.append(f"  undecided (UNKNOWN fails the assertion): {verdict.reason or 'no reason given'}")
    elif verdict.reason:
        lines.append(f"  note: {verdict.reason}")
    if verdict.method:
        lines.append(f"  method: {verdict.method}")
    return "\n".join(lines)


def _need_network(net: Any, name: str) -> Network:
    if not isinstance(net, Network):
        raise InvalidArgument(expected("a Network", name, net))
    return net


def _equivalent() -> Any:
    """The exact equivalence engine (``verify.support.equivalent``, else ``verify.bounds.equivalent``)."""
    import verify.support

    fn = getattr(verify.support, "equivalent", None)
    if fn is None:
        from verify.bounds import equivalent as fn
    return fn


def _expect_proved(verdict: Verdict, what: str) -> Verdict:
    __tracebackhide__ = True  # pytest: show the caller's line, not ours
    if not verdict.proved:
        raise AssertionError(describe_failure(verdict, what))
    return verdict


def assert_support_in(net: Network, K: Any) -> Verdict:
    """Assert ``f == 0`` on ``R^d \\ K`` (K a Box, a list of Boxes, or ``[]`` for "f == 0 everywhere").

    Fails with the exact witness x outside K and f(x) != 0. Works for piecewise-linear networks (with
    or without pooling) and analytic ones (which pass only when identically zero).
    """
    __tracebackhide__ = True  # pytest: show the caller's line, not ours
    from verify.support import prove_support_in  # type: ignore[attr-defined]

    return _expect_proved(prove_support_in(_need_network(net, "net"), K), "assert_support_in")


def assert_identically_zero(net: Network) -> Verdict:
    """Assert that every output of ``net`` is the zero function on R^d (exact decision, any network)."""
    __tracebackhide__ = True  # pytest: show the caller's line, not ours
    from verify.zero import is_identically_zero

    return _expect_proved(is_identically_zero(_need_network(net, "net")), "assert_identically_zero")


def assert_equivalent(f: Network, g: Network, domain: Any = None) -> Verdict:
    """Assert ``f == g`` on ``domain`` (a Box) or on all of R^d (``None``).

    Piecewise-linear pairs use the exact equivalence engine; other pairs on R^d are decided as
    ``f - g == 0`` by the zero decision.
    """
    __tracebackhide__ = True  # pytest: show the caller's line, not ours
    f, g = _need_network(f, "f"), _need_network(g, "g")
    if f.is_relu_pool and g.is_relu_pool:
        return _expect_proved(_equivalent()(f, g, domain=domain), "assert_equivalent")
    if domain is not None:
        raise InvalidArgument(expected("domain=None for networks with analytic units", "domain", domain))
    from verify.zero import is_identically_zero

    return _expect_proved(is_identically_zero(f - g), "assert_equivalent (f - g == 0)")


def assert_nonvanishing(net: Network, box: Any) -> Verdict:
    """Assert that ``net`` is nonzero at some rational point of the open ``box`` (a rigorous witness).

    >>> from verify import Network, Box
    >>> gelu_hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]], "gelu")
    >>> v = assert_nonvanishing(gelu_hat, Box([10], [11]))   # far outside [-1, 1], yet nonzero
    >>> Box([10], [11]).contains_interior(v.witness.point)
    True
    """
    __tracebackhide__ = True  # pytest: show the caller's line, not ours
    net = _need_network(net, "net")
    if net.is_analytic:
        from verify.analytic import nonvanishing_witness

        return _expect_proved(nonvanishing_witness(net, box), "assert_nonvanishing")
    equivalent = _equivalent()
    zero = Network.mlp([[[0] * net.input_dim] * net.output_dim], [[0] * net.output_dim])
    v = equivalent(net, zero, domain=box)
    if v.refuted and v.witness is not None and box.contains_interior(v.witness.point):
        return v
    raise AssertionError(describe_failure(v, "assert_nonvanishing (f == 0 on the box?)"))
