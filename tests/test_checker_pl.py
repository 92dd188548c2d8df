"""The independent checker for PL certificates: valid ones pass, every kind of tampering is rejected."""

from __future__ import annotations

import copy
import json
from fractions import Fraction as F
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.box import Box
from verify.checker import check, explain
from verify.network import Network
from verify.strategies import relu_networks
from verify.support import prove_support_in

HAT = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
HALF = F(1, 2)
DIAMOND = Network.mlp([[[1, 0], [-1, 0], [0, 1], [0, -1]], [[-1, -1, -1, -1]], [[1]]],
                      [[-HALF, HALF, -HALF, HALF], [HALF], [0]])
# a hat-pyramid in 2-D, compact by cancellation: its proof bounds the two coordinate groups separately
H2 = Network.mlp([[[1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 1]], [[1, -2, 1, 1, -2, 1]], [[1]]],
                 [[1, 0, -1, 1, 0, -1], [-1], [0]])
# relu(hat(x) - 1/2): one group of parallel units, proved by a lemma (local splits)
TOP = Network.mlp([[[1], [1], [1]], [[1, -2, 1]], [[1]]], [[1, 0, -1], [-HALF], [0]])


def cert(net: Network, K: Any) -> dict[str, Any]:
    v = prove_support_in(net, K)
    doc = json.loads(v.to_json())
    assert check(doc), explain(doc)
    return doc


def walk(node: dict[str, Any]):  # type: ignore[no-untyped-def]
    yield node
    for rec in node["seq"]:
        if "lemma" in rec:
            yield from walk(rec["lemma"])
        for g in rec.get("groups", []):
            if "tree" in g:
                yield from walk(g["tree"])
    for child in node.get("split", []):
        yield from walk(child)


def records(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    trees = doc["evidence"]["trees"] + [g["tree"] for g in doc["evidence"].get("globals", [])]
    return [rec for tree in trees for n in walk(tree) for rec in n["seq"] if rec.get(key)]


@pytest.mark.parametrize("net, K", [(HAT, Box([-1], [1])), (DIAMOND, Box([0, 0], [1, 1])), (H2, Box([-1, -1], [1, 1])),
                                    (TOP, Box([-HALF], [HALF]))])
def test_valid_certificates_check_and_use_every_rule(net: Network, K: Box) -> None:
    doc = cert(net, K)
    assert doc["status"] == "proved"


def test_lemmas_groups_and_relaxations_appear() -> None:
    assert records(cert(H2, Box([-1, -1], [1, 1])), "groups")
    assert records(cert(TOP, Box([-HALF], [HALF])), "lemma")
    assert records(cert(DIAMOND, Box([0, 0], [1, 1])), "relax")
    assert prove_support_in(TOP, Box([-HALF], [F(2, 5)])).refuted


def test_tampered_group_bounds_are_rejected() -> None:
    doc = cert(H2, Box([-1, -1], [1, 1]))
    for tamper in ("bound", "drop", "move", "sign"):
        bad = copy.deepcopy(doc)
        rec = records(bad, "groups")[0]
        if tamper == "bound":
            rec["groups"][-1]["bound"] = str(F(rec["groups"][-1]["bound"]) - 1)
        elif tamper == "drop":
            rec["groups"].pop()
        elif tamper == "move":
            rec["groups"][-1]["inputs"].append(rec["groups"][-2]["inputs"].pop())
        else:
            rec["sign"] = -rec["sign"]
        assert not check(bad), tamper


def test_global_lemmas_are_checked_and_tampering_rejected() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench_support import bumps

    net, K = bumps(2, 4, 7, False, "hat")
    doc = cert(net, K)
    assert doc["evidence"]["globals"]
    refs = [g for rec in records(doc, "groups") for g in rec["groups"] if "global" in g]
    assert refs
    for tamper in ("bound", "index", "global-tree", "global-bound"):
        bad = copy.deepcopy(doc)
        ref = [g for rec in records(bad, "groups") for g in rec["groups"] if "global" in g][0]
        if tamper == "bound":
            ref["bound"] = str(F(ref["bound"]) - 1)
        elif tamper == "index":
            ref["global"] = (ref["global"] + 1) % (len(bad["evidence"]["globals"]) + 1)
            if bad["evidence"]["globals"][ref["global"] % len(bad["evidence"]["globals"])]["inputs"] == ref["inputs"]:
                ref["global"] = len(bad["evidence"]["globals"])
        elif tamper == "global-tree":
            bad["evidence"]["globals"][0]["tree"]["split"].pop()
        else:
            g0 = bad["evidence"]["globals"][0]
            g0["bound"] = str(F(g0["bound"]) - 1)
        assert not check(bad), tamper


@pytest.mark.parametrize("net, K, key", [(HAT, Box([-1], [1]), "hi"), (DIAMOND, Box([0, 0], [1, 1]), "hi"),
                                         (TOP, Box([-HALF], [HALF]), "hi")])
def test_wrong_multiplier_is_rejected(net: Network, K: Box, key: str) -> None:
    doc = cert(net, K)
    for rec in records(doc, key):
        if rec[key]:
            bad = copy.deepcopy(doc)
            target = records(bad, key)[records(doc, key).index(rec)]
            target[key][0][1] = str(F(target[key][0][1]) * 2 + 1)
            assert not check(bad)
            target[key][0][1] = "-1"
            assert not check(bad)
            return
    pytest.fail("no multiplier to tamper with")


def test_dropped_leaf_or_tree_is_rejected() -> None:
    doc = cert(HAT, Box([-1], [1]))
    bad = copy.deepcopy(doc)
    bad["evidence"]["trees"].pop()
    assert not check(bad)
    bad = copy.deepcopy(doc)
    splits = [n for t in bad["evidence"]["trees"] for n in walk(t) if n.get("split")]
    if splits:
        splits[0]["split"].pop()
        assert not check(bad)
    doc = cert(TOP, Box([-HALF], [HALF]))
    bad = copy.deepcopy(doc)
    lemma = records(bad, "lemma")[0]["lemma"]
    leaves = [n for n in walk(lemma) if n.get("split")]
    leaves[0]["split"][0]["leaf"] = "map"  # a lemma leaf turned into an output leaf
    assert not check(bad)


def test_changed_piece_or_claim_is_rejected() -> None:
    doc = cert(DIAMOND, Box([0, 0], [1, 1]))
    bad = copy.deepcopy(doc)
    rec = records(bad, "relax")[0]
    rec["pieces"] = [1, 1]
    assert not check(bad)
    bad = copy.deepcopy(doc)
    bad["claim"]["data"]["box"]["upper"] = ["1", "9/10"]  # the same proof for a smaller K
    assert not check(bad)
    bad = copy.deepcopy(doc)
    bad["status"] = "unknown"
    assert not check(bad)


def test_refuted_witness_tampering_is_rejected() -> None:
    v = prove_support_in(HAT, Box([-1], [HALF]))
    doc = json.loads(v.to_json())
    assert v.refuted and check(doc)
    bad = copy.deepcopy(doc)
    bad["witness"]["point"] = ["1/4"]  # inside K
    assert not check(bad)
    bad["witness"]["point"] = ["5"]  # outside K but f = 0 there
    assert not check(bad)
    bad["witness"]["point"] = ["1/2", "0"]  # wrong dimension
    assert not check(bad)


def test_malformed_certificates_are_rejected() -> None:
    doc = cert(HAT, Box([-1], [1]))
    bad = copy.deepcopy(doc)
    del bad["evidence"]["trees"]
    assert not check(bad) and "malformed" in explain(bad)
    bad = copy.deepcopy(doc)
    bad["evidence"]["trees"][0]["seq"][0]["unit"] = [7, 0]
    assert not check(bad)
    assert not check("not json")


def _multiplier_slots(doc: dict[str, Any]) -> list[list[Any]]:
    """Every [index, value] multiplier pair in a certificate (decisions, group leaves, null roots)."""
    out: list[list[Any]] = []

    def visit(obj: Any) -> None:
        if isinstance(obj, dict):
            for key, val in obj.items():
                if key in ("lo", "hi", "y", "empty") and isinstance(val, list):
                    out.extend(val)
                else:
                    visit(val)
        elif isinstance(obj, list):
            for v in obj:
                visit(v)

    visit(doc["evidence"])
    return out


@settings(max_examples=40, deadline=None)
@given(relu_networks(input_dim=2, max_depth=3, max_width=3, activations=("relu", "abs", "hardtanh")),
       st.integers(-2, 1), st.integers(1, 3), st.integers(0, 10**6))
def test_every_multiplier_matters(net: Network, a: int, side: int, seed: int) -> None:
    v = prove_support_in(net, Box([a, a], [a + side, a + side]))
    doc = json.loads(v.to_json())
    assert check(doc), explain(doc)
    slots = _multiplier_slots(doc)
    if v.proved and slots:
        import random

        slot = random.Random(seed).choice(slots)
        slot[1] = str(F(slot[1]) + 1)
        assert not check(doc)
