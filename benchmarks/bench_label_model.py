"""Time mlkit's LabelModel, and compare its accuracy with majority vote and snorkel's.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/bench_label_model.py [--runs N]

It prints two Markdown tables; benchmarks/RESULTS.md keeps the recorded ones.

1. Fit time (median of N runs after a warm-up, one thread) at 1e4, 1e5 and 1e6 rows
   by 10 and 50 LFs, with the accuracy against the simulated truth, the largest
   error of the estimated LF accuracies, the majority vote's accuracy (mlkit's
   and snorkel's ``MajorityLabelVoter``, ties abstaining, which must agree) and
   time, and the peak memory of a fit.
2. Accuracy on the label matrices of the snorkel comparison and on the spam case's
   LFs.

Accuracies are on the rows at least one LF votes on, a prediction of ABSTAIN
counting as wrong; "random ties" breaks ties at random (seed 0). snorkel's numbers
come from benchmarks/peers/label_model_snorkel.json, written by the script beside
it in the peers' environment, with torch (``make bench`` runs it first); they are
shown where its matrix is the same (same recipe and checksum).

The snorkel script also times mlkit's fit in its own process, the two fits' runs
interleaved, so that their ratio holds on a shared machine where the load
changes between the two scripts: "snorkel / mlkit" is that ratio.

Peak memory of a fit, two ways: the harness's ``peak_mb`` (``tracemalloc``: numpy
and Python allocations, not torch's tensors, so snorkel's reads low) and the
growth of resident memory during the first fit (``_data.rss_peak_mb``, which sees
every allocation, torch's too), measured on each side alike.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
from pathlib import Path

# One thread, before numpy loads its BLAS.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np
from _data import rss_peak_mb
from _harness import machine, peak_mb, timed
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
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    peer = load_peer()
    record = json.loads(PEER_JSON.read_text()) if PEER_JSON.exists() else {}

    timing_rows = []
    memory_rows = []
    with threadpool_limits(limits=1):
        for n, m in peer.TIMING_SIZES:
            spec = peer.timing_spec(n, m)
            L, y = peer.make_matrix(spec)
            theirs = snorkel_entry(record.get("timing", []), spec, peer.checksum(L))
            rss = rss_peak_mb(lambda L=L: LabelModel().fit(L))  # the first fit
            traced = peak_mb(lambda L=L: LabelModel().fit(L))
            seconds = timed(lambda L=L: LabelModel().fit(L), args.runs)
            vote_seconds = timed(lambda L=L: majority_vote(L), args.runs)
            model = LabelModel().fit(L)
            covered = (L != -1).any(axis=1)
            ours = peer.scores(model.predict(L), y, covered)["accuracy_covered"]
            random_ties = peer.scores(
                majority_vote(L, tie_break="random", random_state=0), y, covered
            )["accuracy_covered"]
            voted = peer.scores(majority_vote(L), y, covered)["accuracy_covered"]
            error = float(np.abs(model.accuracies_ - true_accuracies(spec)).max())
            distinct = len(np.unique(L, axis=0)) if n * m <= 10_000_000 else None
            their_fit = their_accuracy = their_vote = their_vote_seconds = None
            ratio = None
            if theirs is not None:
                their_fit = theirs["label_model"]["fit_seconds"]
                beside = theirs["label_model"].get("mlkit_fit_seconds_interleaved")
                ratio = beside and their_fit / beside
                their_accuracy = theirs["label_model"]["accuracy_covered"]
                their_vote = theirs["majority_vote"]["accuracy_covered"]
                their_vote_seconds = theirs["majority_vote"].get("predict_seconds")
                # The two majority votes with ties abstaining are the same rule.
                assert abs(their_vote - voted) <= 1e-12, (n, m, their_vote, voted)
            timing_rows.append(
                f"| {n:,} x {m} | {cell(distinct, '{:,}')} | {seconds:.3f} | "
                f"{cell(their_fit, '{:.3f}')} | "
                f"{cell(ratio, '{:.1f}x')} | "
                f"{model.n_iter_} | {ours:.4f} | {cell(their_accuracy)} | "
                f"{voted:.4f} | {cell(their_vote)} | {random_ties:.4f} | {error:.3f} |"
            )
            their_memory = theirs["label_model"] if theirs else {}
            memory_rows.append(
                f"| {n:,} x {m} | {traced:.0f} | "
                f"{cell(their_memory.get('peak_mb_tracemalloc'), '{:.0f}')} | "
                f"{cell(rss, '{:.0f}')} | "
                f"{cell(their_memory.get('peak_mb_rss_first_fit'), '{:.0f}')} | "
                f"{vote_seconds:.4f} | {cell(their_vote_seconds, '{:.2f}')} |"
            )

        print(
            f"Machine: {machine()}; one thread; median of {args.runs} fits after a "
            f"warm-up. snorkel: {record.get('versions')}, "
            f"{record.get('fit_timing', 'median of 3 fits')}.\n"
        )
        print(
            "| rows x LFs | distinct rows | mlkit fit (s) | snorkel fit (s) "
            "| snorkel / mlkit | EM iterations | mlkit accuracy | snorkel accuracy "
            "| majority vote, mlkit | snorkel `MajorityLabelVoter` "
            "| majority vote, random ties | largest error of estimated LF accuracy "
            "|\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        )
        print("\n".join(timing_rows))
        print(
            "\n| rows x LFs | peak MB of a fit, tracemalloc: mlkit | snorkel "
            "| resident memory growth, first fit (MB): mlkit | snorkel "
            "| majority vote (s): mlkit | snorkel (one run) "
            "|\n|---|---:|---:|---:|---:|---:|---:|"
        )
        print("\n".join(memory_rows))

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
