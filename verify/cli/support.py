"""``netproof support NET [--within BOX ...] [--json]``: the exact support, or a proof that it lies in K."""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["add_parser", "support_report"]


def support_report(net: Any) -> dict[str, Any]:
    """The exact support of a network as plain JSON data.

    >>> from verify.network import Network
    >>> r = support_report(Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]]))
    >>> r["bounded"], r["bounding_box"], r["measure"], r["pieces"]
    (True, '[-1,1]', '2', 2)
    """
    from verify.numbers import format_rational
    from verify.support import support

    s = support(net)
    return {
        "empty": not s.pieces,
        "bounded": s.bounded,
        "bounding_box": None if s.bounding_box is None else str(s.bounding_box),
        "measure": "inf" if isinstance(s.measure, float) else format_rational(s.measure),
        "pieces": len(s.pieces),
        "witness": None if s.witness is None else [format_rational(v) for v in s.witness],
    }


def _run(args: argparse.Namespace) -> int:
    from verify.box import Box
    from verify.cli import emit_verdict, load_network
    from verify.support import prove_support_in

    net = load_network(args.net)
    if args.within:
        boxes = [Box.parse(t) for t in args.within]
        K: Any = boxes[0] if len(boxes) == 1 else boxes
        return emit_verdict(prove_support_in(net, K), args.json)
    rep = support_report(net)
    if args.json:
        print(json.dumps({"file": args.net, **rep}, indent=1))
        return 0
    if rep["empty"]:
        print(f"{args.net}: empty support (f is identically zero), measure 0")
        return 0
    print(f"{args.net}: support {'bounded' if rep['bounded'] else 'UNBOUNDED'}")
    print(f"  bounding box: {rep['bounding_box']}")
    print(f"  measure: {rep['measure']}")
    print(f"  pieces: {rep['pieces']}")
    if rep["witness"]:
        print(f"  f != 0 at x = ({', '.join(rep['witness'])})")
    return 0


def add_parser(subparsers: Any) -> None:
    """Register ``netproof support``."""
    p = subparsers.add_parser("support", help="exact support of a network, or prove supp f within boxes")
    p.add_argument("net", metavar="NET", help="a netproof/1 JSON file")
    p.add_argument("--within", metavar="BOX", action="append",
                   help='prove f = 0 outside BOX, e.g. "[-1,1]x[0,2]" (repeat for a union of boxes)')
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_run)
