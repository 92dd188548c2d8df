"""ONNX export (run by onnxruntime) and import (exact, round trip, patterns, errors)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify import Network
from verify.activations import Activation
from verify.errors import InvalidArgument, InvalidNetwork
from verify.io.onnx_export import to_onnx
from verify.io.onnx_import import SUPPORTED_OPS, from_onnx
from verify.layers import Act, Affine, Pool

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

PL = ["relu", {"leaky_relu": "1/4"}, {"prelu": "-3/8"}, "abs", "hardtanh", "identity"]
ANALYTIC = ["sigmoid", "tanh", "softplus", "silu", {"swish": "3/2"}, "gelu", "exp", "sin", "square"]


def dyadic_net(seed: int, widths: list[int], activation: object = "relu", denom: int = 8) -> Network:
    """A random network with weights in (1/denom) Z: exactly representable in float64."""
    rng = np.random.default_rng(seed)
    ws = [
        [[Fraction(int(v), denom) for v in row] for row in rng.integers(-denom, denom + 1, size=(o, i))]
        for i, o in zip(widths, widths[1:])
    ]
    bs = [[Fraction(int(v), denom) for v in rng.integers(-denom, denom + 1, size=o)] for o in widths[1:]]
    return Network.mlp(ws, bs, activation)


def run(model: object, X: np.ndarray) -> np.ndarray:
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])  # type: ignore[attr-defined]
    return sess.run(None, {"x": X})[0]


def agrees(net: Network, model: object, X: np.ndarray) -> None:
    expected = net.eval_float(X)
    scale = 1 + np.abs(expected[np.isfinite(expected)]).max(initial=0.0)  # exp of exp may overflow to inf (both sides)
    np.testing.assert_allclose(run(model, X), expected, rtol=1e-9, atol=1e-12 * scale)


def pooled_net(seed: int) -> Network:
    f = dyadic_net(seed, [3, 4, 2], "relu")
    g = dyadic_net(seed + 1, [3, 5, 5, 2], {"leaky_relu": "1/2"})
    return f * g + dyadic_net(seed + 2, [3, 2], "relu")


def mixed_net() -> Network:
    units = (Activation("relu"), Activation("relu"), Activation("identity"), Activation("sigmoid"), Activation("relu"))
    return Network(
        2,
        (
            Affine([[1, 2], [-1, 1], [3, -2], ["1/2", 1], [0, 1]], [0, 1, -1, 0, "1/4"]),
            Act(units),
            Affine([[1, -1, 2, 1, 1]], [0]),
        ),
    )


# -- export, then onnxruntime agrees with eval_float ---------------------------------------
@pytest.mark.parametrize("activation", PL + ANALYTIC, ids=str)
def test_export_runs_in_onnxruntime(activation: object) -> None:
    net = dyadic_net(1, [3, 6, 5, 2], activation)
    X = np.random.default_rng(2).normal(scale=2.0, size=(64, 3))
    agrees(net, to_onnx(net, for_onnxruntime=True), X)


def test_export_of_pooled_and_per_unit_networks() -> None:
    X = np.random.default_rng(3).normal(scale=2.0, size=(64, 3))
    agrees(pooled_net(5), Network.to_onnx(pooled_net(5)), X)
    Y = np.random.default_rng(4).normal(size=(64, 2))
    agrees(mixed_net(), to_onnx(mixed_net()), Y)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from(PL + ANALYTIC), st.lists(st.integers(1, 5), min_size=1, max_size=3))
def test_export_agrees_on_random_networks(seed: int, activation: object, hidden: list[int]) -> None:
    net = dyadic_net(seed, [2, *hidden, 2], activation)
    X = np.random.default_rng(seed).normal(scale=3.0, size=(32, 2))
    agrees(net, to_onnx(net, for_onnxruntime=True), X)


def test_gelu_erfc_is_accurate_far_out() -> None:
    """The float64 erfc branches (|u| < 1, [1, 8), >= 8) against math.erf; softplus against logaddexp."""
    X = np.linspace(-14, 14, 2801)[:, None]
    for name in ("gelu", "softplus"):  # softplus: Kahan's log1p keeps e^x accurate far left
        net = Network(1, (Act(name),))
        agrees(net, to_onnx(net), X * 3)


def test_standard_ops_on_request_onnxruntime_ops_by_default() -> None:
    def ops(net: Network, **kw: bool) -> set[str]:
        return {n.op_type for n in to_onnx(net, **kw).graph.node}

    gelu, softplus = Network(1, (Act("gelu"),)), Network(1, (Act("softplus"),))
    assert "Erf" in ops(gelu, for_onnxruntime=False) and "Softplus" in ops(softplus, for_onnxruntime=False)
    assert "Erf" not in ops(gelu) and "Softplus" not in ops(softplus)  # the default runs in onnxruntime


# -- import: exact round trip ------------------------------------------------------------
@pytest.mark.parametrize("activation", [a for a in PL + ANALYTIC if a not in ("square", "identity")], ids=str)
def test_round_trip_is_exact_for_dyadic_weights(activation: object) -> None:
    net = dyadic_net(7, [3, 4, 4, 1], activation)
    assert from_onnx(to_onnx(net, for_onnxruntime=False)) == net


def test_round_trip_of_pooled_and_per_unit_networks() -> None:
    assert from_onnx(to_onnx(pooled_net(9))) == pooled_net(9)
    assert from_onnx(to_onnx(mixed_net())) == mixed_net()


def test_round_trip_rounds_other_rationals_to_float64() -> None:
    net = Network.mlp([[["1/3", "2/7"]], [["1/10"]]], [["1/5"], [0]])
    back = from_onnx(to_onnx(net))
    first = back.layers[0]
    assert isinstance(first, Affine)
    assert first.weight[0][0] == Fraction(1 / 3) != Fraction(1, 3)
    assert back.layers[-1] == Affine([[Fraction(0.1)]], [0])


def test_square_and_identity_come_back_as_equal_functions() -> None:
    net = dyadic_net(3, [2, 3, 1], "square")
    back = from_onnx(to_onnx(net))
    assert back.num_pool == 1 and back.is_rational
    for x in ([1, 2], ["1/2", "-3"], [0, 5]):
        assert back.eval_exact(x) == net.eval_exact(x)
    ident = dyadic_net(3, [2, 3, 1], "identity")
    assert from_onnx(to_onnx(ident)).eval_exact([1, 2]) == ident.eval_exact([1, 2])


# -- import of hand-built graphs ---------------------------------------------------------
def graph(nodes: list, inits: dict, shape: list | None = None, dtype: int = TensorProto.FLOAT, opset: int = 17, out: str = "y"):
    tensors = [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()]
    g = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", dtype, shape or ["N", 2])],
        [helper.make_tensor_value_info(out, dtype, None)],
        tensors,
    )
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


f32 = np.float32


def test_gemm_attributes_and_exact_float32_values() -> None:
    B = np.array([[0.1, 2.0], [-1.0, 0.5], [3.0, 1.0]], dtype=f32)  # [in=3? no: transB -> out=3, in=2]
    node = helper.make_node("Gemm", ["x", "B", "C"], ["y"], transB=1, alpha=0.5, beta=2.0)
    net = from_onnx(graph([node], {"B": B, "C": np.array([1.0, 0.0, -1.0], dtype=f32)}))
    layer = net.layers[0]
    assert isinstance(layer, Affine)
    assert layer.weight[0][0] == Fraction(float(f32(0.1))) / 2  # the float32 nearest 0.1, halved exactly
    assert layer.bias == (2, 0, -2)


def test_matmul_add_and_float32_leaky_alpha() -> None:
    W = np.array([[1.0, -1.0, 0.5], [2.0, 0.25, 1.0]], dtype=f32)
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["h"]),
        helper.make_node("Add", ["h", "b"], ["z"]),
        helper.make_node("LeakyRelu", ["z"], ["y"], alpha=0.1),
    ]
    net = from_onnx(graph(nodes, {"W": W, "b": np.array([0.0, 1.0, -1.0], dtype=f32)}))
    assert net.layers[0] == Affine([[1, 2], [-1, "1/4"], ["1/2", 1]], [0, 1, -1])
    alpha = Fraction(float(f32(0.1)))
    assert alpha != Fraction(1, 10) and net.layers[1] == Act(Activation("leaky_relu", alpha))


def test_prelu_per_channel_becomes_per_unit_activations() -> None:
    nodes = [helper.make_node("PRelu", ["x", "s"], ["y"])]
    net = from_onnx(graph(nodes, {"s": np.array([0.25, -0.5], dtype=f32)}))
    assert net.layers == (Act((Activation("prelu", "1/4"), Activation("prelu", "-1/2"))),)
    assert net.eval_exact([-4, -4]) == (-1, 2)


def torch_style_gelu(x: str, out: str) -> list:
    """x * (1 + Erf(x / c)) * 0.5 with float32 constants, as torch's TorchScript exporter writes it."""
    return [
        helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(np.array(1.4142135623730951, dtype=f32))),
        helper.make_node("Div", [x, "c"], ["t"]),
        helper.make_node("Erf", ["t"], ["e"]),
        helper.make_node("Add", ["e", "one"], ["p"]),
        helper.make_node("Mul", [x, "p"], ["q"]),
        helper.make_node("Mul", ["q", "half"], [out]),
    ]


def test_erf_pattern_is_exact_gelu() -> None:
    inits = {"one": np.array(1.0, dtype=f32), "half": np.array(0.5, dtype=f32)}
    assert from_onnx(graph(torch_style_gelu("x", "y"), inits)).layers == (Act("gelu"),)
    # the other order: (0.5 * x) * (1 + erf(x * (1/sqrt 2)))
    nodes = [
        helper.make_node("Mul", ["x", "r"], ["t"]),
        helper.make_node("Erf", ["t"], ["e"]),
        helper.make_node("Add", ["one", "e"], ["p"]),
        helper.make_node("Mul", ["half", "x"], ["h"]),
        helper.make_node("Mul", ["h", "p"], ["y"]),
    ]
    inits["r"] = np.array(0.7071067811865476, dtype=f32)
    assert from_onnx(graph(nodes, inits)).layers == (Act("gelu"),)


def test_erf_with_a_wrong_constant_is_not_gelu() -> None:
    inits = {"one": np.array(1.0, dtype=f32), "half": np.array(0.5, dtype=f32)}
    nodes = torch_style_gelu("x", "y")
    nodes[0] = helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(np.array(1.5, dtype=f32)))
    with pytest.raises(InvalidNetwork, match="op_type='Erf'"):
        from_onnx(graph(nodes, inits))


def test_gelu_op_opset_20_and_its_tanh_form() -> None:
    assert from_onnx(graph([helper.make_node("Gelu", ["x"], ["y"])], {}, opset=20)).layers == (Act("gelu"),)
    with pytest.raises(InvalidNetwork, match="approximate='none'"):
        from_onnx(graph([helper.make_node("Gelu", ["x"], ["y"], approximate="tanh")], {}, opset=20))


def test_branches_add_mul_sub_share_their_prefix() -> None:
    """y = (r + x) * (r - x) with r = relu(W x): a residual sum, a difference and a Hadamard product."""
    W = np.array([[1.0, -1.0], [0.5, 2.0]], dtype=f32)
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["a"]),
        helper.make_node("Relu", ["a"], ["r"]),
        helper.make_node("Add", ["r", "x"], ["s"]),
        helper.make_node("Sub", ["r", "x"], ["d"]),
        helper.make_node("Mul", ["s", "d"], ["y"]),
    ]
    net = from_onnx(graph(nodes, {"W": W}))
    assert net.num_pool == 1 and net.is_relu_pool
    for x in ([1, 2], ["-3/2", "1/4"], [5, -7]):
        x0, x1 = (Fraction(v) for v in x)
        r = (max(x0 + x1 / 2, Fraction(0)), max(-x0 + 2 * x1, Fraction(0)))
        assert net.eval_exact(x) == (r[0] ** 2 - x0**2, r[1] ** 2 - x1**2)
    X = np.random.default_rng(0).normal(size=(20, 2)).astype(f32)
    sess = ort.InferenceSession(graph(nodes, {"W": W}).SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(sess.run(None, {"x": X})[0], net.eval_float(X.astype(float)), rtol=1e-5, atol=1e-5)


def test_residual_chain_stays_linear_in_size() -> None:
    nodes, prev = [], "x"
    for k in range(6):
        nodes += [
            helper.make_node("Gemm", [prev, "W"], [f"a{k}"], transB=1),
            helper.make_node("Relu", [f"a{k}"], [f"r{k}"]),
            helper.make_node("Add", [prev, f"r{k}"], [f"s{k}"]),
        ]
        prev = f"s{k}"
    nodes.append(helper.make_node("Identity", [prev], ["y"]))
    net = from_onnx(graph(nodes, {"W": np.array([[1.0, -1.0], [0.5, 1.0]], dtype=f32)}))
    assert net.depth == 7 and net.width == 4  # identity units carry x beside relu(Wx): no doubling per block
    s = [Fraction(3), Fraction(-5, 2)]
    for _ in range(6):
        r = [max(s[0] - s[1], Fraction(0)), max(s[0] / 2 + s[1], Fraction(0))]
        s = [s[0] + r[0], s[1] + r[1]]
    assert net.eval_exact([3, "-5/2"]) == tuple(s)


def test_flatten_reshape_identity_and_input_shapes() -> None:
    W = np.array([[2.0, 1.0]], dtype=f32)
    nodes = [
        helper.make_node("Flatten", ["x"], ["f"], axis=1),
        helper.make_node("Reshape", ["f", "shape"], ["g"]),
        helper.make_node("Identity", ["g"], ["h"]),
        helper.make_node("Gemm", ["h", "W"], ["y"], transB=1),
    ]
    inits = {"W": W, "shape": np.array([-1, 2], dtype=np.int64)}
    for shape in (["N", 2], ["batch", 2], [7, 2], [1, 2], ["N", 1, 2]):
        net = from_onnx(graph(nodes, inits, shape=shape))
        assert net.input_dim == 2 and net.eval_exact([1, 3]) == (5,)
    vec = from_onnx(graph([helper.make_node("Relu", ["x"], ["y"])], {}, shape=[3]))
    assert vec.input_dim == 3 and vec.layers == (Act("relu"),)


def test_float64_weights_and_clip_bounds() -> None:
    nodes = [helper.make_node("Clip", ["x", "lo", "hi"], ["y"])]
    inits = {"lo": np.array(0.0), "hi": np.array(6.0)}
    net = from_onnx(graph(nodes, inits, dtype=TensorProto.DOUBLE))  # ReLU6
    assert [net.eval_exact([t, 0])[0] for t in (-1, 3, 9)] == [0, 3, 6]
    relu = from_onnx(graph(nodes[:1], {"lo": np.array(0.0), "hi": np.array(np.inf)}, dtype=TensorProto.DOUBLE))
    assert relu.eval_exact(["-1/3", "5/2"]) == (0, Fraction(5, 2))


def test_path_and_cli_loader(tmp_path: object) -> None:
    from verify.cli import load_network

    net = dyadic_net(11, [2, 3, 1])
    path = tmp_path / "net.onnx"  # type: ignore[operator]
    onnx.save(to_onnx(net), str(path))
    assert from_onnx(path) == net == load_network(str(path)) == Network.from_onnx(str(path))
    assert Network.to_onnx(net).graph.output[0].name == "y"


# -- unsupported operators and shapes --------------------------------------------------
def test_conv_names_node_and_op() -> None:
    nodes = [helper.make_node("Conv", ["x", "K"], ["y"], name="conv1")]
    with pytest.raises(InvalidNetwork) as info:
        from_onnx(graph(nodes, {"K": np.ones((1, 1, 1), dtype=f32)}, shape=["N", 1, 2]))
    ops = ", ".join(SUPPORTED_OPS)
    assert str(info.value) == f"Expected a supported ONNX operator ({ops}) but got node 'conv1' op_type='Conv'"


def test_softmax_and_layout_changing_reshape_are_refused() -> None:
    with pytest.raises(InvalidNetwork, match=r"node 'sm' op_type='Softmax'"):
        from_onnx(graph([helper.make_node("Softmax", ["x"], ["y"], name="sm")], {}))
    reshape = [helper.make_node("Reshape", ["x", "s"], ["y"], name="mix")]
    with pytest.raises(InvalidNetwork, match=r"node 'mix' op_type='Reshape'"):
        from_onnx(graph(reshape, {"s": np.array([-1, 2], dtype=np.int64)}, shape=["N", 4]))
    with pytest.raises(InvalidNetwork, match=r"op_type='Reshape'"):
        from_onnx(graph(reshape, {"s": np.array([-1], dtype=np.int64)}, shape=["N", 4]))


def test_other_bad_inputs() -> None:
    with pytest.raises(InvalidNetwork, match="op_type='Div'"):
        from_onnx(graph([helper.make_node("Div", ["x", "x"], ["y"])], {}))
    with pytest.raises(InvalidNetwork, match="op_type='Mul'"):
        from_onnx(graph([helper.make_node("Mul", ["x", "c"], ["y"])], {"c": np.ones((3, 2), dtype=f32)}))
    with pytest.raises(InvalidNetwork, match="known d"):
        from_onnx(graph([helper.make_node("Relu", ["x"], ["y"])], {}, shape=["N", "d"]))
    with pytest.raises(InvalidArgument):
        from_onnx(42)
    with pytest.raises(InvalidArgument):
        to_onnx("not a network")  # type: ignore[arg-type]


def test_pool_layer_directly_after_activation() -> None:
    net = Network(2, (Affine([[1, 0], [0, 1], [1, 1], [1, -1]], [0, 0, 0, 0]), Act("relu"), Pool()))
    assert from_onnx(to_onnx(net)) == net


# -- properties over the project's network strategies ---------------------------------------
def rounded(net: Network) -> Network:
    """``net`` with every weight and activation parameter rounded to the nearest float64, as the export stores it.

    (Also in the importer's normal form: a per-unit list whose units are all equal is one activation.)
    """

    def r(q: Fraction) -> Fraction:
        return Fraction(float(q))

    def act(a: Activation) -> Activation:
        return a if a.param is None else Activation(a.name, r(a.param))

    layers: list = []
    for layer in net.layers:
        if isinstance(layer, Affine):
            layers.append(Affine([[r(v) for v in row] for row in layer.weight], [r(v) for v in layer.bias]))
        elif isinstance(layer, Act):
            units = tuple(act(a) for a in layer.expanded(1)) if layer.per_unit else (act(layer.unit(0)),)
            layers.append(Act(units[0] if len(set(units)) == 1 else units))  # an all-equal list is one activation
        else:
            layers.append(layer)
    return Network(net.input_dim, tuple(layers))


def _networks() -> st.SearchStrategy[Network]:
    strategies = pytest.importorskip("verify.strategies")
    return strategies.networks(max_depth=3, max_width=4, max_denominator=6)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_every_drawn_network_runs_in_onnxruntime(data: st.DataObject) -> None:
    net = data.draw(_networks())
    X = np.random.default_rng(0).normal(size=(16, net.input_dim))
    agrees(net, to_onnx(net), X)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_round_trip_is_the_float64_rounding(data: st.DataObject) -> None:
    net = data.draw(_networks())
    back = from_onnx(to_onnx(net, for_onnxruntime=False))
    if net.activations() & {Activation("square"), Activation("identity")}:
        # square comes back as a pooling, identity units may vanish: the same function, another form
        X = np.random.default_rng(1).normal(size=(8, net.input_dim))
        np.testing.assert_allclose(back.eval_float(X), rounded(net).eval_float(X), rtol=1e-12, atol=1e-12)
    else:
        assert back == rounded(net)
