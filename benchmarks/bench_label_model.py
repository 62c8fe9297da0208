"""Time mlkit's LabelModel, and compare its accuracy with majority vote and snorkel's.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/bench_label_model.py [--runs N]

It prints two Markdown tables; benchmarks/RESULTS.md keeps the recorded ones.

1. Fit time (median of N runs after a warm-up, one thread) at 1e4, 1e5 and 1e6 rows
   by 10 LFs and 1e5 rows by 50 LFs, with the accuracy against the simulated truth
   and the largest error of the estimated LF accuracies.
2. Accuracy on the label matrices of the snorkel comparison and on the spam case's
   LFs.

Accuracies are on the rows at least one LF votes on, a prediction of ABSTAIN
counting as wrong; majority vote breaks ties at random (seed 0). snorkel's numbers
come from benchmarks/peers/label_model_snorkel.json, written by the script beside
it in an environment with torch; they are shown where its matrix is the same.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import time
from pathlib import Path

# One thread, before numpy loads its BLAS.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np
from threadpoolctl import threadpool_limits

import mlkit as mk
from mlkit.labeling import LabelModel, apply_lfs, majority_vote

HERE = Path(__file__).resolve().parent
PEER_SCRIPT = HERE / "peers" / "label_model_snorkel.py"
PEER_JSON = HERE / "peers" / "label_model_snorkel.json"


def load_peer():
    """The snorkel script as a module: its matrix recipes, without importing snorkel."""
    spec = importlib.util.spec_from_file_location("label_model_snorkel", PEER_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(function, runs: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def true_accuracies(spec: dict) -> np.ndarray:
    if spec["kind"] == "accuracy":
        return np.asarray(spec["accuracies"])
    balance = np.asarray(spec["class_balance"] or [0.5, 0.5])
    p = balance[np.asarray(spec["classes"])]
    hit, false = np.asarray(spec["hit_rates"]), np.asarray(spec["false_rates"])
    return p * hit / (p * hit + (1 - p) * false)


def snorkel_entry(entries: list[dict], spec: dict, sha: str) -> dict | None:
    for entry in entries:
        if entry["spec"] == spec and entry["sha256"] == sha:
            return entry["snorkel"]
    return None


def cell(value: float | None, pattern: str = "{:.4f}") -> str:
    return "" if value is None else pattern.format(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    peer = load_peer()
    record = json.loads(PEER_JSON.read_text()) if PEER_JSON.exists() else {}

    print(
        f"Machine: {platform.platform()}, Python {platform.python_version()}; "
        f"mlkit {mk.__version__}; one thread; median of {args.runs} fits after a "
        "warm-up.\n"
    )
    print(
        "| rows x LFs | distinct rows | mlkit fit (s) | EM iterations | mlkit accuracy "
        "| majority vote | largest error of estimated LF accuracy | snorkel fit (s) "
        "| snorkel accuracy |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    with threadpool_limits(limits=1):
        for n, m in peer.TIMING_SIZES:
            spec = peer.timing_spec(n, m)
            L, y = peer.make_matrix(spec)
            seconds = timed(lambda L=L: LabelModel().fit(L), args.runs)
            model = LabelModel().fit(L)
            covered = (L != -1).any(axis=1)
            ours = peer.scores(model.predict(L), y, covered)["accuracy_covered"]
            voted = peer.scores(
                majority_vote(L, tie_break="random", random_state=0), y, covered
            )["accuracy_covered"]
            error = float(np.abs(model.accuracies_ - true_accuracies(spec)).max())
            theirs = snorkel_entry(record.get("timing", []), spec, peer.checksum(L))
            distinct = len(np.unique(L, axis=0)) if n * m <= 10_000_000 else None
            print(
                f"| {n:,} x {m} | {cell(distinct, '{:,}')} | {seconds:.3f} | "
                f"{model.n_iter_} | {ours:.4f} | {voted:.4f} | {error:.3f} | "
                f"{cell(theirs and theirs['label_model']['fit_seconds'], '{:.3f}')} | "
                f"{cell(theirs and theirs['label_model']['accuracy_covered'])} |"
            )

        print(
            "\n| label matrix | mlkit | snorkel | majority vote (random ties) "
            "| majority vote (ties abstain) | mean / largest error of estimated LF "
            "accuracies, mlkit | the same, snorkel |\n|---|---:|---:|---:|---:|---:|---:|"
        )
        for entry in record.get("matrices", []):
            spec = entry["spec"]
            L, y = peer.make_matrix(spec)
            if peer.checksum(L) != entry["sha256"]:
                continue
            covered = (L != -1).any(axis=1)
            model = LabelModel().fit(L)
            truth = true_accuracies(spec)
            ours = np.abs(model.accuracies_ - truth)
            theirs = np.abs(
                np.asarray(entry["snorkel"]["label_model"]["estimated_accuracies"])
                - truth
            )
            print(
                f"| {spec['name']} ({spec['n']:,} rows) | "
                f"{peer.scores(model.predict(L), y, covered)['accuracy_covered']:.4f} | "
                f"{entry['snorkel']['label_model']['accuracy_covered']:.4f} | "
                + f"{peer.scores(majority_vote(L, tie_break='random', random_state=0), y, covered)['accuracy_covered']:.4f} | "
                + f"{peer.scores(majority_vote(L), y, covered)['accuracy_covered']:.4f} | "
                f"{ours.mean():.3f} / {ours.max():.3f} | "
                f"{theirs.mean():.3f} / {theirs.max():.3f} |"
            )
        spam = record.get("spam", {})
        case = mk.cases.load("spam")
        make_lfs = (
            getattr(case.hooks, "labeling_functions", None) if case.hooks else None
        )
        if spam.get("available") and make_lfs is not None:
            df = case.load_data()
            L = apply_lfs(make_lfs(), df, progress=False)
            y = df[case.spec.target].to_numpy()
            if peer.checksum(L) == spam["sha256"]:
                covered = (L != -1).any(axis=1)
                model = LabelModel().fit(L)
                print(
                    f"| spam case, its {L.shape[1]} LFs ({len(L):,} rows, "
                    f"{covered.mean():.0%} covered), gold CLASS | "
                    f"{peer.scores(model.predict(L), y, covered)['accuracy_covered']:.4f} | "
                    f"{spam['snorkel']['label_model']['accuracy_covered']:.4f} | "
                    + f"{peer.scores(majority_vote(L, tie_break='random', random_state=0), y, covered)['accuracy_covered']:.4f} | "
                    + f"{peer.scores(majority_vote(L), y, covered)['accuracy_covered']:.4f} | | |"
                )


if __name__ == "__main__":
    main()
