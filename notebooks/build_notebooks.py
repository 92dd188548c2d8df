"""Write the tutorial notebooks with nbformat (reproducible: ``python notebooks/build_notebooks.py``).

The notebooks define no logic of their own: every cell calls netproof (``verify``, ``theorems``).
They are executed by ``tests/test_notebooks.py``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent


def _nb(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in cells]
    return nb


SEPARATION = [
    (
        "md",
        "# The separation phenomenon: ReLU versus analytic networks\n\n"
        "A compactly supported target `f` (support exactly `K = [-1, 1]`). A ReLU network can approximate it **and** "
        "vanish outside `K` — proved exactly. An analytic network (GELU, sigmoid) fitted to the same data can not: by the "
        "identity theorem it is nonzero at points of every open set outside `K`, and netproof finds such points rigorously "
        "(MATH.md §5, Theorem N).",
    ),
    (
        "code",
        "%matplotlib inline\nfrom fractions import Fraction\nimport numpy as np\nimport matplotlib.pyplot as plt\n"
        "from verify import Box\nfrom verify.report import target, fit_network, relu_approximant, K\n"
        "from verify.support import prove_support_in\nfrom verify.analytic import nonvanishing_witness",
    ),
    ("md", "The ReLU approximant: the Q1 nodal interpolant at mesh 1/8 (MATH.md §4.1)."),
    ("code", "relu = relu_approximant(Fraction(1, 8))\nproof = prove_support_in(relu, K)\nprint(relu)\nprint(proof.summary())"),
    ("md", "A GELU network fitted by least squares (fixed seed), its weights converted exactly to rationals."),
    ("code", "gelu = fit_network(target, activation='gelu', width=12)\nleak = prove_support_in(gelu, K)\nprint(leak.summary())"),
    ("md", "The witness is an exact rational point outside `K` and a ball enclosure of the value there that excludes 0."),
    ("code", "w = leak.witness\nprint('point', w.point, 'enclosure', w.enclosure, 'at', w.prec, 'bits')"),
    (
        "code",
        "X = np.linspace(-3, 3, 1201).reshape(-1, 1)\nfig, ax = plt.subplots(1, 2, figsize=(11, 3.5))\n"
        "ax[0].plot(X, target(X[:, 0]), 'k', label='target')\nax[0].plot(X, relu.eval_float(X), '--', label='ReLU')\n"
        "ax[0].plot(X, gelu.eval_float(X), label='GELU fit')\nax[0].legend()\n"
        "outside = X[np.abs(X[:, 0]) > 1]\n"
        "ax[1].semilogy(outside, np.abs(gelu.eval_float(outside)), '.', ms=2, label='|GELU fit|')\n"
        "for box in [Box([2], [3]), Box([-3], [-2])]:\n"
        "    v = nonvanishing_witness(gelu, box)\n"
        "    x = float(v.witness.point[0])\n"
        "    ax[1].semilogy([x], [abs(gelu.eval_float([[x]])[0, 0])], 'ro')\n"
        "ax[1].set_title('outside K: the GELU fit never vanishes (red: rigorous witnesses)')\nax[1].legend();",
    ),
    ("md", "The theorem behind it, checked on its instances:"),
    (
        "code",
        "import theorems\nr = theorems.run('analytic_networks_not_dense_in_refined_topology')\n"
        "for label, v in zip(r.labels, r.verdicts):\n    print(v.status.value, '|', label, '|', v.claim.text)",
    ),
]

STEP_BY_STEP = [
    (
        "md",
        "# Building and verifying a compactly supported network, step by step\n\n"
        "The hat, the two-hidden-layer bump (MATH.md §6), and the exact facts netproof proves about them.",
    ),
    (
        "code",
        "from fractions import Fraction\nfrom verify import Box, Network\nfrom verify.construct import hat, bump\n"
        "from verify.support import support, prove_support_in",
    ),
    ("md", "**Step 1: the 1-D hat** `relu(t+1) - 2 relu(t) + relu(t-1)` (one hidden layer)."),
    ("code", "h = hat(-1, 1)\nprint(h)\nprint([h.eval_exact([x])[0] for x in (-1, Fraction(-1, 2), 0, Fraction(1, 2), 1, 7)])"),
    ("code", "s = support(h)\nprint(s)\nprint('bounded:', s.bounded, ' bounding box:', s.bounding_box, ' measure:', s.measure)"),
    ("md", "**Step 2: in d = 2 one hidden layer is not enough** (MATH.md §7.1): the hat of `x1` alone is unbounded in `x2`."),
    ("code", "h2 = Network.mlp([[[1, 0], [1, 0], [1, 0]], [[1, -2, 1]]], [[1, 0, -1], [0]])\nprint(support(h2))"),
    ("md", "**Step 3: two hidden layers suffice**: the bump `relu(sum_i hat(x_i) - (d - 1))`."),
    ("code", "B = Box([0, Fraction(-1, 2)], [1, 3])\nb = bump(B)\nprint(b)\nv = prove_support_in(b, B)\nprint(v.summary())"),
    ("md", "A box that is too small is refuted with an exact witness in the gap:"),
    ("code", "small = Box([0, 0], [1, 3])\nprint(prove_support_in(b, small).summary())"),
    ("md", "**Step 4: the certificate** re-checks independently with Fraction arithmetic only."),
    ("code", "from verify import checker\nprint(checker.check(v.to_json()))"),
    ("md", "**Step 5: the theorem module** does the same on its instances."),
    ("code", "import theorems\nr = theorems.run('two_hidden_layers_suffice_for_compact_support')\nprint(r.counts)"),
]

IDENTITY = [
    (
        "md",
        "# Identity-theorem witnesses and the zero decision\n\n"
        "A real-analytic network that vanishes on an open set vanishes everywhere. netproof turns this into two tools: "
        "`nonvanishing_witness(net, box)` (a rational point of the box where a rigorous ball excludes 0) and "
        "`is_identically_zero(net)` (an exact decision, with a certificate).",
    ),
    (
        "code",
        "from fractions import Fraction\nfrom verify import Box, Network, Act, Affine\n"
        "from verify.analytic import nonvanishing_witness\nfrom verify.zero import is_identically_zero",
    ),
    ("md", "`sigmoid(x) + sigmoid(-x) - 1` is identically zero — proved exactly, not sampled:"),
    (
        "code",
        "pair = Network.mlp([[[1], [-1]], [[1, 1]]], [[0, 0], [-1]], 'sigmoid')\nprint(is_identically_zero(pair).summary())",
    ),
    (
        "md",
        "Add `10^-40 tanh(x)`: far below float64 resolution, yet the witness search escalates precision until the ball "
        "excludes 0.",
    ),
    (
        "code",
        "tiny = Network(1, (Affine([[1], [-1], [1]], [0, 0, 0]), Act(('sigmoid', 'sigmoid', 'tanh')),\n"
        "                   Affine([[1, 1, Fraction(1, 10**40)]], [-1])))\nprint(tiny.eval_float([[0.75]]))\n"
        "v = nonvanishing_witness(tiny, Box([Fraction(1, 2)], [1]))\nprint(v.summary())",
    ),
    (
        "md",
        "A GELU imitation of the hat in a tiny box far away, where float64 cancels to exactly 0 (the true value is "
        "about -2e-347):",
    ),
    (
        "code",
        "gelu_hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]], 'gelu')\n"
        "far = Box([40], [40 + Fraction(1, 10**6)])\nprint('float64:', gelu_hat.eval_float([[40.0000005]]))\n"
        "print(nonvanishing_witness(gelu_hat, far).summary())",
    ),
    (
        "md",
        "The theorem module checks the statement on instances, and its counterexample search shows that "
        "analyticity is needed: a ReLU network vanishes on an open box without being zero.",
    ),
    (
        "code",
        "import theorems\nmod = theorems.THEOREMS['analytic_network_vanishing_on_open_set_is_zero']\n"
        "print(theorems.run(mod.NAME).counts)\nprint(mod.search_counterexample(20).summary())",
    ),
]

TESTING = [
    (
        "md",
        "# Using netproof in your own tests\n\n"
        "`verify.testing` has four assertions for pytest and hypothesis: `assert_support_in`, "
        "`assert_identically_zero`, `assert_equivalent`, `assert_nonvanishing`. Each returns the PROVED verdict, or raises "
        "`AssertionError` with the exact witness (or the reason a check stayed undecided).",
    ),
    (
        "code",
        "from fractions import Fraction\nfrom hypothesis import given, settings, strategies as st\n"
        "from verify import Box, Network\nfrom verify.construct import hat, bump\n"
        "from verify.testing import assert_support_in, assert_equivalent, assert_identically_zero",
    ),
    ("md", "A property test: every bump built by netproof is supported in its box."),
    (
        "code",
        "from verify.strategies import boxes\n\n@settings(max_examples=10, deadline=None)\n"
        "@given(boxes(2, min_side=Fraction(1, 4)))\n"
        "def test_bump_support(B):\n    assert_support_in(bump(B), B)\n\ntest_bump_support()\nprint('passed')",
    ),
    ("md", "A failing assertion shows the witness: a network that leaks only beyond `x = 10^9`."),
    (
        "code",
        "far = Network.mlp([[[1], [1]], [[1, -1]]], [[-10**9, -10**9 - 1], [0]])\n"
        "try:\n    assert_support_in(far, Box([-1], [1]))\nexcept AssertionError as e:\n    print(e)",
    ),
    ("md", "Equivalence of two ways to write max(a, b), and an exact zero:"),
    (
        "code",
        "m1 = Network.mlp([[[1, -1], [0, 1], [0, -1]], [[1, 1, -1]]], [[0, 0, 0], [0]])   # relu(a-b) + relu(b) - relu(-b)\n"
        "m2 = Network.mlp([[[-1, 1], [1, 0], [-1, 0]], [[1, 1, -1]]], [[0, 0, 0], [0]])  # relu(b-a) + relu(a) - relu(-a)\n"
        "print(assert_equivalent(m1, m2).summary())\n"
        "print(assert_identically_zero(m1 - m2).status)",
    ),
]


def main() -> None:
    """Write the four notebooks next to this script."""
    for name, cells in [
        ("01_separation", SEPARATION),
        ("02_compact_support_step_by_step", STEP_BY_STEP),
        ("03_identity_theorem_and_zero_decision", IDENTITY),
        ("04_netproof_in_your_tests", TESTING),
    ]:
        nbformat.write(_nb(cells), HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
