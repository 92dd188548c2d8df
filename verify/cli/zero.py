"""``netproof zero NET [--json]``: is the network identically zero on R^d?

Exit code 0 when proved zero, 1 when refuted (a witness point, or the exact one-hidden-layer
decision), 3 when unknown, 2 on bad input.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser"]


def _run(args: argparse.Namespace) -> int:
    from verify.cli import emit_verdict, load_network
    from verify.zero import is_identically_zero

    net = load_network(args.net)
    return emit_verdict(is_identically_zero(net, max_prec=args.max_prec, budget=args.budget), args.json)


def add_parser(subparsers: Any) -> None:
    """Register ``netproof zero``."""
    p = subparsers.add_parser(
        "zero",
        help="decide whether a network is identically zero",
        description="Decide whether every output of NET is the zero function on R^d (exact certificates, "
        "rigorous witnesses; UNKNOWN with a reason otherwise).",
    )
    p.add_argument("net", metavar="NET", help="a netproof/1 JSON file")
    p.add_argument("--json", action="store_true", help="print the certificate as JSON")
    p.add_argument("--max-prec", type=int, default=4096, help="largest ball precision in bits (default 4096)")
    p.add_argument("--budget", type=int, default=64, help="ball evaluations per search box (default 64)")
    p.set_defaults(func=_run)
