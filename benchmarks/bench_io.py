"""Import/export costs: ONNX and torch importers, ONNX export, and the trained-network support proofs.

Run: ``python benchmarks/bench_io.py [--slow]``. Prints seconds for

* ONNX import of float32 2->W->W->1 ReLU MLPs (exact weights), ONNX export + onnxruntime session + run;
* ONNX import of a residual chain (k blocks ``x + relu(W x)``): width stays 4;
* torch: training a 2->16->16->1 ReLU net on the [0,1]^2 pyramid (300 Adam steps), ``from_torch``,
  ``prove_support_in`` on [-1,2]^2 (REFUTED), ``support_cut`` with delta = 1/2 then its proof (PROVED);
  ``--slow`` adds delta = 1/4 (four cover balls; about 100 s here).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from verify.box import Box
from verify.io.onnx_export import to_onnx
from verify.io.onnx_import import from_onnx


def timed(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def mlp_model(width: int, seed: int = 0) -> Any:
    rng = np.random.default_rng(seed)
    dims = [2, width, width, 1]
    inits, nodes, prev = [], [], "x"
    for k, (i, o) in enumerate(zip(dims, dims[1:])):
        inits += [numpy_helper.from_array(rng.normal(size=(o, i)).astype(np.float32), f"W{k}"),
                  numpy_helper.from_array(rng.normal(size=o).astype(np.float32), f"b{k}")]  # fmt: skip
        nodes.append(helper.make_node("Gemm", [prev, f"W{k}", f"b{k}"], [f"h{k}"], transB=1))
        prev = f"h{k}"
        if k < 2:
            nodes.append(helper.make_node("Relu", [prev], [f"r{k}"]))
            prev = f"r{k}"
    nodes.append(helper.make_node("Identity", [prev], ["y"]))
    g = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])], inits)  # fmt: skip
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def residual_model(blocks: int) -> Any:
    W = numpy_helper.from_array(np.array([[1.0, -1.0], [0.5, 1.0]], dtype=np.float32), "W")
    nodes, prev = [], "x"
    for k in range(blocks):
        nodes += [helper.make_node("Gemm", [prev, "W"], [f"a{k}"], transB=1), helper.make_node("Relu", [f"a{k}"], [f"r{k}"]),
                  helper.make_node("Add", [prev, f"r{k}"], [f"s{k}"])]  # fmt: skip
        prev = f"s{k}"
    nodes.append(helper.make_node("Identity", [prev], ["y"]))
    g = helper.make_graph(nodes, "res", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])], [W])  # fmt: skip
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def onnx_rows() -> None:
    import onnxruntime as ort

    print(f"{'ONNX (float32 2->W->W->1 ReLU)':<34} {'import s':>9} {'export s':>9} {'ort s':>9}")
    for width in (16, 64):
        t_imp, net = timed(from_onnx, mlp_model(width))
        t_exp, model = timed(to_onnx, net)
        X = np.random.default_rng(0).normal(size=(1000, 2))

        def run(model: Any, X: np.ndarray) -> Any:
            return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": X})

        t_run, _ = timed(run, model, X)
        print(f"{'width ' + str(width):<34} {t_imp:9.3f} {t_exp:9.3f} {t_run:9.3f}")
    for blocks in (4, 16):
        t, net = timed(from_onnx, residual_model(blocks))
        print(f"{f'residual chain, {blocks} blocks':<34} {t:9.3f}   (width {net.width}, depth {net.depth})")


def torch_rows(slow: bool) -> None:
    try:
        import torch
    except ImportError:
        print("torch not installed: torch rows skipped")
        return
    from verify.construct import support_cut
    from verify.io.torch_import import from_torch
    from verify.support import prove_support_in

    torch.set_num_threads(1)
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    g = np.linspace(-1.0, 2.0, 25)
    X = np.array([(a, b) for a in g for b in g])
    y = np.maximum(0.0, 1.0 - 2.0 * np.abs(X - 0.5).max(axis=1))[:, None]
    x_t, y_t = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)

    def train() -> float:
        for _ in range(300):
            opt.zero_grad()
            loss = ((model(x_t) - y_t) ** 2).mean()
            loss.backward()
            opt.step()
        return float(loss.detach())

    print(f"\n{'torch pyramid net 2->16->16->1':<34} {'seconds':>9}  result")
    t, loss = timed(train)
    print(f"{'train (300 Adam steps)':<34} {t:9.3f}  mse {loss:.2e}")
    t, net = timed(from_torch, model)
    print(f"{'from_torch':<34} {t:9.3f}  {net}")
    K = Box.cube(2, -1, 2)
    t, v = timed(prove_support_in, net, K)
    print(f"{'prove_support_in(net, [-1,2]^2)':<34} {t:9.3f}  {v.status.value}")
    for delta in ("1/2", "1/4") if slow else ("1/2",):
        t, cut = timed(support_cut, net, Box.cube(2, 0, 1), delta)
        t2, v = timed(prove_support_in, cut.network, K)
        print(f"{'support_cut delta=' + delta + ' + proof':<34} {t + t2:9.3f}  {v.status.value} ({cut.network.width} wide)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", action="store_true", help="also the delta = 1/4 support cut (about 100 s)")
    args = parser.parse_args()
    onnx_rows()
    torch_rows(args.slow)


if __name__ == "__main__":
    main()
