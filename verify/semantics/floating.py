"""Float64 semantics, vectorised over a batch with numpy: for screening and plots only, never for verdicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from verify.errors import InvalidArgument, expected
from verify.layers import Act, Affine, Pool

if TYPE_CHECKING:
    from verify.network import Network

__all__ = ["evaluate", "ACTIVATION_RULES", "LAYER_RULES"]

_erf = np.vectorize(__import__("math").erf, otypes=[float])


def _sigmoid(t: np.ndarray) -> np.ndarray:
    # exp of a non-positive argument only, so no overflow warnings
    e = np.exp(-np.abs(t))
    return np.where(t >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


ACTIVATION_RULES: dict[str, Callable[[np.ndarray, float | None], np.ndarray]] = {
    "relu": lambda t, a: np.maximum(t, 0.0),
    "leaky_relu": lambda t, a: np.where(t > 0, t, a * t),  # type: ignore[operator]
    "prelu": lambda t, a: np.where(t > 0, t, a * t),  # type: ignore[operator]
    "abs": lambda t, a: np.abs(t),
    "identity": lambda t, a: t,
    "hardtanh": lambda t, a: np.clip(t, -1.0, 1.0),
    "sigmoid": lambda t, a: _sigmoid(t),
    "tanh": lambda t, a: np.tanh(t),
    "softplus": lambda t, a: np.logaddexp(0.0, t),
    "silu": lambda t, a: t * _sigmoid(t),
    "swish": lambda t, a: t * _sigmoid(a * t),  # type: ignore[operator]
    "gelu": lambda t, a: 0.5 * t * (1.0 + _erf(t / np.sqrt(2.0))),
    "exp": lambda t, a: np.exp(t),
    "sin": lambda t, a: np.sin(t),
    "square": lambda t, a: t * t,
}


_CACHE: dict[int, tuple[Affine, np.ndarray, np.ndarray]] = {}


def _arrays(layer: Affine) -> tuple[np.ndarray, np.ndarray]:
    """The float64 weight and bias of a layer, converted once (cached by identity, at most 256 layers)."""
    hit = _CACHE.get(id(layer))
    if hit is not None and hit[0] is layer:
        return hit[1], hit[2]
    w = np.array([[float(v) for v in row] for row in layer.weight])
    b = np.array([float(v) for v in layer.bias])
    if len(_CACHE) >= 256:
        _CACHE.clear()
    _CACHE[id(layer)] = (layer, w, b)
    return w, b


def _affine(layer: Affine, z: np.ndarray) -> np.ndarray:
    w, b = _arrays(layer)
    return z @ w.T + b


def _act(layer: Act, z: np.ndarray) -> np.ndarray:
    units = layer.expanded(z.shape[1])
    if not layer.per_unit:
        f = units[0]
        return ACTIVATION_RULES[f.name](z, None if f.param is None else float(f.param))
    cols = [ACTIVATION_RULES[f.name](z[:, i], None if f.param is None else float(f.param)) for i, f in enumerate(units)]
    return np.stack(cols, axis=1)


def _pool(layer: Pool, z: np.ndarray) -> np.ndarray:
    k = z.shape[1] // 2
    return z[:, :k] * z[:, k:]


LAYER_RULES: dict[type, Callable[[Any, np.ndarray], np.ndarray]] = {Affine: _affine, Act: _act, Pool: _pool}


def evaluate(net: Network, X: Any) -> np.ndarray:
    """Outputs of shape (n, D) for inputs of shape (n, d); one point of shape (d,) gives shape (D,)."""
    try:
        arr = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise InvalidArgument(expected(f"an array of shape (n, {net.input_dim})", "X", X)) from None
    single = arr.ndim == 1
    if single:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != net.input_dim:
        raise InvalidArgument(expected(f"an array of shape (n, {net.input_dim})", "X.shape", arr.shape))
    z = arr
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in net.layers:
            z = LAYER_RULES[type(layer)](layer, z)
    return z[0] if single else z
