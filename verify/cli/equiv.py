"""``netproof equiv A B [--domain BOX] [--json]``: prove two networks equal, or refute with a point."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser"]


def _run(args: argparse.Namespace) -> int:
    from verify.bounds import equivalent
    from verify.box import Box
    from verify.cli import emit_verdict, load_network

    f, g = load_network(args.a), load_network(args.b)
    domain = None if args.domain is None else Box.parse(args.domain)
    return emit_verdict(equivalent(f, g, domain), args.json)


def add_parser(subparsers: Any) -> None:
    """Register ``netproof equiv``."""
    p = subparsers.add_parser("equiv", help="prove two networks compute the same function (exactly)")
    p.add_argument("a", metavar="A", help="a netproof/1 JSON file")
    p.add_argument("b", metavar="B", help="a netproof/1 JSON file")
    p.add_argument("--domain", metavar="BOX", help='restrict to a box, e.g. "[0,1]x[0,1]" (default: all of R^d)')
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_run)
