"""PyTorch import: exact weights, every supported module, refusals, and a trained network's support."""

from __future__ import annotations

import io
import sys
import warnings
from fractions import Fraction

import numpy as np
import pytest

from verify import Network
from verify.activations import Activation
from verify.box import Box
from verify.errors import InvalidArgument, InvalidNetwork, UnsupportedNetwork
from verify.io.torch_import import from_torch
from verify.layers import Act, Affine

torch = pytest.importorskip("torch")
nn = torch.nn


def seeded(*modules: object, seed: int = 0) -> object:
    torch.manual_seed(seed)
    return nn.Sequential(*modules)


def torch_eval(model: object, X: np.ndarray) -> np.ndarray:
    """The model in float64 (its float32 weights widen exactly), as a reference."""
    import copy

    m = copy.deepcopy(model).double().eval()  # type: ignore[attr-defined]
    with torch.no_grad():
        return m(torch.from_numpy(X)).numpy()


ACTIVATIONS = [
    nn.ReLU(),
    nn.LeakyReLU(0.1),
    nn.PReLU(),
    nn.Sigmoid(),
    nn.Tanh(),
    nn.Softplus(),
    nn.SiLU(),
    nn.GELU(),
    nn.Hardtanh(),
]


@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda m: type(m).__name__)
def test_import_agrees_with_torch(act: object) -> None:
    model = seeded(nn.Linear(3, 8), act, nn.Linear(8, 5), nn.Identity(), act, nn.Flatten(), nn.Linear(5, 2))
    net = from_torch(model)
    assert (net.input_dim, net.output_dim, net.depth) == (3, 2, 3)
    X = np.random.default_rng(0).normal(scale=3.0, size=(50, 3))
    np.testing.assert_allclose(net.eval_float(X), torch_eval(model, X), rtol=1e-10, atol=1e-12)


def test_weights_are_exact_binary_values() -> None:
    lin = nn.Linear(2, 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[0.1, -0.3]]))
        lin.bias.copy_(torch.tensor([1 / 3]))
    net = from_torch(nn.Sequential(lin))
    assert net.layers == (
        Affine([[Fraction(float(np.float32(0.1))), Fraction(float(np.float32(-0.3)))]], [Fraction(float(np.float32(1 / 3)))]),
    )
    assert Network.from_torch(lin) == net
    no_bias = nn.Linear(2, 2, bias=False)
    assert from_torch(no_bias).layers[0].bias == (0, 0)  # type: ignore[union-attr]


def test_activation_parameters() -> None:
    net = from_torch(nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.1), nn.Linear(3, 3), nn.PReLU(3, init=0.25)))
    assert net.layers[1] == Act(Activation("leaky_relu", Fraction(0.1)))  # the Python float's exact value
    prelu = nn.PReLU(3)
    with torch.no_grad():
        prelu.weight.copy_(torch.tensor([0.5, -0.25, 0.0]))
    per_unit = from_torch(nn.Sequential(nn.Linear(2, 3), prelu))
    assert per_unit.layers[1] == Act((Activation("prelu", "1/2"), Activation("prelu", "-1/4"), Activation("prelu", 0)))
    nested = from_torch(nn.Sequential(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), nn.Dropout(0.5), nn.Linear(2, 1)))
    assert [type(layer).__name__ for layer in nested.layers] == ["Affine", "Act", "Affine"]
    assert from_torch(nn.ReLU(), input_dim=4).input_dim == 4


def test_refusals_name_the_module() -> None:
    with pytest.raises(UnsupportedNetwork, match=r"module\[1\].*approximate"):
        from_torch(nn.Sequential(nn.Linear(2, 2), nn.GELU(approximate="tanh")))
    with pytest.raises(UnsupportedNetwork, match="beta"):
        from_torch(nn.Sequential(nn.Linear(2, 2), nn.Softplus(beta=2)))
    with pytest.raises(UnsupportedNetwork, match=r"supported torch module .* but got module\[1\]=Conv1d"):
        from_torch(nn.Sequential(nn.Linear(2, 2), nn.Conv1d(1, 1, 1)))
    with pytest.raises(InvalidNetwork, match="in_features"):
        from_torch(nn.Sequential(nn.Linear(2, 3), nn.Linear(2, 1)))
    with pytest.raises(InvalidNetwork, match="PReLU"):
        from_torch(nn.Sequential(nn.Linear(2, 3), nn.PReLU(2)))
    with pytest.raises(InvalidArgument):
        from_torch([nn.Linear(2, 2)])
    with pytest.raises(InvalidArgument, match="input_dim"):
        from_torch(nn.Sequential(nn.ReLU()))


def test_missing_torch_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(UnsupportedNetwork, match="torch installed"):
        from_torch(object())


def test_torch_onnx_export_of_every_module() -> None:
    pytest.importorskip("onnx")
    import onnx

    from verify.io.onnx_import import from_onnx

    model = seeded(nn.Flatten(), nn.Linear(2, 3), nn.PReLU(3), nn.Linear(3, 3), nn.PReLU(), nn.Linear(3, 3), nn.Softplus(),
                   nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 3), nn.Sigmoid(), nn.Linear(3, 3), nn.Hardtanh(), nn.Linear(3, 1),
                   nn.LeakyReLU(0.25))  # fmt: skip
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(model, (torch.zeros(1, 2),), buf, dynamo=False, input_names=["x"], dynamic_axes={"x": {0: "N"}})
        except Exception as exc:  # pragma: no cover - exporter availability varies between torch builds
            pytest.skip(f"torch's TorchScript ONNX exporter is unavailable: {exc}")
    assert from_onnx(onnx.load_from_string(buf.getvalue())) == from_torch(model)


@pytest.mark.parametrize("opset", [17, 20])
def test_torch_onnx_export_imports_to_the_same_network(opset: int) -> None:
    """torch's TorchScript exporter: GELU as the Erf pattern (opset 17) or the Gelu op (opset 20), SiLU as x * Sigmoid(x)."""
    pytest.importorskip("onnx")
    from verify.io.onnx_import import from_onnx

    model = seeded(nn.Linear(2, 4), nn.GELU(), nn.Linear(4, 4), nn.SiLU(), nn.Linear(4, 3), nn.LeakyReLU(0.5), nn.Linear(3, 1))
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(model, (torch.zeros(1, 2),), buf, dynamo=False, opset_version=opset)
        except Exception as exc:  # pragma: no cover - exporter availability varies between torch builds
            pytest.skip(f"torch's TorchScript ONNX exporter is unavailable: {exc}")
    import onnx

    assert from_onnx(onnx.load_from_string(buf.getvalue())) == from_torch(model)


# -- a trained network: no exact zeros from training, exact ones from the support cut ----------
def pyramid(X: np.ndarray) -> np.ndarray:
    """The pyramid of height 1 over [0, 1]^2: 1 - 2 max(|x - 1/2|, |y - 1/2|), cut at 0."""
    return np.maximum(0.0, 1.0 - 2.0 * np.abs(X - 0.5).max(axis=1))


@pytest.fixture(scope="module")
def trained() -> object:
    torch.set_num_threads(1)  # tiny tensors: threads only add contention
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    g = np.linspace(-1.0, 2.0, 25)
    X = np.array([(a, b) for a in g for b in g])
    x, y = torch.tensor(X, dtype=torch.float32), torch.tensor(pyramid(X)[:, None], dtype=torch.float32)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(300):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
    assert float(loss.detach()) < 0.01  # it did learn the pyramid
    return model


def test_trained_network_agrees_with_torch(trained: object) -> None:
    net = from_torch(trained)
    X = np.random.default_rng(1).uniform(-2, 3, size=(200, 2))
    with torch.no_grad():
        ours = trained(torch.tensor(X, dtype=torch.float32)).numpy()  # type: ignore[operator]
    np.testing.assert_allclose(net.eval_float(X), ours, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(net.eval_float(X), torch_eval(trained, X), rtol=1e-10, atol=1e-12)


def test_training_leaves_no_exact_compact_support(trained: object) -> None:
    support = pytest.importorskip("verify.support")
    net = from_torch(trained)
    K = Box.cube(2, -1, 2)
    v = support.prove_support_in(net, K)
    assert v.refuted
    point = v.witness.point
    assert not K.contains(point) and net.eval_exact(point) != (0,)
    from verify import checker

    assert checker.check(v.to_json())


def test_support_cut_of_the_trained_network_has_compact_support(trained: object) -> None:
    construct = pytest.importorskip("verify.construct")
    support = pytest.importorskip("verify.support")
    net = from_torch(trained)
    # delta = 1/2: one cover ball and supp F in K^{2 delta} = [-1, 2]^2 (delta = 1/4 gives 4 balls and a
    # region count that takes the pooled engine ~100 s on this machine: a benchmark, not a unit test)
    cut = construct.support_cut(net, Box.cube(2, 0, 1), "1/2")
    v = support.prove_support_in(cut.network, Box.cube(2, -1, 2))
    assert v.proved
    from verify import checker

    assert checker.check(v.to_json())
    for x in ([0, 0], ["1/2", "1/3"], [1, "3/4"]):  # F = g on K
        assert cut.network.eval_exact(x) == net.eval_exact(x)
