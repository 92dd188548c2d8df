"""The report of ``netproof theorems``: Markdown with PNG plots of the separation phenomenon.

The story in pictures (MATH.md §4-§5): a compactly supported Lipschitz target ``f``; a ReLU
approximant whose support is *proved* to lie in ``K`` (exactly right); a GELU and a sigmoid
network fitted to the same target by least squares (fixed seed, numpy, weights then converted
exactly), whose support *leaks*: ``|g|`` on a log scale outside ``K`` with rigorous ball witnesses
marked; the linear regions of a 2-D ReLU approximant; and the refined distance of both families
against network size. Plots are illustrations (float64 curves); every *claim* in the text is a
verdict of the exact engines.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from verify.box import Box
from verify.network import Network
from verify.numbers import format_rational, to_rational

__all__ = ["fit_network", "target", "relu_approximant", "write_report", "Figure", "refined_distance_numeric"]

K = Box([-1], [1])
LIPSCHITZ = Fraction(3)


def target(x: Any) -> Any:
    """The report's target ``f(x) = (1 - x^2)_+ (2 + x) / 2``: 3-Lipschitz, support exactly ``[-1, 1]``.

    Works on Fractions (exactly) and on numpy arrays.

    >>> target(Fraction(1, 2)), target(Fraction(3, 2))
    (Fraction(15, 16), 0)
    """
    if isinstance(x, np.ndarray):
        return np.maximum(0.0, 1.0 - x * x) * (2.0 + x) / 2.0
    x = Fraction(x[0]) if isinstance(x, tuple) else Fraction(x)
    return (1 - x * x) * (2 + x) / 2 if -1 < x < 1 else 0


def fit_network(
    fn: Callable[[Any], Any],
    *,
    activation: str,
    width: int,
    seed: int = 0,
    interval: tuple[float, float] = (-2.5, 2.5),
    samples: int = 600,
) -> Network:
    """A 1-D one-hidden-layer ``activation`` network fitted to ``fn`` by least squares (fixed seed).

    Hidden weights are drawn once (``numpy.random.default_rng(seed)``), the output layer solves the
    least-squares problem on ``samples`` points of ``interval``; every float weight is then converted
    exactly (its binary value) with :func:`verify.numbers.to_rational`.

    >>> g = fit_network(lambda x: np.maximum(0, 1 - abs(x)), activation="gelu", width=6)
    >>> g.is_analytic, g.width
    (True, 6)
    """
    rng = np.random.default_rng(seed)
    a, b = interval
    centres = np.linspace(a, b, width) + rng.normal(0, 0.05, width)
    scales = rng.uniform(2.0, 4.0, width) * rng.choice([-1.0, 1.0], width)
    W = [[to_rational(float(s))] for s in scales]
    B = [to_rational(float(-s * c)) for s, c in zip(scales, centres)]
    feats_net = Network.mlp([W, [[int(i == j) for j in range(width)] for i in range(width)]], [B, [0] * width], activation)
    X = np.linspace(a, b, samples).reshape(-1, 1)
    Phi = np.hstack([feats_net.eval_float(X), np.ones((samples, 1))])
    y = np.asarray(fn(X[:, 0]), dtype=float)
    coef, *_ = np.linalg.lstsq(Phi, y, rcond=None)
    out_w = [[to_rational(float(c)) for c in coef[:-1]]]
    return Network.mlp([W, out_w], [B, [to_rational(float(coef[-1]))]], activation)


def relu_approximant(h: Fraction, *, dim: int = 1) -> Network:
    """The Q1 interpolant of the target at mesh ``h`` on ``[-1, 1]^dim`` (``verify.construct``)."""
    from verify.construct.approximants import interpolant

    if dim == 1:
        return interpolant(target, h=h, cube=Box([-1], [1]), lipschitz=LIPSCHITZ).network

    def f2(x: tuple[Fraction, ...]) -> Fraction:
        return Fraction(target(x[0])) * Fraction(target(x[1]))

    return interpolant(f2, h=h, cube=Box.cube(dim, -1, 1), lipschitz=3 * LIPSCHITZ).network


def refined_distance_numeric(g: Network, *, dsupp_g: float, n_max: int = 8, points: int = 4001) -> float:
    """``d_tau(f, g)`` with ``dsupp f = 1``: the ``dsupp`` term exact, ``d_loc`` by the trapezoid rule (illustration)."""
    total = 0.0
    for n in range(1, n_max + 1):
        X = np.linspace(-n, n, points * n)
        diff = np.abs(target(X) - g.eval_float(X.reshape(-1, 1))[:, 0])
        total += 2.0**-n * min(1.0, float(np.trapezoid(diff, X)))
    return total + abs(0.5 - (0.0 if math.isinf(dsupp_g) else 2.0**-dsupp_g))


@dataclass
class Figure:
    """One figure of the report: its file name, caption, and the facts stated under it."""

    path: str
    caption: str
    facts: list[str] = field(default_factory=list)


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _witnesses(g: Network, boxes: Sequence[Box]) -> list[tuple[Box, Any]]:
    """Rigorous nonvanishing witnesses of g in boxes outside K (verdicts)."""
    from verify.analytic import nonvanishing_witness

    return [(box, nonvanishing_witness(g, box, max_prec=2048, budget=200)) for box in boxes]


LEAK_BOXES = [
    Box([Fraction(-4)], [Fraction(-3)]),
    Box([Fraction(-2)], [Fraction(-3, 2)]),
    Box([Fraction(3, 2)], [Fraction(2)]),
    Box([Fraction(3)], [Fraction(4)]),
    Box([Fraction(5)], [Fraction(6)]),
]


def figure_target(out: Path, relu: Network, fits: dict[str, Network]) -> Figure:
    """The target, its ReLU approximant and the analytic fits on [-3, 3]."""
    plt = _plt()
    X = np.linspace(-3, 3, 2001)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.axvspan(-1, 1, color="0.93", label="K = [-1, 1]")
    ax.plot(X, target(X), "k", lw=2, label="target f")
    ax.plot(X, relu.eval_float(X.reshape(-1, 1))[:, 0], "C0--", label=f"ReLU approximant ({relu.num_neurons} neurons)")
    for i, (name, g) in enumerate(fits.items()):
        ax.plot(X, g.eval_float(X.reshape(-1, 1))[:, 0], f"C{i + 1}", alpha=0.8, label=f"{name} fit ({g.num_neurons} neurons)")
    ax.set_xlabel("x")
    ax.legend(fontsize=8)
    ax.set_title("A compactly supported target and three approximants")
    fig.tight_layout()
    fig.savefig(out / "target.png", dpi=110)
    plt.close(fig)
    return Figure("target.png", "The target f (support exactly K), its ReLU approximant and least-squares GELU/sigmoid fits.")


def figure_leak(out: Path, relu_proof: Any, fits: dict[str, Network]) -> Figure:
    """|g| on a log scale outside K, with the rigorous witnesses marked."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    facts = [f"ReLU approximant: f = 0 outside K is {relu_proof.status.value.upper()} ({relu_proof.method})"]
    for i, (name, g) in enumerate(fits.items()):
        for side in (np.linspace(-6, -1, 800), np.linspace(1, 6, 800)):
            vals = np.abs(g.eval_float(side.reshape(-1, 1))[:, 0])
            ax.semilogy(side, np.maximum(vals, 1e-300), f"C{i + 1}", label=f"|{name} fit|" if side[0] < 0 else None)
        for box, v in _witnesses(g, LEAK_BOXES):
            if v.proved and v.witness is not None:
                x = float(v.witness.point[0])
                y = abs(float(g.eval_float(np.array([[x]]))[0, 0]))
                ax.semilogy([x], [max(y, 1e-300)], f"C{i + 1}o", ms=7, mec="k")
                pt = format_rational(v.witness.point[0])
                facts.append(
                    f"{name} fit: g({pt}) in {v.witness.enclosure[0] if v.witness.enclosure else '?'} (ball, "
                    f"{v.witness.prec} bits) - nonzero in {box}, outside K"
                )
            else:
                facts.append(f"{name} fit on {box}: {v.status.value} ({v.reason})")
    ax.axvspan(-1, 1, color="0.93")
    ax.set_xlabel("x (outside K = [-1, 1])")
    ax.set_ylabel("|g(x)|")
    ax.set_title("Support leaks: analytic fits are nonzero outside K (dots: rigorous witnesses)")
    ax.legend(fontsize=8, title="ReLU approximant: exactly 0 here (proved)", title_fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "leak.png", dpi=110)
    plt.close(fig)
    return Figure("leak.png", "|g| outside K on a log scale; dots are rational points where a ball enclosure excludes 0.", facts)


def figure_regions(out: Path, net: Network) -> Figure:
    """The exact linear regions of a 2-D ReLU approximant (``verify.regions``): zero regions grey, the others
    coloured by their affine map; the support is the union of the coloured ones."""
    import math as _m

    from verify.regions import linear_regions

    plt = _plt()
    domain = Box.cube(2, Fraction(-3, 2), Fraction(3, 2))
    regions = linear_regions(net, domain)
    fig, ax = plt.subplots(figsize=(5.2, 5))
    palette = [c for i, c in enumerate(plt.get_cmap("tab20").colors) if i not in (14, 15)]  # no greys: grey means 0
    zero = 0
    for k, region in enumerate(regions):
        pts = [(float(x), float(y)) for x, y in region.polyhedron.vertices()]
        cx, cy = sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
        pts.sort(key=lambda p: _m.atan2(p[1] - cy, p[0] - cx))
        is_zero = not any(region.map.weight[0]) and region.map.bias[0] == 0
        zero += is_zero
        ax.fill(*zip(*pts), color="0.85" if is_zero else palette[k % len(palette)], ec="k", lw=0.3)
    ax.plot([-1, 1, 1, -1, -1], [-1, -1, 1, 1, -1], "k--", lw=1.2)
    ax.set_xlim(-1.5, 1.5)
    ax.set_ylim(-1.5, 1.5)
    ax.set_aspect("equal")
    ax.set_title(f"Exact linear regions of a 2-D ReLU approximant\n({net.num_neurons} neurons, {len(regions)} regions)")
    fig.tight_layout()
    fig.savefig(out / "regions.png", dpi=110)
    plt.close(fig)
    return Figure(
        "regions.png",
        "Exact linear regions (verify.regions) of the Q1 approximant of f(x)f(y) on [-3/2, 3/2]^2: "
        "grey where the network is exactly 0, coloured where its affine map is nonzero; dashed: K = [-1, 1]^2.",
        [f"{len(regions)} regions, {zero} with the zero map, {len(regions) - zero} carrying the support"],
    )


def figure_distance(out: Path, quick: bool) -> Figure:
    """Refined distance of ReLU approximants and analytic fits against the number of neurons."""
    plt = _plt()
    hs = [Fraction(1, 2), Fraction(1, 4), Fraction(1, 8)] + ([] if quick else [Fraction(1, 16), Fraction(1, 32)])
    widths = [4, 8, 16] + ([] if quick else [32, 64])
    from verify.support import prove_support_in  # type: ignore[attr-defined]

    relu = [(relu_approximant(h), h) for h in hs]
    proofs = [prove_support_in(g, K).status.value for g, _ in relu]
    rx = [g.num_neurons for g, _ in relu]
    ry = [refined_distance_numeric(g, dsupp_g=1) for g, _ in relu]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.loglog(rx, ry, "C0o-", label="ReLU approximants (dsupp = 1)")
    facts = [
        f"ReLU, h = {h}: {g.num_neurons} neurons, supp in K {p.upper()}, d_tau ~ {d:.3g}"
        for (g, h), d, p in zip(relu, ry, proofs)
    ]
    for i, act in enumerate(["gelu", "sigmoid"]):
        gs = [fit_network(target, activation=act, width=w) for w in widths]
        gy = [refined_distance_numeric(g, dsupp_g=math.inf) for g in gs]
        ax.loglog([g.num_neurons for g in gs], gy, f"C{i + 1}s-", label=f"{act} fits (dsupp = inf)")
        facts += [f"{act}, width {w}: d_tau ~ {d:.3g} (>= 1/2: dsupp = inf)" for w, d in zip(widths, gy)]
    ax.axhline(0.5, color="0.5", ls=":", label="1/2 = |2^-1 - 2^-inf|")
    ax.set_xlabel("neurons")
    ax.set_ylabel("d_tau(f, network)")
    ax.legend(fontsize=8)
    ax.set_title("Refined distance against size")
    fig.tight_layout()
    fig.savefig(out / "distance.png", dpi=110)
    plt.close(fig)
    return Figure(
        "distance.png",
        "d_tau = d_loc (trapezoid rule, illustration) + |2^-dsupp f - 2^-dsupp g| (exact): the ReLU "
        "approximants converge; the analytic fits stay above 1/2.",
        facts,
    )


def build_figures(out: Path, *, quick: bool = True) -> list[Figure]:
    """All figures of the report, written into ``out``."""
    from verify.support import prove_support_in  # type: ignore[attr-defined]

    out.mkdir(parents=True, exist_ok=True)
    relu = relu_approximant(Fraction(1, 8))
    proof = prove_support_in(relu, K)
    fits = {
        "GELU": fit_network(target, activation="gelu", width=12),
        "sigmoid": fit_network(target, activation="sigmoid", width=12),
    }
    figures = [figure_target(out, relu, fits), figure_leak(out, proof, fits)]
    figures[0].facts.append(f"ReLU approximant (h = 1/8): supp in K = {K}: {proof.status.value.upper()}")
    figures.append(figure_regions(out, relu_approximant(Fraction(1, 4), dim=2)))
    figures.append(figure_distance(out, quick))
    return figures


def write_report(out: str | Path, results: Sequence[Any], *, quick: bool = True, edges: Sequence[Any] = ()) -> Path:
    """Write ``report.md`` and its PNGs into ``out``; ``results`` are :class:`theorems.Result` objects,
    ``edges`` the counterexample searches (:class:`theorems.Edge`)."""
    out = Path(out)
    start = time.perf_counter()
    figures = build_figures(out, quick=quick)
    lines = [
        "# netproof theorems report",
        "",
        "Each statement of MATH.md checked on concrete instances by exact engines (PROVED carries a certificate). "
        "Source tags: [P-v1]/[P-v2] the paper's abstracts, [SEC] a secondary note, [STD] standard results, "
        "[RECON] our reconstructions (not the paper's text).",
        "",
        "| statement | source | instances | proved | refuted | unknown | time (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        c = r.counts
        lines.append(
            f"| `{r.name}` | {r.source} | {len(r.verdicts)} | {c['proved']} | {c['refuted']} | {c['unknown']} | "
            f"{r.seconds:.2f} |" + (f" error: {r.error}" if r.error else "")
        )
    for r in results:
        for label, v in zip(r.labels, r.verdicts):
            if not v.proved:
                lines.append(f"- `{r.name}` / {label}: **{v.status.value}** {v.reason}")
    if edges:
        lines += [
            "",
            "## Hypotheses that cannot be dropped",
            "",
            "Each search drops one hypothesis and finds a counterexample to the weakened statement (exact witnesses).",
            "",
        ]
        for e in edges:
            shown = e.verdict.summary() if e.verdict is not None else "NOT FOUND " + e.error
            lines.append(f"- `{e.name}` without *{e.dropped}*: {shown}")
    lines += ["", "## The separation phenomenon", ""]
    for fig in figures:
        lines += [f"![{fig.caption}]({fig.path})", "", f"*{fig.caption}*", ""] + [f"- {f}" for f in fig.facts] + [""]
    lines.append(f"_Figures built in {time.perf_counter() - start:.1f} s._")
    (out / "report.md").write_text("\n".join(lines) + "\n")
    return out / "report.md"
