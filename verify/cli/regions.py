"""``netproof regions NET [--domain BOX] [--plot out.png] [--json]``: exact linear regions."""

from __future__ import annotations

import argparse
import json
from fractions import Fraction
from typing import Any

__all__ = ["add_parser", "region_data", "plot_regions"]


def region_data(region: Any) -> dict[str, Any]:
    """One region as plain JSON data (exact numbers as text).

    >>> from verify.network import Network
    >>> from verify.regions import linear_regions
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> region_data(linear_regions(hat)[0])["map"]
    {'weight': [['0']], 'bias': ['0']}
    """
    from verify.numbers import format_rational as fr

    P = region.polyhedron
    bounded = P.is_bounded()
    return {
        "pattern": [list(p) for p in region.pattern],
        "A": [[fr(v) for v in r] for r in P.A],
        "b": [fr(v) for v in P.b],
        "map": {"weight": [[fr(v) for v in r] for r in region.map.weight], "bias": [fr(v) for v in region.map.bias]},
        "point": [fr(v) for v in region.point],
        "bounded": bounded,
        "volume": fr(region.volume()) if bounded else None,
    }


def _polygon(P: Any) -> list[tuple[float, float]]:
    vs = P.vertices()
    if not vs:
        return []
    cx = sum(float(v[0]) for v in vs) / len(vs)
    cy = sum(float(v[1]) for v in vs) / len(vs)
    import math

    return sorted(((float(v[0]), float(v[1])) for v in vs), key=lambda p: math.atan2(p[1] - cy, p[0] - cx))


def plot_regions(net: Any, window: Any, path: str) -> int:
    """Draw the regions of a 1-D or 2-D network over a box (PNG); returns the number of regions drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from verify.regions import linear_regions

    regions = linear_regions(net, window)
    fig, ax = plt.subplots(figsize=(6, 5))
    if net.input_dim == 1:
        for r in regions:
            lo, hi = sorted(float(v[0]) for v in r.polyhedron.vertices())
            f = [float(r.map.weight[0][0]) * t + float(r.map.bias[0]) for t in (lo, hi)]
            ax.plot([lo, hi], f, color="tab:blue")
            ax.plot([lo, hi], f, "o", color="black", markersize=3)
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
        ax.set_title(f"{len(regions)} linear pieces (dots: breakpoints)")
    else:
        cmap = plt.get_cmap("tab20")
        colours: dict[Any, int] = {}
        for r in regions:
            poly = _polygon(r.polyhedron)
            if not poly:
                continue
            zero = r.is_zero()
            c = "#eeeeee" if zero else cmap(colours.setdefault(r.map, len(colours)) % 20)
            ax.fill(*zip(*poly), facecolor=c, edgecolor="white" if zero else "black", linewidth=0.3 if zero else 0.8)
        ax.set_aspect("equal")
        ax.set_title(f"{len(regions)} regions; support outlined in black")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return len(regions)


def _run(args: argparse.Namespace) -> int:
    from verify.box import Box
    from verify.cli import load_network
    from verify.errors import InvalidArgument, expected
    from verify.regions import linear_regions
    from verify.support import _progress_fn

    net = load_network(args.net)
    domain = None if args.domain is None else Box.parse(args.domain)
    show = _progress_fn()
    regions = linear_regions(net, domain, progress=show)
    if show is not None:
        show.done()
    if args.plot:
        if net.input_dim > 2:
            raise InvalidArgument(expected("a network on R^1 or R^2 for --plot", "input_dim", net.input_dim))
        window = domain or Box.cube(net.input_dim, -2, 2)
        plot_regions(net, window, args.plot)
    if args.json:
        print(json.dumps({"file": args.net, "count": len(regions), "regions": [region_data(r) for r in regions]}))
        return 0
    where = f"R^{net.input_dim}" if domain is None else str(domain)
    print(f"{args.net}: {len(regions)} linear regions over {where}")
    if domain is not None:
        total = sum((r.volume() for r in regions), Fraction(0))
        print(f"  volumes add up to {total} (domain volume {domain.volume})")
    if args.plot:
        print(f"  plot written to {args.plot}")
    return 0


def add_parser(subparsers: Any) -> None:
    """Register ``netproof regions``."""
    p = subparsers.add_parser("regions", help="exact linear regions of a piecewise-linear network")
    p.add_argument("net", metavar="NET", help="a netproof/1 JSON file")
    p.add_argument("--domain", metavar="BOX", help='restrict to a box, e.g. "[0,1]x[0,1]" (default: all of R^d)')
    p.add_argument("--plot", metavar="PNG", help="draw the regions (1-D: graph with breakpoints; 2-D: coloured cells)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_run)
