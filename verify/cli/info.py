"""``netproof info NET [--json]``: sizes, class and per-layer activations of a network."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from verify.layers import Act, Affine

if TYPE_CHECKING:
    from verify.network import Network

__all__ = ["add_parser", "describe", "network_class"]


def network_class(net: Network) -> str:
    """The class of ``net``: ``piecewise-linear``, ``relu+pool``, ``analytic`` or ``mixed``.

    Piecewise-linear wins over analytic for networks of identity units only.

    >>> from verify.network import Network
    >>> network_class(Network.mlp([[[1], [-1]], [[1, 1]]], [[0, 0], [0]], "sigmoid"))
    'analytic'
    """
    if net.is_piecewise_linear:
        return "piecewise-linear"
    if net.is_relu_pool:
        return "relu+pool"
    if net.is_analytic:
        return "analytic"
    return "mixed"


def _layer_text(layer: Any, width_in: int) -> str:
    if isinstance(layer, Affine):
        return f"affine {layer.in_dim} -> {layer.out_dim}"
    if isinstance(layer, Act):
        units = layer.expanded(width_in)
        if not layer.per_unit:
            return f"act {units[0]} ({width_in} units)"
        return "act [" + ", ".join(str(a) for a in units) + "]"
    return f"pool hadamard {width_in} -> {width_in // 2}"


def describe(net: Network) -> dict[str, Any]:
    """Sizes, class and layers of ``net`` as plain JSON data (what ``info --json`` prints).

    >>> from verify.network import Network
    >>> d = describe(Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]]))
    >>> d["depth"], d["width"], d["num_neurons"], d["num_parameters"], d["class"], d["activations"]
    (2, 3, 3, 10, 'piecewise-linear', [['relu']])
    """
    widths_in = (net.input_dim, *net.widths)
    acts = [
        sorted({str(a) for a in layer.expanded(widths_in[i])}) for i, layer in enumerate(net.layers) if isinstance(layer, Act)
    ]
    return {
        "input_dim": net.input_dim,
        "output_dim": net.output_dim,
        "depth": net.depth,
        "width": net.width,
        "num_pool": net.num_pool,
        "num_neurons": net.num_neurons,
        "num_parameters": net.num_parameters,
        "class": network_class(net),
        "activations": acts,
        "layers": [_layer_text(layer, widths_in[i]) for i, layer in enumerate(net.layers)],
    }


def _run(args: argparse.Namespace) -> int:
    from verify.cli import load_network

    net = load_network(args.net)
    info = describe(net)
    if args.json:
        print(json.dumps({"file": args.net, **info}, indent=1))
        return 0
    print(f"{args.net}: R^{info['input_dim']} -> R^{info['output_dim']}, {info['class']}")
    print(
        f"depth {info['depth']}, width {info['width']}, pooling layers {info['num_pool']}, "
        f"neurons {info['num_neurons']}, parameters {info['num_parameters']}"
    )
    for i, text in enumerate(info["layers"]):
        print(f"  [{i}] {text}")
    return 0


def add_parser(subparsers: Any) -> None:
    """Register ``netproof info``."""
    p = subparsers.add_parser("info", help="sizes, class and activations of a network")
    p.add_argument("net", metavar="NET", help="a netproof/1 JSON file")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_run)
