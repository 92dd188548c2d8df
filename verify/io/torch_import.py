"""PyTorch import: an ``nn.Sequential`` of ``Linear`` and activation modules to the exact IR.

Contract. ``from_torch(module)`` returns the network whose weights are the
exact binary values of the module's parameters (float32, float64, float16 or
bfloat16 alike: ``Tensor.tolist`` yields Python floats holding them exactly)
and whose activations are the catalogue functions the modules compute:

* ``ReLU`` relu; ``LeakyReLU(a)`` leaky_relu with ``a`` the exact value of the
  Python float ``negative_slope``; ``PReLU`` prelu, one slope for all units or
  one per unit (``num_parameters = width``, a single one when they are all equal); ``Hardtanh(-1, 1)`` hardtanh;
* ``Sigmoid``, ``Tanh``, ``SiLU``, ``GELU(approximate='none')``;
  ``GELU(approximate='tanh')`` is a different function and is refused;
* ``Softplus(beta=1)``: the exact ``log(1 + e^t)``; torch's ``threshold``
  (it returns ``t`` itself above 20, a change of less than ``e^-20``) is
  ignored on purpose; other ``beta`` are refused;
* ``Identity``, ``Flatten`` (on a feature vector) and ``Dropout`` (inference
  semantics) add no layer; nested ``Sequential`` are read in order.

torch is optional: it is imported only here, and a missing torch is an
:class:`UnsupportedNetwork` that says how to install it.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from verify.activations import Activation
from verify.errors import InvalidArgument, InvalidNetwork, UnsupportedNetwork, expected
from verify.layers import Act, Affine, Layer
from verify.network import Network
from verify.numbers import to_rational

__all__ = ["from_torch", "SUPPORTED_MODULES"]


def _torch() -> Any:
    try:
        import torch
    except ImportError:  # pragma: no cover - depends on the environment
        raise UnsupportedNetwork(
            expected("torch installed (pip install 'netproof[torch]', the CPU build is enough)", "import torch", "missing")
        ) from None
    return torch


def _exact(tensor: Any, name: str) -> list[Any]:
    """Nested lists of the exact rationals of a tensor's entries."""
    values = tensor.detach().cpu().tolist()

    def conv(v: Any, where: str) -> Any:
        return [conv(u, f"{where}[{i}]") for i, u in enumerate(v)] if isinstance(v, list) else to_rational(v, where)

    return conv(values, name)


def _where(i: int, module: Any) -> str:
    return f"module[{i}] ({type(module).__name__})"


def _linear(i: int, m: Any, width: int | None) -> list[Layer]:
    weight: Any = _exact(m.weight, f"module[{i}].weight")
    bias: Any = _exact(m.bias, f"module[{i}].bias") if m.bias is not None else [Fraction(0)] * len(weight)
    return [Affine(weight, bias)]


def _prelu(i: int, m: Any, width: int | None) -> list[Layer]:
    slopes = [to_rational(s, f"module[{i}].weight") for s in m.weight.detach().cpu().reshape(-1).tolist()]
    if width is not None and len(slopes) not in (1, width):
        raise InvalidNetwork(
            expected(f"one PReLU slope or {width} (one per unit)", f"{_where(i, m)} num_parameters", len(slopes))
        )
    if len(set(slopes)) == 1:  # one function for all units (as the ONNX importer reads it too)
        return [Act(Activation("prelu", slopes[0]))]
    return [Act(tuple(Activation("prelu", s) for s in slopes))]


def _leaky(i: int, m: Any, width: int | None) -> list[Layer]:
    return [Act(Activation("leaky_relu", to_rational(float(m.negative_slope), f"module[{i}].negative_slope")))]


def _softplus(i: int, m: Any, width: int | None) -> list[Layer]:
    if float(m.beta) != 1.0:
        raise UnsupportedNetwork(expected("Softplus with beta=1", f"{_where(i, m)} beta", m.beta))
    return [Act(Activation("softplus"))]


def _gelu(i: int, m: Any, width: int | None) -> list[Layer]:
    if m.approximate != "none":
        raise UnsupportedNetwork(
            expected("GELU(approximate='none') (the erf form)", f"{_where(i, m)} approximate", m.approximate)
        )
    return [Act(Activation("gelu"))]


def _hardtanh(i: int, m: Any, width: int | None) -> list[Layer]:
    if (float(m.min_val), float(m.max_val)) != (-1.0, 1.0):
        raise UnsupportedNetwork(expected("Hardtanh(-1, 1)", f"{_where(i, m)} (min_val, max_val)", (m.min_val, m.max_val)))
    return [Act(Activation("hardtanh"))]


def _flatten(i: int, m: Any, width: int | None) -> list[Layer]:
    if m.start_dim != 1 or m.end_dim != -1:
        raise UnsupportedNetwork(expected("Flatten(start_dim=1, end_dim=-1)", f"{_where(i, m)} dims", (m.start_dim, m.end_dim)))
    return []


def _act(name: str) -> Callable[[int, Any, int | None], list[Layer]]:
    return lambda i, m, width: [Act(Activation(name))]


RULES: dict[str, Callable[[int, Any, int | None], list[Layer]]] = {
    "Linear": _linear,
    "ReLU": _act("relu"),
    "LeakyReLU": _leaky,
    "PReLU": _prelu,
    "Hardtanh": _hardtanh,
    "Sigmoid": _act("sigmoid"),
    "Tanh": _act("tanh"),
    "Softplus": _softplus,
    "SiLU": _act("silu"),
    "GELU": _gelu,
    "Identity": lambda i, m, width: [],
    "Flatten": _flatten,
    "Dropout": lambda i, m, width: [],
}
"""The rule for each supported ``torch.nn`` module class (by class name, checked to come from torch.nn)."""

SUPPORTED_MODULES: tuple[str, ...] = tuple(RULES)


def _flat_modules(module: Any, torch: Any) -> list[Any]:
    if isinstance(module, torch.nn.Sequential):
        return [m for child in module for m in _flat_modules(child, torch)]
    return [module]


def from_torch(module: Any, *, input_dim: int | None = None) -> Network:
    """Import a torch ``nn.Sequential`` (or one module) of ``Linear`` and activation modules, exactly.

    ``input_dim`` is read from the first ``Linear``; give it when there is none.

    >>> import pytest; torch = pytest.importorskip("torch")
    >>> lin = torch.nn.Linear(2, 1)
    >>> with torch.no_grad():
    ...     _ = lin.weight.copy_(torch.tensor([[0.5, -1.0]])); _ = lin.bias.copy_(torch.tensor([0.25]))
    >>> net = from_torch(torch.nn.Sequential(lin, torch.nn.ReLU()))
    >>> net.eval_exact([3, 1])
    (Fraction(3, 4),)
    """
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise InvalidArgument(expected("a torch.nn.Module (an nn.Sequential)", "module", module))
    layers: list[Layer] = []
    width = input_dim
    for i, m in enumerate(_flat_modules(module, torch)):
        rule = RULES.get(type(m).__name__)
        if rule is None or not type(m).__module__.startswith("torch.nn"):
            raise UnsupportedNetwork(expected(f"a supported torch module ({', '.join(SUPPORTED_MODULES)})", f"module[{i}]", m))
        new = rule(i, m, width)
        for layer in new:
            if isinstance(layer, Affine):
                if width is None:
                    width = layer.in_dim
                elif layer.in_dim != width:
                    raise InvalidNetwork(
                        expected(f"a Linear with in_features={width}", f"{_where(i, m)} in_features", layer.in_dim)
                    )
                width = layer.out_dim
        layers.extend(new)
    if width is None:
        raise InvalidArgument(expected("a module with a Linear layer, or input_dim=", "input_dim", input_dim))
    first = next((l.in_dim for l in layers if isinstance(l, Affine)), width)
    return Network(input_dim if input_dim is not None else first, tuple(layers))
