"""One look for every result: a table, a chart in the house style, and a rich display.

Every subclass of :class:`mlkit._results.Result` defined in mlkit's public modules
needs an example in :data:`EXAMPLES`: a small, seeded call of the public function
that returns it. A new result type without one fails
``test_every_result_type_has_an_example``, so that no result reaches a notebook
unchecked. Each example is then checked for:

- a table: ``to_frame()`` is a DataFrame with rows and text column names;
- a chart: ``chart()`` is an altair chart whose spec validates against Vega-Lite;
- a display: ``_repr_html_()`` holds the table, the chart, the title and the
  explanation, and loads nothing from the internet;
- the house style (:func:`style_problems`): colours from the palette, a title,
  axis titles, readable font sizes;
- aggregation: examples marked ``large`` are built again from 50,000 rows (a
  simulation, from its default size) and their chart must still carry at most
  :data:`MAX_CHART_ROWS` rows of data.

The colours allowed are ``mlkit.charts.PALETTE`` (Okabe and Ito's, safe for
colour-blind readers), ``GREY`` and ``TEXT``, white, black and transparent, and
the few neutral greys of :data:`NEUTRALS`, each used on purpose. A grey has no
hue, so it cannot be confused with a colour of the palette by a colour-blind
reader; a list keeps new shades from creeping in unnoticed.
"""

from __future__ import annotations

import functools
import importlib
import re
import tempfile
from collections.abc import Callable
from html import escape
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest

import mlkit
from mlkit import charts
from mlkit._results import Result

VegaLiteRoot = alt.vegalite.v6.schema.core.Root

#: Most rows of data a chart may carry, whatever the size of its input.
MAX_CHART_ROWS = 5_000
#: Rows of input of the ``large`` variants.
LARGE = 50_000
#: Smallest font size, in pixels, that stays readable in a notebook.
MIN_FONT_SIZE = 10

#: Neutral greys used on purpose, besides ``GREY`` and ``TEXT``.
NEUTRALS = {
    "#555555": "subtitles, and dashed rules that mark a reference value",
    "#777777": "dotted rules at a significance level",
    "#888888": "lines and arrows that connect marks without encoding a value",
    "#E8E8E8": "cells without a value, decisions that did not change",
    "#F7F7F7": "the middle of a diverging scale, the light end of a sequential one",
}
ALLOWED_COLOURS = {
    *(c.upper() for c in charts.PALETTE),
    charts.GREY.upper(),
    charts.TEXT.upper(),
    *NEUTRALS,
    "#FFFFFF",
    "#000000",
    "WHITE",
    "BLACK",
    "TRANSPARENT",
}


# --------------------------------------------------------------------------- examples

#: Result type name -> (factory, size of its large variant or 0 for none). A
#: factory takes the number of rows of its input where that is meaningful.
EXAMPLES: dict[str, tuple[Callable[..., Result], int]] = {}


def example(name: str, *, large: bool | int = False):
    """Register a factory; ``large`` builds it again from LARGE rows (or that many)."""

    def register(factory: Callable[..., Result]) -> Callable[..., Result]:
        assert name not in EXAMPLES, f"two examples for {name}"
        size = LARGE if large is True else int(large)
        EXAMPLES[name] = (factory, size)
        return factory

    return register


def binary_data(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    y = (X["a"] + 0.5 * X["b"] + rng.normal(size=n) > 0).astype(int)
    return X, y


def logistic(X: Any, y: Any) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression().fit(X, y)


def noisy_predictions(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return y, np.where(rng.random(n) < 0.8, y, 1 - y)


@example("Reliability", large=True)
def _reliability(n: int = 2_000) -> Result:
    from mlkit.calibration import reliability

    rng = np.random.default_rng(0)
    p = rng.uniform(size=n)
    return reliability(rng.uniform(size=n) < p, p, n_bins=10)


@example("Calibration", large=True)
def _calibration(n: int = 900) -> Result:
    from mlkit.calibration import calibrate

    X, y = binary_data(n)
    third = n // 3
    model = logistic(X[:third], y[:third])
    return calibrate(
        model,
        X[third : 2 * third],
        y[third : 2 * third],
        method="sigmoid",
        X_eval=X[2 * third :],
        y_eval=y[2 * third :],
    )


@example("ReliabilityComparison", large=True)
def _reliability_comparison(n: int = 2_000) -> Result:
    from mlkit.calibration import compare_reliability

    rng = np.random.default_rng(0)
    p = rng.uniform(size=n)
    y = rng.uniform(size=n) < p
    return compare_reliability(y, np.clip(1.3 * p, 0, 1), p, n_bins=10)


@example("BatchVsOnline")
def _batch_vs_online() -> Result:
    from mlkit.deployment import batch_vs_online

    rng = np.random.default_rng(1)
    n = 600
    user = rng.choice(["a", "b", "c"], n)
    level = pd.Series(rng.normal(size=n)).groupby(user).cumsum()
    X = pd.DataFrame(
        {
            "time": pd.date_range("2024-01-04", periods=n, freq="30min"),
            "user": user,
            "level": level,
        }
    )
    y = (level + rng.normal(scale=0.5, size=n) > 0).astype(int)
    model = logistic(X[["level"]], y)
    return batch_vs_online(model, X, y, time="time", entity="user")


@example("CompressionComparison")
def _compression() -> Result:
    from mlkit.deployment import compare_compression

    X, y = binary_data(400)
    model = logistic(X[:300], y[:300])
    return compare_compression(model, X[:300], y[:300], X[300:], y[300:])


@example("LatencyProfile")
def _latency() -> Result:
    from sklearn.tree import DecisionTreeRegressor

    from mlkit.deployment import latency_profile

    X, _ = binary_data(200)
    model = DecisionTreeRegressor(max_depth=3).fit(X, X["a"])
    return latency_profile(model, X, batch_sizes=(1, 10), n_requests=10, repeats=1)


@example("SkewReport", large=True)
def _skew(n: int = 300) -> Result:
    from mlkit.deployment import skew_report

    rng = np.random.default_rng(0)
    offline = pd.DataFrame(
        {
            "user": np.arange(n),
            "hour": rng.integers(0, 24, n),
            "amount": rng.normal(size=n),
            "country": rng.choice(["fr", "de"], n),
        }
    )
    online = offline.assign(
        hour=(offline["hour"] + 1) % 24,
        amount=offline["amount"] + (rng.random(n) < 0.1),
    )
    return skew_report(offline, online, key="user")


@example("DesignComparison")
def _design_comparison() -> Result:
    from mlkit.design import DesignLog

    with tempfile.TemporaryDirectory() as runs:
        one = DesignLog("demo", run_dir=runs, iteration=1)
        two = DesignLog("demo", run_dir=runs, iteration=2)
        for log, strategy, score in ((one, "random", 0.91), (two, "time", 0.84)):
            log.record(
                "split.strategy",
                stage="training_data",
                question="How do we split?",
                choice=strategy,
                evidence={"pr_auc": score},
            )
        return DesignLog.compare(one, two)


@example("Baselines")
def _baselines() -> Result:
    from mlkit.evaluation import baselines

    X, y = binary_data(400)
    model = logistic(X[:300], y[:300])
    return baselines(
        X[:300],
        y[:300],
        X[300:],
        y[300:],
        task="binary",
        metrics=["pr_auc"],
        models={"logistic": model},
        costs={"cost_fp": 1, "cost_fn": 5},
        random_state=0,
    )


@example("BehaviourTest", large=True)
def _behaviour(n: int = 300) -> Result:
    from mlkit.evaluation import directional_test

    X, y = binary_data(n)
    model = logistic(X, y)
    # Fails on purpose, so that the chart has failing rows to show.
    return directional_test(model, X, column="a", change=0.5, expect="decrease")


@example("SliceMetrics", large=True)
def _slice_metrics(n: int = 1_000) -> Result:
    from mlkit.evaluation import slice_metrics

    y, pred = noisy_predictions(n)
    region = np.random.default_rng(1).choice(["north", "south", "east"], n)
    return slice_metrics(
        y,
        pred,
        slices=pd.DataFrame({"region": region}),
        n_bootstrap=20,
        random_state=0,
    )


@example("WeakSlices", large=True)
def _weak_slices(n: int = 3_000) -> Result:
    from mlkit.evaluation import find_weak_slices

    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "device": rng.choice(["ios", "android", "web"], n),
            "plan": rng.choice(["free", "pro"], n),
            "age": rng.integers(18, 80, n),
        }
    )
    bad = (df["device"] == "web") & (df["plan"] == "free")
    y = rng.integers(0, 2, n)
    wrong = rng.random(n) < np.where(bad, 0.3, 0.1)
    return find_weak_slices(df, y, np.where(wrong, 1 - y, y))


@example("ThresholdChoice", large=True)
def _threshold(n: int = 500) -> Result:
    from mlkit.evaluation import cost_threshold

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    score = 0.3 * y + 0.7 * rng.uniform(size=n)
    return cost_threshold(y, score, cost_fp=1, cost_fn=5)


@example("ThresholdReport", large=True)
def _threshold_report(n: int = 500) -> Result:
    from mlkit.evaluation import threshold_report

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    score = 0.3 * y + 0.7 * rng.uniform(size=n)
    sex = pd.Series(rng.choice(["f", "m"], n), name="sex")
    return threshold_report(
        y, score, threshold=0.5, cost_fp=1, cost_fn=5, sensitive_features=sex
    )


@example("ABTest", large=True)
def _ab_test(n: int = 500) -> Result:
    from mlkit.experiments import ab_test

    rng = np.random.default_rng(0)
    return ab_test(rng.normal(10, 3, n), rng.normal(10.5, 3, n), kind="mean")


# Large: the default 10,000 rounds, along which the chart draws the regret; 50,000
# would take seconds.
@example("BanditSimulation", large=10_000)
def _bandits(n: int = 300) -> Result:
    from mlkit.experiments import simulate_bandits

    return simulate_bandits((0.2, 0.5), n_rounds=n, n_runs=3)


@example("FeedbackLoop")
def _feedback() -> Result:
    from mlkit.experiments import feedback_loop_simulation

    return feedback_loop_simulation(n_items=60, n_users=100, rounds=4)


@example("InterleavingSimulation")
def _interleaving() -> Result:
    from mlkit.experiments import interleaving_simulation

    return interleaving_simulation(n_items=30, users=(50, 200), n_runs=20)


@example("PeekingSimulation")
def _peeking() -> Result:
    from mlkit.experiments import peeking_simulation

    return peeking_simulation(n_per_arm=500, looks=(1, 5), n_experiments=100)


def drifting_periods(periods: int = 4, per_period: int = 100):
    rng = np.random.default_rng(0)
    period = np.repeat(np.arange(periods), per_period)
    X = pd.DataFrame(rng.normal(size=(periods * per_period, 2)), columns=["a", "b"])
    angle = np.where(period >= 2, np.pi / 3, 0.0)  # the concept moves in period 2
    y = (X["a"] * np.cos(angle) + X["b"] * np.sin(angle) > 0).astype(int)
    return X, y, period


@example("ChampionChallenger")
def _champion_challenger() -> Result:
    from sklearn.linear_model import LogisticRegression

    from mlkit.experiments import champion_challenger

    X, y, period = drifting_periods()
    return champion_challenger(
        X,
        y,
        period,
        make_model=LogisticRegression,
        task="binary",
        train_window=1,
        n_bootstrap=50,
    )


@example("RetrainingSimulation")
def _retraining() -> Result:
    from sklearn.linear_model import Ridge

    from mlkit.experiments import simulate_retraining

    rng = np.random.default_rng(0)
    week = np.repeat(np.arange(5), 60)
    X = rng.normal(size=(300, 3))
    y = X @ [1.0, 2.0, 0.0] + week * X[:, 2] + rng.normal(size=300)
    return simulate_retraining(
        X, y, week, make_model=Ridge, task="regression", cadences=(1, None), window=2
    )


@example("CanaryRollout")
def _canary() -> Result:
    from mlkit.experiments import canary_simulation

    return canary_simulation(
        control_rate=0.01, canary_rate=0.02, requests_per_step=2_000
    )


@example("ShadowTest", large=True)
def _shadow(n: int = 200) -> Result:
    from mlkit.experiments import shadow_test

    rng = np.random.default_rng(0)
    y, champion = noisy_predictions(n)
    challenger = np.where(rng.random(n) < 0.85, y, 1 - y)
    labels = np.where(rng.random(n) < 0.3, np.nan, y)
    latency = (rng.gamma(2, 5, n), rng.gamma(2, 6, n))
    return shadow_test(champion, challenger, y_true=labels, latency_ms=latency)


@example("GroupMetrics", large=True)
def _group_metrics(n: int = 2_000) -> Result:
    from mlkit.fairness import group_metrics

    rng = np.random.default_rng(0)
    sex = pd.Series(rng.choice(["f", "m"], n), name="sex")
    y = rng.integers(0, 2, n)
    wrong = rng.random(n) < np.where(sex == "f", 0.3, 0.1)
    pred = np.where(wrong, 1 - y, y)
    prob = np.clip(0.6 * pred + rng.uniform(0, 0.4, n), 0, 1)
    return group_metrics(y, pred, sensitive_features=sex, y_prob=prob)


@example("MitigationComparison")
def _mitigation() -> Result:
    from sklearn.linear_model import LogisticRegression

    from mlkit.fairness import compare_mitigations

    rng = np.random.default_rng(0)
    n = 800
    group = pd.Series(rng.choice(["a", "b"], n), name="group")
    X = pd.DataFrame({"x": rng.normal(size=n) + (group == "a") * 0.8})
    y = (X["x"] + rng.normal(size=n) > 0.5).astype(int)
    return compare_mitigations(
        LogisticRegression(),
        X[:600],
        y[:600],
        X[600:],
        y[600:],
        sensitive_train=group[:600],
        sensitive_test=group[600:],
        methods=("none", "reweighing", "threshold_optimizer"),
        random_state=0,
    )


def permutation_importance() -> Any:
    from sklearn.linear_model import Ridge

    from mlkit.features import feature_importance

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    y = 2 * X["a"] + 0.1 * rng.normal(size=200)
    model = Ridge().fit(X, y)
    return feature_importance(
        model, X, y, method="permutation", n_repeats=2, random_state=0
    )


@example("FeatureImportance")
def _importance() -> Result:
    return permutation_importance()


@example("FeatureLeaks")
def _feature_leaks() -> Result:
    from mlkit.features import feature_leaks

    return feature_leaks(permutation_importance())


@example("Generalisation", large=True)
def _generalisation(n: int = 300) -> Result:
    from mlkit.features import generalisation

    rng = np.random.default_rng(0)
    train = pd.DataFrame(
        {"temp": rng.normal(10, 5, n), "city": rng.choice(["a", "b"], n)}
    )
    test = pd.DataFrame(
        {"temp": rng.normal(15, 5, n), "city": rng.choice(["a", "c"], n)}
    )
    return generalisation(train, test)


@example("MissingValues", large=True)
def _missing(n: int = 1_000) -> Result:
    from mlkit.features import missing_values

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"income": rng.lognormal(10, 1, n), "churn": rng.random(n) < 0.2})
    df.loc[df["churn"] & (rng.random(n) < 0.5), "income"] = np.nan
    return missing_values(df, target="churn")


@example("ActiveLearningCurves")
def _active_learning() -> Result:
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from mlkit.labeling import simulate_active_learning

    X, y = make_classification(300, n_features=4, random_state=1)
    return simulate_active_learning(
        LogisticRegression(),
        X[:200],
        y[:200],
        X[200:],
        y[200:],
        budget=30,
        initial=10,
        batch_size=10,
        strategies=["margin", "random"],
        repeats=1,
        random_state=0,
    )


def annotations(n: int) -> pd.DataFrame:
    from mlkit.labeling import simulate_annotators

    truth = np.random.default_rng(0).choice(["neg", "neu", "pos"], n)
    return simulate_annotators(truth, n_annotators=3, coverage=0.8, random_state=0)


@example("Agreement", large=True)
def _agreement(n: int = 200) -> Result:
    from mlkit.labeling import agreement

    return agreement(annotations(n))


@example("Resolution", large=True)
def _resolution(n: int = 200) -> Result:
    from mlkit.labeling import resolve

    return resolve(annotations(n), method="weighted", random_state=0)


@example("LabelErrors", large=True)
def _label_errors(n: int = 400) -> Result:
    from mlkit.labeling import find_label_errors

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    p1 = np.clip(np.where(y == 1, 0.8, 0.2) + rng.normal(0, 0.1, n), 0.01, 0.99)
    given = np.where(np.arange(n) < n // 20, 1 - y, y)  # 5 % planted errors
    return find_label_errors(given, np.column_stack([1 - p1, p1]))


@example("LFSummary", large=True)
def _lf_summary(n: int = 500) -> Result:
    from mlkit.labeling import lf_summary

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    votes = [np.where(rng.random(n) < 0.8, y, 1 - y) for _ in range(3)]
    L = np.column_stack(
        [
            np.where(rng.random(n) < cover, v, -1)
            for v, cover in zip(votes, (0.6, 0.3, 0.1), strict=True)
        ]
    )
    return lf_summary(L, y=y)


@example("LearningCurve")
def _learning_curve() -> Result:
    from sklearn.linear_model import Ridge

    from mlkit.models import learning_curve

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    y = X @ rng.normal(size=5) + rng.normal(size=300)
    return learning_curve(
        Ridge(),
        X[:200],
        y[:200],
        X[200:],
        y[200:],
        metric="mae",
        sizes=(0.2, 1.0),
        random_state=0,
    )


@example("DriftOverTime", large=True)
def _drift_over_time(n: int = 600) -> Result:
    from mlkit.monitoring import drift_over_time

    rng = np.random.default_rng(0)
    time = pd.date_range("2024-01-01", periods=n, freq="h")
    x = rng.normal(size=n) + np.where(time >= time[n // 2], 1.0, 0.0)
    window = "7D" if n < 5_000 else "90D"
    return drift_over_time(
        pd.DataFrame({"time": time, "x": x}), time_column="time", window=window
    )


def drift_frames(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(1)
    reference = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n),
            "plan": rng.choice(["free", "pro"], n, p=[0.8, 0.2]),
        }
    )
    current = pd.DataFrame(
        {
            "age": rng.normal(42, 10, n),
            "plan": rng.choice(["free", "pro"], n, p=[0.6, 0.4]),
        }
    )
    return reference, current


@example("ColumnDrift", large=True)
def _column_drift(n: int = 1_000) -> Result:
    from mlkit.monitoring import column_drift

    return column_drift(*drift_frames(n), "age")


@example("DriftReport", large=True)
def _drift_report(n: int = 1_000) -> Result:
    from mlkit.monitoring import drift_report

    return drift_report(*drift_frames(n))


@example("LabelShift", large=True)
def _label_shift(n: int = 600) -> Result:
    from mlkit.monitoring import label_shift

    rng = np.random.default_rng(0)
    y = rng.choice(["a", "b"], n)
    target = rng.choice(["a", "b"], n, p=[0.3, 0.7])
    proba = np.eye(2)[np.searchsorted(["a", "b"], y)] * 0.8 + 0.1
    proba_target = np.eye(2)[np.searchsorted(["a", "b"], target)] * 0.8 + 0.1
    return label_shift(y, proba, proba_target, n_bootstrap=20)


@example("MultivariateDrift")
def _multivariate() -> Result:
    from mlkit.monitoring import multivariate_drift

    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"x": rng.normal(size=300), "y": rng.normal(size=300)})
    current = pd.DataFrame({"x": rng.normal(0.3, size=300), "y": rng.normal(size=300)})
    return multivariate_drift(reference, current, method="mmd", n_permutations=50)


@example("PerformanceEstimate", large=True)
def _performance(n: int = 1_000) -> Result:
    from mlkit.monitoring import estimate_performance

    rng = np.random.default_rng(0)
    p = 1 / (1 + np.exp(-2 * rng.normal(size=n)))
    y = (rng.random(n) < p).astype(float)
    return estimate_performance(
        p,
        windows=np.repeat([1, 2], n // 2),
        y_true=y,
        metrics=["accuracy", "roc_auc"],
        n_bootstrap=20,
    )


@example("PredictionDrift", large=True)
def _prediction_drift(n: int = 1_000) -> Result:
    from mlkit.monitoring import prediction_drift

    rng = np.random.default_rng(0)
    return prediction_drift(rng.beta(2, 5, n), rng.beta(2.6, 5, n), threshold=0.5)


@example("DriftSensitivity")
def _sensitivity() -> Result:
    from mlkit.monitoring import drift_sensitivity

    return drift_sensitivity(
        sample_sizes=(100, 1_000), n_columns=(1, 5), tests=("ks",), n_repeats=5
    )


@example("ProductionStream", large=True)
def _stream(n: int = 1_000) -> Result:
    from mlkit.monitoring import production_stream

    rng = np.random.default_rng(1)
    df = pd.DataFrame({"amount": rng.lognormal(3, 1, n), "fraud": rng.random(n) < 0.1})
    return production_stream(df, target="fraud", windows=4, inject="label")


@example("ImbalanceComparison")
def _imbalance() -> Result:
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from mlkit.sampling import compare_imbalance

    X, y = make_classification(600, weights=[0.9], random_state=0)
    return compare_imbalance(
        LogisticRegression(),
        X[:300],
        y[:300],
        X[300:],
        y[300:],
        cost_fp=1,
        cost_fn=20,
        treatments=["none", "oversample", "cost_threshold"],
        random_state=0,
    )


@example("ImportanceWeights", large=True)
def _importance_weights(n: int = 500) -> Result:
    from sklearn.linear_model import LogisticRegression

    from mlkit.sampling import importance_weights

    rng = np.random.default_rng(0)
    return importance_weights(
        pd.DataFrame({"x": rng.normal(0, 1, n)}),
        pd.DataFrame({"x": rng.normal(1, 1, n)}),
        classifier=LogisticRegression(),
        random_state=0,
    )


@example("LeakageReport", large=True)
def _leakage(n: int = 200) -> Result:
    from mlkit.splitting import leakage_report

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=n), "y": rng.integers(0, 2, n)})
    df["y_copy"] = df["y"]  # the label under another name
    cut = n * 3 // 4
    return leakage_report(df.iloc[:cut], df.iloc[cut:], target="y")


@example("Split", large=True)
def _split(n: int = 500) -> Result:
    from mlkit.splitting import split

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=n), "y": rng.integers(0, 2, n)})
    return split(df, target="y", validation_size=0.2, random_state=0)


# --------------------------------------------------------------------------- discovery


def _public_modules() -> list[str]:
    return [f"mlkit.{name}" for name in mlkit._SUBMODULES]


def result_types() -> dict[str, type]:
    """Every concrete Result subclass defined in mlkit's public modules."""
    modules = _public_modules()
    for module in modules:
        importlib.import_module(module)

    def walk(cls: type):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    # Only classes of the public modules (and their private parts) count, so that
    # a subclass defined in some test module cannot change the outcome.
    found: dict[str, type] = {}
    for cls in walk(Result):
        home = cls.__module__
        if any(home == m or home.startswith(m + ".") for m in modules):
            assert found.get(cls.__name__, cls) is cls, (
                f"two result types named {cls.__name__}"
            )
            found[cls.__name__] = cls
    return found


def test_every_result_type_has_an_example():
    missing = sorted(set(result_types()) - set(EXAMPLES))
    assert not missing, (
        f"Result types without an example in tests/test_one_look.py: {missing}. "
        "Add a small seeded factory with @example(...) for each."
    )


def test_every_example_is_a_result_type():
    assert not sorted(set(EXAMPLES) - set(result_types()))


@functools.cache
def built(name: str, large: bool = False) -> tuple[Result, Any, dict[str, Any]]:
    factory, size = EXAMPLES[name]
    result = factory(size) if large else factory()
    assert type(result).__name__ == name
    chart = result.chart()
    return result, chart, chart.to_dict()


NAMES = sorted(EXAMPLES)
LARGE_NAMES = sorted(name for name, (_, large) in EXAMPLES.items() if large)


# --------------------------------------------------------------------------- style


def _walk(node: Any):
    """Every dict in a spec, depth first, except how scales are resolved."""
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key != "resolve":  # {"scale": {"color": "independent"}} names no colour
                yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _is_colour_key(key: str) -> bool:
    return key in {"color", "fill", "stroke", "background"} or key.endswith("Color")


def _colours(value: Any) -> list[str]:
    """Colours given under a colour key: a string, a value, a condition, a range."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [c for item in value for c in _colours(item)]
    if not isinstance(value, dict):
        return []
    found = _colours(value.get("value")) if "value" in value else []
    found += _colours(value.get("condition", []))
    scale = value.get("scale")
    if isinstance(scale, dict):
        found += [c for c in scale.get("range", []) if isinstance(c, str)]
    return found


def colour_problems(spec: dict[str, Any]) -> list[str]:
    problems = []
    for node in _walk(spec):
        for key, value in node.items():
            if not _is_colour_key(key):
                continue
            for colour in _colours(value):
                if colour.upper() not in ALLOWED_COLOURS:
                    problems.append(f"{key}: {colour}")
            if isinstance(value, dict) and "field" in value:
                scale = value.get("scale", {})
                if isinstance(scale, dict) and "scheme" in scale:
                    problems.append(f"{key}: scheme {scale['scheme']!r}")
                elif isinstance(scale, dict) and "range" not in scale:
                    # Vega's default categorical scheme is not colour-blind safe.
                    problems.append(f"{key}: field {value['field']!r} without a range")
    return problems


def _title_text(title: Any) -> str:
    if isinstance(title, dict):
        title = title.get("text", "")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return str(title or "")


def title_problems(spec: dict[str, Any]) -> list[str]:
    return [] if _title_text(spec.get("title")).strip() else ["no title"]


def _says_what_it_shows(channel: dict[str, Any], panel: bool) -> bool:
    """Whether an x or y channel has an axis title, or needs none."""
    axis = channel.get("axis", {})
    if axis is None:
        return True  # no axis drawn
    for where in (channel, axis if isinstance(axis, dict) else {}):
        if "title" in where:
            title = where["title"]
            if title is None:
                # Left out on purpose. Allowed where the labels name the items
                # (features, models, groups: the chart's title says what they are),
                # and in a panel of small multiples whose own title names the
                # quantity, as a facet's header would.
                return panel or channel.get("type") in {"nominal", "ordinal"}
            return bool(_title_text(title).strip())
    # Vega-Lite would title the axis with the column's name, such as "exposure_gini".
    return False


def _units(node: dict[str, Any], inherited: dict[str, Any]):
    """(encoding, mark) of every unit under a layer, with shared encodings applied."""
    encoding = {**inherited, **node.get("encoding", {})}
    if "layer" in node:
        for layer in node["layer"]:
            yield from _units(layer, encoding)
    else:
        yield encoding, node.get("mark")


def axis_problems(spec: dict[str, Any]) -> list[str]:
    problems = []

    def view(node: dict[str, Any], path: str) -> None:
        for key in ("hconcat", "vconcat", "concat"):
            for i, child in enumerate(node.get(key, [])):
                view(child, f"{path}/{key}[{i}]")
        if "spec" in node:
            view(node["spec"], f"{path}/spec")
        if "layer" not in node and "mark" not in node:
            return
        units = list(_units(node, {}))
        panel = bool(path) and bool(_title_text(node.get("title")).strip())
        for channel in ("x", "y"):
            states = [
                _says_what_it_shows(enc[channel], panel)
                for enc, _ in units
                if isinstance(enc.get(channel), dict) and "field" in enc[channel]
            ]
            # Layers share an axis: one explicit title is the axis's title.
            if states and not any(states):
                fields = sorted(
                    {
                        enc[channel]["field"]
                        for enc, _ in units
                        if isinstance(enc.get(channel), dict)
                        and "field" in enc[channel]
                    }
                )
                problems.append(f"{path or '/'}: {channel} ({', '.join(fields)})")

    view(spec, "")
    return problems


def font_problems(spec: dict[str, Any]) -> list[str]:
    problems = []
    for node in _walk(spec):
        sizes = {k: v for k, v in node.items() if k.lower().endswith("fontsize")}
        if node.get("type") == "text" and "size" in node:
            sizes["size"] = node["size"]  # a text mark's size is its font size
        problems += [
            f"{key}: {value}"
            for key, value in sizes.items()
            if isinstance(value, int | float) and value < MIN_FONT_SIZE
        ]
    return problems


def style_problems(spec: dict[str, Any]) -> list[str]:
    return [
        *colour_problems(spec),
        *title_problems(spec),
        *[f"axis without a title at {p}" for p in axis_problems(spec)],
        *[f"font too small, {p}" for p in font_problems(spec)],
    ]


def data_rows(spec: dict[str, Any]) -> int:
    """Rows of data in a spec: its named datasets and any inline values."""
    rows = sum(len(values) for values in spec.get("datasets", {}).values())
    for node in _walk(spec):
        data = node.get("data")
        if isinstance(data, dict) and isinstance(data.get("values"), list):
            rows += len(data["values"])
    return rows


# --------------------------------------------------------------------------- checks


@pytest.mark.parametrize("name", NAMES)
def test_table(name):
    result, _, _ = built(name)
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) >= 1
    assert all(isinstance(c, str) for c in frame.columns), list(frame.columns)


@pytest.mark.parametrize("name", NAMES)
def test_chart_is_a_valid_altair_chart(name):
    _, chart, spec = built(name)
    assert isinstance(chart, alt.TopLevelMixin)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    # Validated against the whole Vega-Lite schema, whatever the kind of chart.
    VegaLiteRoot.validate(spec)


@pytest.mark.parametrize("name", NAMES)
def test_display_shows_table_and_chart_offline(name):
    result, _, _ = built(name)
    page = result._repr_html_()
    assert "<table" in page
    assert "mlkit-chart" in page
    assert escape(result.title) in page
    assert escape(result.explain()) in page
    assert "cdn.jsdelivr" not in page
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*['\"]?(https?:)?//", page)


@pytest.mark.parametrize("name", NAMES)
def test_chart_style(name):
    _, _, spec = built(name)
    assert style_problems(spec) == []


@pytest.mark.parametrize("name", NAMES)
def test_chart_data_is_small(name):
    _, _, spec = built(name)
    assert data_rows(spec) <= MAX_CHART_ROWS


@pytest.mark.parametrize("name", LARGE_NAMES)
def test_chart_data_is_aggregated_for_large_input(name):
    result, _, spec = built(name, large=True)
    assert data_rows(spec) <= MAX_CHART_ROWS
    assert style_problems(spec) == []
    assert len(result.to_frame()) >= 1


# --------------------------------------------------------------------------- the checks' own test


def test_style_checks_catch_what_they_should():
    frame = pd.DataFrame({"x": [1, 2], "y": [3, 4], "g": ["a", "b"]})
    bare = (
        alt.Chart(frame).mark_point(color="red").encode(x="x:Q", y="y:Q", color="g:N")
    )
    problems = style_problems(bare.to_dict())
    assert "color: red" in problems
    assert "color: field 'g' without a range" in problems
    assert "no title" in problems
    assert any(p.startswith("axis without a title at /: x") for p in problems)
    tiny = (
        alt.Chart(frame)
        .mark_text(fontSize=8)
        .encode(x=alt.X("x:Q", title="x"), y=alt.Y("y:Q", axis=None), text="g:N")
        .properties(title="t")
    )
    assert style_problems(tiny.to_dict()) == ["font too small, fontSize: 8"]
    assert (
        data_rows(alt.Chart(pd.DataFrame({"x": range(7)})).mark_tick().to_dict()) == 7
    )


# --------------------------------------------------------------------------- chart functions

#: Functions of mlkit.charts that return something other than a chart.
NOT_CHARTS = {"enable_offline", "is_offline", "to_html"}


def _chart_examples(n: int) -> dict[str, Callable[[], Any]]:
    """A call of each chart function of mlkit.charts on data of about n rows."""
    from mlkit.design import stages_frame

    rng = np.random.default_rng(0)
    per_item = pd.DataFrame(
        {
            "feature": ["a", "b", "c"],
            "importance": [0.3, 0.2, 0.1],
            "std": [0.05, 0.02, 0.01],
            "flag": [True, False, False],
        }
    )
    curve = pd.DataFrame(
        {
            "labels": np.tile([10, 20, 30], 2),
            "mean": [0.6, 0.7, 0.75, 0.6, 0.65, 0.7],
            "min": [0.5, 0.65, 0.7, 0.55, 0.6, 0.66],
            "max": [0.7, 0.75, 0.8, 0.65, 0.7, 0.74],
            "strategy": np.repeat(["margin", "random"], 3),
        }
    )
    return {
        "band_chart": lambda: charts.band_chart(
            curve,
            x="labels",
            y="mean",
            low="min",
            high="max",
            color="strategy",
            reference=0.8,
            title="Learning curves",
        ),
        "before_after_chart": lambda: charts.before_after_chart(
            pd.DataFrame({"before": [0.2, 0.7, 0.4], "after": [0.2, 0.4, 0.5]}).assign(
                failed=[False, True, False]
            ),
            x="before",
            y="after",
            flag="failed",
            title="Before and after",
        ),
        "comparison_chart": lambda: charts.comparison_chart(
            pd.DataFrame(
                {
                    "key": ["split.strategy", "model"],
                    "choice_a": ["random", "logistic"],
                    "choice_b": ["time", "logistic"],
                    "status": ["changed", "same"],
                }
            ),
            pd.DataFrame(
                {
                    "key": ["split.strategy"],
                    "measure": ["pr_auc"],
                    "value_a": [0.91],
                    "value_b": [0.84],
                    "difference": [-0.07],
                }
            ),
            a="iteration 1",
            b="iteration 2",
        ),
        # Numbers, dates and categories, split by a group: all binned or counted.
        "distribution": lambda: charts.distribution(
            pd.Series(rng.lognormal(3, 1, n), name="amount"),
            by=pd.Series(rng.choice(["train", "test"], n), name="part"),
        ),
        "distribution of dates": lambda: charts.distribution(
            pd.Series(
                pd.Timestamp("2024-01-01")
                + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
                name="day",
            )
        ),
        "distribution of categories": lambda: charts.distribution(
            pd.Series(rng.integers(0, n // 10 + 2, n).astype(str), name="city")
        ),
        "heatmap": lambda: charts.heatmap(
            pd.DataFrame({"a": ["x", "y"], "b": ["y", "x"], "kappa": [0.4, np.nan]}),
            x="a",
            y="b",
            value="kappa",
            title="Kappa",
        ),
        "importance_chart": lambda: charts.importance_chart(
            per_item, error="std", highlight="flag", title="Importance"
        ),
        "interval_chart": lambda: charts.interval_chart(
            pd.DataFrame(
                {
                    "slice": ["a", "b"],
                    "accuracy": [0.9, 0.7],
                    "low": [0.85, 0.6],
                    "high": [0.94, 0.8],
                }
            ),
            x="accuracy",
            y="slice",
            low="low",
            high="high",
            reference=0.85,
            title="Accuracy",
        ),
        "lf_summary_chart": lambda: charts.lf_summary_chart(
            pd.DataFrame(
                {
                    "name": ["a", "b"],
                    "coverage": [0.4, 0.1],
                    "overlaps": [0.2, 0.1],
                    "conflicts": [0.1, 0.0],
                    "empirical_accuracy": [0.9, 0.55],
                }
            ),
            chance=0.5,
        ),
        "line_chart": lambda: charts.line_chart(
            curve, x="labels", y="mean", color="strategy", title="A line per strategy"
        ),
        "marked_curve": lambda: charts.marked_curve(
            pd.DataFrame({"threshold": [0.1, 0.5, 0.9], "cost": [2.0, 1.0, 3.0]}),
            x="threshold",
            y="cost",
            marks={"best": 0.5},
            title="Cost",
        ),
        "message_chart": lambda: charts.message_chart(
            "Nothing to draw.", title="An empty result"
        ),
        "metric_panels": lambda: charts.metric_panels(
            pd.DataFrame(
                {"model": ["a", "b"], "cost": [2.0, 1.0], "recall": [0.5, 0.7]}
            ),
            label="model",
            metrics={"cost": "Cost", "recall": "Recall"},
            lower_is_better=["cost"],
            title="Two models",
        ),
        "process_map": lambda: charts.process_map(
            stages_frame(applies=["start", "scoping"], decisions={"scoping": 2})
        ),
        "reliability_chart": lambda: charts.reliability_chart(
            pd.DataFrame(
                {
                    "lower": [0.0, 0.5, 0.0, 0.5],
                    "upper": [0.5, 1.0, 0.5, 1.0],
                    "count": [60, 40, 55, 45],
                    "mean_predicted": [0.2, 0.8, 0.25, 0.75],
                    "observed_frequency": [0.3, 0.6, 0.25, 0.7],
                    "model": ["before", "before", "after", "after"],
                }
            ),
            color="model",
            title="Reliability",
        ),
        "waterfall_chart": lambda: charts.waterfall_chart(
            pd.DataFrame(
                {"feature": ["age = 50", "city = a"], "contribution": [0.4, -0.1]}
            ),
            base=0.2,
            title="One prediction",
        ),
    }


def test_every_chart_function_has_an_example():
    functions = set(charts.__all__) - NOT_CHARTS - {"PALETTE"}
    assert functions <= set(_chart_examples(10))


@pytest.mark.parametrize("name", sorted(_chart_examples(10)))
def test_chart_function_style(name):
    chart = _chart_examples(1_000)[name]()
    assert isinstance(chart, alt.TopLevelMixin)
    spec = chart.to_dict()
    VegaLiteRoot.validate(spec)
    assert style_problems(spec) == []
    assert data_rows(spec) <= 100


@pytest.mark.parametrize(
    "name", [n for n in _chart_examples(10) if "distribution" in n]
)
def test_distributions_are_aggregated_for_large_input(name):
    spec = _chart_examples(LARGE)[name]().to_dict()
    assert data_rows(spec) <= MAX_CHART_ROWS
    assert style_problems(spec) == []
