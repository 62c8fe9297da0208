"""Snorkel's label model on the label matrices that mlkit's LabelModel is tested on.

snorkel needs torch, which must not enter the project's environment, so this script
runs in the peers' environment (``benchmarks/peers/peers.txt``, built by
``benchmarks/peers/setup.sh``; ``make bench`` builds it and runs this). From the
repository root:

    PYTHONPATH=. .venv-peers/bin/python benchmarks/peers/label_model_snorkel.py

It rebuilds each seeded label matrix with mlkit's own simulators (so mlkit is imported
from the checkout, with no torch in sight), fits snorkel's ``LabelModel`` (default
settings, ``n_epochs=500`` and ``seed=123`` as in snorkel's tutorials) and runs its
``MajorityLabelVoter``, and writes their accuracies and fit times to
``label_model_snorkel.json`` beside this file, with each matrix's recipe and a
checksum. ``tests/test_labeling_weak.py`` rebuilds the same matrices, checks the
checksums, and requires mlkit's LabelModel to be at least as accurate.

The fit times (``timing``: 1e4, 1e5 and 1e6 rows by 10 and 50 LFs) are the
median of 5 fits after a warm-up, one thread; each entry also has the peak
memory of a fit (``tracemalloc``, which does not see torch's tensors, and the
growth of resident memory during the first fit, which does) and the seconds of
one ``MajorityLabelVoter.predict`` (a Python loop over rows and LFs).

If the spam case's ``hooks.py`` has a ``labeling_functions()`` returning LFs, their
label matrix on the spam data is compared too, against the gold ``CLASS`` labels.

Accuracies (each a share of rows; a prediction of ABSTAIN counts as wrong):

- ``accuracy_covered``: on the rows where at least one LF votes, the same rows for
  every model: rows without a vote carry no information from the LFs;
- ``accuracy_all``: on every row;
- ``accuracy_non_abstain``: on the rows where the model does not abstain, as
  snorkel's ``score`` reports it;
- ``coverage``: the share of rows where the model does not abstain.

Predictions break ties by abstaining (``tie_break_policy="abstain"``).
"""

from __future__ import annotations

import hashlib
import json
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "label_model_snorkel.json"
N_EPOCHS = 500
SEED = 123

#: The matrices of the accuracy comparison: LFs of known accuracy and coverage
#: ("accuracy"), or LFs that each vote one class, like keyword rules ("one_class").
MATRICES: list[dict[str, Any]] = [
    {
        "name": "binary, diverse accuracies",
        "kind": "accuracy",
        "n": 100_000,
        "accuracies": [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.55],
        "coverages": [0.3, 0.5, 0.4, 0.6, 0.5, 0.7, 0.6, 0.5, 0.8, 0.4],
        "cardinality": 2,
        "class_balance": None,
        "random_state": 1,
    },
    {
        "name": "binary, accurate LFs abstain 80-95 %",
        "kind": "accuracy",
        "n": 100_000,
        "accuracies": [0.95, 0.92, 0.9, 0.85, 0.65, 0.6, 0.6, 0.55],
        "coverages": [0.05, 0.1, 0.15, 0.2, 0.6, 0.7, 0.6, 0.8],
        "cardinality": 2,
        "class_balance": None,
        "random_state": 2,
    },
    {
        "name": "binary, 80/20 classes",
        "kind": "accuracy",
        "n": 100_000,
        "accuracies": [0.9, 0.85, 0.8, 0.7, 0.65, 0.6, 0.6],
        "coverages": [0.2, 0.3, 0.4, 0.5, 0.6, 0.5, 0.7],
        "cardinality": 2,
        "class_balance": [0.8, 0.2],
        "random_state": 3,
    },
    {
        "name": "binary, 20 LFs, all abstain 85-95 %",
        "kind": "accuracy",
        "n": 100_000,
        "accuracies": [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5] * 2,
        "coverages": [0.05, 0.1, 0.15] * 6 + [0.1, 0.05],
        "cardinality": 2,
        "class_balance": None,
        "random_state": 4,
    },
    {
        "name": "3 classes, diverse accuracies",
        "kind": "accuracy",
        "n": 100_000,
        "accuracies": [0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4],
        "coverages": [0.3, 0.2, 0.5, 0.6, 0.7, 0.5, 0.6, 0.8],
        "cardinality": 3,
        "class_balance": None,
        "random_state": 5,
    },
    {
        "name": "3 classes, accurate LFs abstain 80-95 %",
        "kind": "accuracy",
        "n": 100_000,
        "accuracies": [0.95, 0.9, 0.9, 0.85, 0.6, 0.55, 0.5, 0.5],
        "coverages": [0.05, 0.08, 0.1, 0.2, 0.6, 0.7, 0.6, 0.5],
        "cardinality": 3,
        "class_balance": [0.5, 0.3, 0.2],
        "random_state": 6,
    },
    {
        "name": "binary, one-class LFs (keyword rules)",
        "kind": "one_class",
        "n": 100_000,
        "classes": [1, 1, 1, 1, 0, 0, 0, 0],
        "hit_rates": [0.4, 0.3, 0.2, 0.5, 0.3, 0.25, 0.1, 0.6],
        "false_rates": [0.03, 0.05, 0.02, 0.15, 0.05, 0.08, 0.01, 0.3],
        "cardinality": 2,
        "class_balance": None,
        "random_state": 7,
    },
    {
        "name": "binary, one-class LFs, 70/30 classes",
        "kind": "one_class",
        "n": 100_000,
        "classes": [1, 1, 1, 1, 0, 0, 0, 0],
        "hit_rates": [0.4, 0.3, 0.2, 0.5, 0.3, 0.25, 0.1, 0.6],
        "false_rates": [0.03, 0.05, 0.02, 0.15, 0.05, 0.08, 0.01, 0.3],
        "cardinality": 2,
        "class_balance": [0.7, 0.3],
        "random_state": 8,
    },
]

#: The fit-time sizes of benchmarks/bench_label_model.py: (rows, LFs).
TIMING_SIZES = [(n, m) for m in (10, 50) for n in (10_000, 100_000, 1_000_000)]
#: Fits timed per size, after a warm-up.
TIMING_RUNS = 5


def timing_spec(n: int, m: int) -> dict[str, Any]:
    """The matrix that bench_label_model.py times at ``n`` rows by ``m`` LFs."""
    coverages = [0.05, 0.1, 0.2, 0.4, 0.6] if m <= 10 else [0.01, 0.02, 0.05, 0.1]
    return {
        "name": f"{n:,} rows x {m} LFs",
        "kind": "accuracy",
        "n": n,
        "accuracies": np.linspace(0.55, 0.95, m).round(4).tolist(),
        "coverages": np.resize(coverages, m).tolist(),
        "cardinality": 2,
        "class_balance": None,
        "random_state": 0,
    }


def make_matrix(spec: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The label matrix and true classes that ``spec`` describes, from mlkit's simulators."""
    from mlkit.labeling._weak import _simulate_label_matrix, _simulate_one_class_lfs

    common = {
        "cardinality": spec["cardinality"],
        "class_balance": spec["class_balance"],
        "random_state": spec["random_state"],
    }
    if spec["kind"] == "accuracy":
        return _simulate_label_matrix(
            spec["n"], spec["accuracies"], spec["coverages"], **common
        )
    return _simulate_one_class_lfs(
        spec["n"], spec["classes"], spec["hit_rates"], spec["false_rates"], **common
    )


def checksum(L: np.ndarray) -> str:
    """sha256 of the matrix's shape and int64 values, to tell that a rebuild is identical."""
    array = np.ascontiguousarray(L, dtype=np.int64)
    return hashlib.sha256(str(array.shape).encode() + array.tobytes()).hexdigest()


def scores(pred: np.ndarray, y: np.ndarray, covered: np.ndarray) -> dict[str, float]:
    """The accuracies of the module docstring."""
    right = pred == y
    answered = pred != -1
    return {
        "accuracy_covered": float(right[covered].mean()),
        "accuracy_all": float(right.mean()),
        "accuracy_non_abstain": float(right[answered].mean())
        if answered.any()
        else 0.0,
        "coverage": float(answered.mean()),
    }


def run_snorkel(L: np.ndarray, y: np.ndarray, k: int, runs: int = 1) -> dict[str, Any]:
    """snorkel's fit (median of ``runs``, after a warm-up when ``runs`` > 1) and votes.

    With ``runs`` > 1 the entry also holds the memory of a fit, the time of one
    majority vote, and mlkit's ``LabelModel().fit`` timed in this process with
    its runs interleaved with snorkel's (the checkout's mlkit, on this
    environment's numpy, pandas, scipy and scikit-learn, the project's
    versions): on a shared machine their ratio holds when the load changes.
    """
    from snorkel.labeling.model import LabelModel, MajorityLabelVoter

    def fit() -> LabelModel:
        model = LabelModel(cardinality=k, verbose=False)
        model.fit(L, n_epochs=N_EPOCHS, seed=SEED, log_freq=100, progress_bar=False)
        return model

    covered = (L != -1).any(axis=1)
    extra: dict[str, Any] = {}
    if runs > 1:
        from _data import rss_peak_mb
        from _harness import peak_mb

        extra["peak_mb_rss_first_fit"] = rss_peak_mb(fit)  # also the warm-up
        extra["peak_mb_tracemalloc"] = peak_mb(fit)
    times = []
    ours = []
    for run in range(runs):
        if runs > 1 and run == 0:
            mlkit_fit(L)  # its warm-up
        start = time.perf_counter()
        model = fit()
        times.append(time.perf_counter() - start)
        if runs > 1:
            start = time.perf_counter()
            mlkit_fit(L)
            ours.append(time.perf_counter() - start)
    pred = model.predict(L, tie_break_policy="abstain")
    voter = MajorityLabelVoter(cardinality=k)
    start = time.perf_counter()
    voted = voter.predict(L, tie_break_policy="abstain")
    vote_seconds = time.perf_counter() - start
    if runs > 1:
        extra["fit_runs"] = runs
        extra["fit_seconds_all"] = times
        extra["mlkit_fit_seconds_interleaved"] = statistics.median(ours)
    return {
        "label_model": {
            **scores(pred, y, covered),
            "fit_seconds": statistics.median(times),
            "estimated_accuracies": model.get_weights().round(4).tolist(),
            **extra,
        },
        "majority_vote": {**scores(voted, y, covered), "predict_seconds": vote_seconds},
    }


def mlkit_fit(L: np.ndarray) -> None:
    from mlkit.labeling import LabelModel

    LabelModel().fit(L)


def spam_case() -> dict[str, Any]:
    """Both models on the spam case's own LFs, if its hooks provide them."""
    import mlkit as mk
    from mlkit.labeling import apply_lfs

    case = mk.cases.load("spam")
    hooks = case.hooks
    make_lfs = getattr(hooks, "labeling_functions", None) if hooks else None
    if not callable(make_lfs):
        return {
            "available": False,
            "reason": "the spam case's hooks.py has no labeling_functions()",
        }
    df = case.load_data()
    lfs = list(make_lfs())
    L = apply_lfs(lfs, df, progress=False)
    y = df[case.spec.target].to_numpy().astype(np.int64)
    return {
        "available": True,
        "lf_names": [lf.name for lf in lfs],
        "shape": list(L.shape),
        "sha256": checksum(L),
        "label_coverage": float((L != -1).any(axis=1).mean()),
        "snorkel": run_snorkel(L, y, 2),
    }


def lf_summary_reference() -> dict[str, Any]:
    """snorkel's LFAnalysis.lf_summary on part of a matrix, for mlkit's lf_summary test."""
    from snorkel.labeling import LFAnalysis

    spec = MATRICES[5]
    L, y = make_matrix(spec)
    L, y = L[:2000], y[:2000]
    table = LFAnalysis(L).lf_summary(Y=y)
    return {
        "matrix": spec["name"],
        "rows": 2000,
        "sha256": checksum(L),
        "polarity": [list(map(int, p)) for p in table["Polarity"]],
        "coverage": table["Coverage"].tolist(),
        "overlaps": table["Overlaps"].tolist(),
        "conflicts": table["Conflicts"].tolist(),
        "correct": [int(v) for v in table["Correct"]],
        "incorrect": [int(v) for v in table["Incorrect"]],
        "empirical_accuracy": table["Emp. Acc."].tolist(),
    }


def main() -> None:
    import logging

    import snorkel
    import torch
    from threadpoolctl import threadpool_limits

    # One thread, like mlkit's benchmark; snorkel's fit logs at INFO only.
    torch.set_num_threads(1)
    sys.path.insert(0, str(HERE.parent))  # _harness and _data
    from _harness import machine

    logging.getLogger().setLevel(logging.WARNING)
    result: dict[str, Any] = {
        "generated": date.today().isoformat(),
        "versions": {
            "snorkel": snorkel.__version__,
            "torch": torch.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "machine": f"{platform.platform()}, one thread",
        "fit_timing": f"median of {TIMING_RUNS} fits after a warm-up",
        "settings": {
            "LabelModel": f"defaults, fit(n_epochs={N_EPOCHS}, seed={SEED})",
            "tie_break_policy": "abstain",
        },
        "metrics": __doc__.split("Accuracies")[1].strip(),
        "matrices": [],
        "timing": [],
    }
    with threadpool_limits(limits=1):
        for spec in MATRICES:
            L, y = make_matrix(spec)
            entry = {
                "spec": spec,
                "sha256": checksum(L),
                "snorkel": run_snorkel(L, y, spec["cardinality"]),
            }
            result["matrices"].append(entry)
            print(spec["name"], entry["snorkel"]["label_model"]["accuracy_covered"])
        for n, m in TIMING_SIZES:
            spec = timing_spec(n, m)
            L, y = make_matrix(spec)
            entry = {
                "spec": spec,
                "sha256": checksum(L),
                "snorkel": run_snorkel(L, y, 2, runs=TIMING_RUNS),
            }
            result["timing"].append(entry)
            print(spec["name"], entry["snorkel"]["label_model"]["fit_seconds"])
        result["lf_summary"] = lf_summary_reference()
        result["spam"] = spam_case()
    result["machine_detail"] = machine()
    OUTPUT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {OUTPUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
