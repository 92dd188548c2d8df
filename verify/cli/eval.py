"""``netproof eval NET x1 x2 ... [--json] [--prec 128]``: the value of a network at a rational point.

Networks of rational units (piecewise-linear, square, pooling) are evaluated
exactly and print exact fractions; any other network prints rigorous
python-flint balls that contain the exact values.
"""

from __future__ import annotations

import argparse
import json
import re
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verify.errors import InvalidArgument, expected
from verify.numbers import format_rational, to_rational

if TYPE_CHECKING:
    from verify.network import Network

__all__ = ["add_parser", "evaluate_point"]

# argparse treats "-1/3" or "-1e-3" as an option unless told that they are numbers
_NEGATIVE_NUMBER = re.compile(r"^-(\d+(/\d+)?|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$")


def _point(net: Network, coords: list[str]) -> tuple[Fraction, ...]:
    if len(coords) != net.input_dim:
        raise InvalidArgument(expected(f"{net.input_dim} coordinates (one per input)", "number of coordinates", len(coords)))
    try:
        return tuple(to_rational(c, f"x{i}") for i, c in enumerate(coords))
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None


def evaluate_point(net: Network, x: tuple[Fraction, ...], *, prec: int = 128) -> dict[str, Any]:
    """The outputs of ``net`` at ``x``: exact text for rational networks, else ball enclosures.

    A ball result gives ``lower``/``upper`` as exact rationals (the ball's ends;
    ``None`` for an unbounded ball) and ``ball`` as flint's decimal display.

    >>> from verify.network import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> evaluate_point(hat, (Fraction(1, 3),))
    {'exact': True, 'point': ['1/3'], 'values': ['2/3']}
    """
    point = [format_rational(v) for v in x]
    if net.is_rational:
        return {"exact": True, "point": point, "values": [format_rational(v) for v in net.eval_exact(x)]}
    if isinstance(prec, bool) or not isinstance(prec, int) or prec < 2:
        raise InvalidArgument(expected("a precision of at least 2 bits", "prec", prec))
    from verify.semantics.ball import endpoints

    values = []
    digits = max(5, int(prec * 0.30103))  # flint's str() would show only the context's 53 bits
    for y in net.eval_ball(x, prec=prec):
        if not y.is_finite():  # an unbounded enclosure: no finite ends to report
            values.append({"ball": y.str(digits, radius=True), "lower": None, "upper": None})
            continue
        lo, hi = endpoints(y)
        values.append({"ball": y.str(digits, radius=True), "lower": format_rational(lo), "upper": format_rational(hi)})
    return {"exact": False, "prec": prec, "point": point, "values": values}


def _run(args: argparse.Namespace) -> int:
    from verify.cli import load_network

    net = load_network(args.net)
    result = evaluate_point(net, _point(net, args.coords), prec=args.prec)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    where = "(" + ", ".join(result["point"]) + ")"
    if result["exact"]:
        for i, v in enumerate(result["values"]):
            print(f"f{i}{where} = {v}" + ("" if "/" not in v else f"  (~ {float(Fraction(v)):.17g})"))
    else:
        for i, v in enumerate(result["values"]):
            print(f"f{i}{where} in {v['ball']}  (rigorous ball, {result['prec']} bits)")
    return 0


def _intermixed(parser: argparse.ArgumentParser) -> None:
    """Let options stand between NET and the coordinates (``eval NET --prec 64 0 0``).

    Plain argparse stops filling a ``nargs="*"`` positional at the first option;
    ``parse_known_intermixed_args`` does not, but it calls ``parse_known_args``
    itself, hence the re-entrancy guard.
    """
    base = type(parser)

    def parse_known_args(self: Any, args: Any = None, namespace: Any = None) -> Any:
        if getattr(self, "_intermixing", False):
            return base.parse_known_args(self, args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False

    parser.__class__ = type("EvalParser", (base,), {"parse_known_args": parse_known_args})


def add_parser(subparsers: Any) -> None:
    """Register ``netproof eval``."""
    p = subparsers.add_parser(
        "eval",
        help="value at a rational point (exact, or a rigorous ball)",
        description="Evaluate NET at the point (x1, ..., xd); coordinates like 1/3, -0.25, 1e-3 are read exactly.",
    )
    p.add_argument("net", metavar="NET", help="a netproof/1 JSON file")
    p.add_argument("coords", metavar="X", nargs="*", help="the coordinates of the point")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--prec", type=int, default=128, help="working precision in bits for balls (default 128)")
    p._negative_number_matcher = _NEGATIVE_NUMBER  # accept -1/3 and -1e-3 as coordinates, not options
    _intermixed(p)
    p.set_defaults(func=_run)
