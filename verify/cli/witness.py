"""``netproof witness NET --box "[a,b]x[c,d]" [--json] [--max-prec N]``: a point of the open box where f != 0.

Exit code 0 when a rigorous witness is found (PROVED), 1 when the network is proved identically
zero (no witness can exist), 3 when unknown, 2 on bad input.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser"]


def _run(args: argparse.Namespace) -> int:
    from verify.analytic.witness import nonvanishing_witness
    from verify.box import Box
    from verify.cli import emit_verdict, load_network

    net = load_network(args.net)
    box = Box.parse(args.box)
    verdict = nonvanishing_witness(net, box, max_prec=args.max_prec, budget=args.budget, output=args.output)
    return emit_verdict(verdict, args.json)


def add_parser(subparsers: Any) -> None:
    """Register ``netproof witness``."""
    p = subparsers.add_parser(
        "witness",
        help="a rational point in a box where the network is rigorously nonzero",
        description="Search the open box for a rational point where a ball enclosure of an output excludes 0, "
        "escalating the precision 64, 128, ... up to --max-prec bits.",
    )
    p.add_argument("net", metavar="NET", help="a netproof/1 JSON file")
    p.add_argument("--box", required=True, help='the box, e.g. "[0,1]x[-1/2,1e-3]"')
    p.add_argument("--json", action="store_true", help="print the certificate as JSON")
    p.add_argument("--max-prec", type=int, default=4096, help="largest ball precision in bits (default 4096)")
    p.add_argument("--budget", type=int, default=256, help="ball evaluations in total (default 256)")
    p.add_argument("--output", type=int, default=None, help="only this output index (default: any output)")
    p.set_defaults(func=_run)
