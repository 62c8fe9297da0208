"""Tests of mlkit.monitoring: prediction_drift and estimate_performance (CBPE)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)
from statsmodels.stats.proportion import proportions_ztest

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.monitoring import (
    PERFORMANCE_COLUMNS,
    PERFORMANCE_METRICS,
    PREDICTION_COLUMNS,
    PerformanceEstimate,
    PredictionDrift,
    drift_report,
    estimate_performance,
    prediction_drift,
    production_stream,
)
from mlkit.monitoring._performance import expected_roc_auc

SEEDS = (0, 1, 2)

# --------------------------------------------------------------------------- drift


@pytest.mark.parametrize("kind", ["array", "list", "series"])
def test_prediction_drift_equals_scipy_and_statsmodels(kind):
    rng = np.random.default_rng(0)
    ref, cur = rng.beta(2, 5, 1500), rng.beta(2.4, 5, 1200)
    wrap = {"array": np.asarray, "list": list, "series": pd.Series}[kind]
    result = prediction_drift(wrap(ref), wrap(cur), threshold=0.4)
    assert isinstance(result, PredictionDrift)
    expected = ks_2samp(ref, cur)
    assert result.ks_statistic == pytest.approx(expected.statistic, abs=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, abs=1e-12)
    report = drift_report(pd.DataFrame({"s": ref}), pd.DataFrame({"s": cur}))
    assert result.psi == pytest.approx(report.table.loc[0, "psi"], abs=1e-12)
    counts = [int((cur >= 0.4).sum()), int((ref >= 0.4).sum())]
    _, p = proportions_ztest(counts, [len(cur), len(ref)])
    assert result.share_p_value == pytest.approx(p, rel=1e-10)
    table = result.table.set_index("measure")
    assert list(result.table.columns) == list(PREDICTION_COLUMNS)
    assert table.loc["mean", "reference"] == pytest.approx(ref.mean())
    assert table.loc["q25", "current"] == pytest.approx(np.quantile(cur, 0.25))
    assert table.loc["share >= 0.4", "change"] == pytest.approx(
        counts[0] / len(cur) - counts[1] / len(ref)
    )
    assert result.drifted


def test_prediction_drift_without_a_shift_or_threshold():
    rng = np.random.default_rng(1)
    scores = rng.normal(10, 2, 800)  # regression predictions
    result = prediction_drift(scores, scores[::-1].copy())
    assert result.ks_statistic == 0
    assert result.p_value == 1
    assert not result.drifted
    assert np.isnan(result.share_p_value)
    assert "share >= " not in " ".join(result.table["measure"])
    assert result.histogram["start"].min() == pytest.approx(scores.min())


def test_prediction_drift_display_and_errors():
    rng = np.random.default_rng(2)
    result = prediction_drift(rng.random(500), rng.random(400) ** 2, threshold=0.5)
    spec = result.chart().to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "rule", "text"]
    text = result.explain()
    assert text.startswith("The model's scores moved")
    assert "concept shift" in text
    assert "Chapter 8" in text
    assert "<table" in result._repr_html_()
    with pytest.raises(MlkitValueError, match="'current' has no values"):
        prediction_drift([0.1, 0.2], [])
    with pytest.raises(
        MlkitValueError, match=r"(?s)'reference' must hold finite numbers.*Hint"
    ):
        prediction_drift([0.1, np.nan], [0.2])
    with pytest.raises(MlkitTypeError, match="'current' must hold numbers"):
        prediction_drift([0.1, 0.2], ["a", "b"])
    with pytest.raises(MlkitValueError, match="'reference' must be one-dimensional"):
        prediction_drift(np.ones((3, 2)), [0.2])
    with pytest.raises(MlkitTypeError, match="'threshold' must be a number"):
        prediction_drift([0.1], [0.2], threshold="high")
    with pytest.raises(MlkitValueError, match="'alpha' must be"):
        prediction_drift([0.1], [0.2], alpha=0)


# --------------------------------------------------------------------------- CBPE


def test_expected_counts_and_roc_auc_equal_direct_formulas():
    rng = np.random.default_rng(3)
    p = np.round(rng.beta(1, 2, 400), 2)  # ties on purpose
    result = estimate_performance(p, threshold=0.3, n_bootstrap=0)
    table = result.table.set_index("metric")["estimated"]
    pred = p >= 0.3
    tp, fp = p[pred].sum(), (1 - p[pred]).sum()
    fn, tn = p[~pred].sum(), (1 - p[~pred]).sum()
    assert table["accuracy"] == pytest.approx((tp + tn) / len(p))
    assert table["precision"] == pytest.approx(tp / (tp + fp))
    assert table["recall"] == pytest.approx(tp / (tp + fn))
    assert table["f1"] == pytest.approx(2 * tp / (2 * tp + fp + fn))
    # Each row once as a positive (weight p) and once as a negative (weight 1 - p).
    doubled = roc_auc_score(
        np.r_[np.ones(400), np.zeros(400)], np.r_[p, p], sample_weight=np.r_[p, 1 - p]
    )
    assert table["roc_auc"] == pytest.approx(doubled, abs=1e-12)
    assert expected_roc_auc(p) == pytest.approx(doubled, abs=1e-12)
    assert result.table["low"].isna().all()


def test_estimates_are_the_mean_of_labels_drawn_from_the_probabilities():
    rng = np.random.default_rng(4)
    p = rng.beta(2, 3, 300)
    result = estimate_performance(p, n_bootstrap=0).table.set_index("metric")
    pred = p >= 0.5
    draws = rng.random((20_000, 300)) < p
    accuracy = (draws == pred).mean(axis=1)
    precision = draws[:, pred].mean(axis=1)
    assert result.loc["accuracy", "estimated"] == pytest.approx(
        accuracy.mean(), abs=2e-3
    )
    assert result.loc["precision", "estimated"] == pytest.approx(
        precision.mean(), abs=2e-3
    )


def test_realised_metrics_equal_sklearn_and_skip_missing_labels():
    rng = np.random.default_rng(5)
    p = rng.random(600)
    y = (rng.random(600) < p).astype(float)
    y[::7] = np.nan  # labels not yet arrived
    windows = np.repeat(["b", "a", "c"], 200)
    y[400:] = np.nan  # window "c": no label yet
    result = estimate_performance(p, windows=windows, y_true=y, threshold=0.4)
    table = result.table
    assert list(table.columns) == list(PERFORMANCE_COLUMNS)
    assert result.windows == ["a", "b", "c"]
    for label, rows in (("b", slice(0, 200)), ("a", slice(200, 400))):
        part = table[table["window"] == label].set_index("metric")
        known = ~np.isnan(y[rows])
        yk, pk = y[rows][known].astype(int), p[rows][known]
        pred = (pk >= 0.4).astype(int)
        assert part.loc["accuracy", "realised"] == pytest.approx(
            accuracy_score(yk, pred)
        )
        assert part.loc["precision", "realised"] == pytest.approx(
            precision_score(yk, pred)
        )
        assert part.loc["recall", "realised"] == pytest.approx(recall_score(yk, pred))
        assert part.loc["f1", "realised"] == pytest.approx(f1_score(yk, pred))
        assert part.loc["roc_auc", "realised"] == pytest.approx(roc_auc_score(yk, pk))
        assert (part["n"] == 200).all()
        assert (part["n_labelled"] == known.sum()).all()
    waiting = table[table["window"] == "c"]
    assert waiting["realised"].isna().all()
    assert (waiting["n_labelled"] == 0).all()
    assert waiting["estimated"].notna().all()


def _logistic_stream(seed: int, *, concept: bool = False, n: int = 1500):
    """Eight windows of a logistic world; from window 5, x moves near the boundary.

    The model's probabilities are the true ones before the shift; with
    ``concept`` the relation flips from window 5 while the model stays the same.
    """
    rng = np.random.default_rng(seed)
    p_all, y_all, w_all = [], [], []
    for window in range(1, 9):
        shifted = window >= 5
        x = rng.normal(0.2 if shifted and not concept else 2.0, 1.0, n)
        p = 1 / (1 + np.exp(-1.5 * x))
        truth = 1 - p if (concept and shifted) else p
        p_all.append(p)
        y_all.append((rng.random(n) < truth).astype(float))
        w_all.append(np.full(n, window))
    return np.concatenate(p_all), np.concatenate(y_all), np.concatenate(w_all)


def test_realised_values_fall_in_the_intervals_under_covariate_shift():
    inside, total = 0, 0
    for seed in SEEDS:
        p, y, windows = _logistic_stream(seed)
        result = estimate_performance(p, windows=windows, y_true=y, random_state=seed)
        t = result.table
        inside += int(
            ((t["realised"] >= t["low"]) & (t["realised"] <= t["high"])).sum()
        )
        total += len(t)
        acc = t[t["metric"] == "accuracy"].set_index("window")
        before, after = acc.loc[1:4], acc.loc[5:8]
        # The estimate follows the drop that moving rows to the boundary causes.
        drop = before["estimated"].mean() - after["estimated"].mean()
        real_drop = before["realised"].mean() - after["realised"].mean()
        assert drop > 0.1
        assert drop == pytest.approx(real_drop, abs=0.03)
        assert (np.abs(acc["estimated"] - acc["realised"]) < 0.04).all()
    assert inside / total >= 0.8


def test_cbpe_misses_a_concept_shift():
    for seed in SEEDS:
        p, y, windows = _logistic_stream(seed, concept=True)
        result = estimate_performance(
            p, windows=windows, y_true=y, metrics="accuracy", random_state=seed
        )
        acc = result.table.set_index("window")
        before, after = acc.loc[1:4], acc.loc[5:8]
        # The estimate stays where it was while the realised accuracy collapses.
        assert abs(before["estimated"].mean() - after["estimated"].mean()) < 0.02
        assert before["realised"].mean() - after["realised"].mean() > 0.5
        assert (after["realised"] < after["low"]).all()
    text = result.explain()
    assert "fails under concept shift" in text
    assert "outside the band" in text


def test_windows_from_a_production_stream_and_determinism():
    rng = np.random.default_rng(6)
    df = pd.DataFrame({"x": rng.normal(size=4000)})
    df["p"] = 1 / (1 + np.exp(-df["x"]))
    df["time"] = pd.date_range("2024-01-01", periods=4000, freq="h")
    stream = production_stream(df, time_column="time", windows=4)
    current = stream.current
    a = estimate_performance(current["p"], windows=current["window"], random_state=1)
    b = estimate_performance(current["p"], windows=current["window"], random_state=1)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.windows == stream.windows
    assert isinstance(a, PerformanceEstimate)
    single = estimate_performance(df["p"], metrics=["f1", "accuracy", "f1"])
    assert single.windows == ["all"]
    assert single.table["metric"].tolist() == ["f1", "accuracy"]


def test_undefined_metrics_are_nan():
    p = np.array([0.1, 0.2, 0.3, 0.05])  # nothing predicted positive
    result = estimate_performance(p, y_true=[0, 0, 1, 0], n_bootstrap=50)
    table = result.table.set_index("metric")
    assert np.isnan(table.loc["precision", "estimated"])
    assert np.isnan(table.loc["precision", "realised"])
    assert table.loc["accuracy", "realised"] == pytest.approx(0.75)
    one_class = estimate_performance(p, y_true=[0, 0, 0, 0]).table.set_index("metric")
    assert np.isnan(one_class.loc["roc_auc", "realised"])


def test_performance_display():
    p, y, windows = _logistic_stream(0, n=300)
    result = estimate_performance(p, windows=windows, y_true=y)
    spec = result.chart().to_dict()
    assert len(spec["concat"]) == len(PERFORMANCE_METRICS)
    first = spec["concat"][0]
    assert [layer["mark"]["type"] for layer in first["layer"]] == ["rule", "line"]
    assert first["title"]["text"] == "Accuracy"
    text = result.explain()
    assert text.startswith("Estimated performance over 8 windows")
    assert "Chapter 8" in text
    assert repr(result).startswith("<PerformanceEstimate: Estimated performance")
    assert "<table" in result._repr_html_()


def test_performance_errors():
    p = np.array([0.2, 0.7, 0.9])
    with pytest.raises(
        MlkitValueError, match=r"(?s)'proba' must be probabilities in \[0, 1\].*Hint"
    ):
        estimate_performance([0.2, 1.3])
    with pytest.raises(MlkitValueError, match="'proba' has no values"):
        estimate_performance([])
    with pytest.raises(
        MlkitValueError, match="'windows' has 2 values, but 3 are needed"
    ):
        estimate_performance(p, windows=[1, 2])
    with pytest.raises(
        MlkitValueError, match="'y_true' has 2 values, but 3 are needed"
    ):
        estimate_performance(p, y_true=[1, 0])
    with pytest.raises(MlkitValueError, match="'y_true' must hold 0 and 1"):
        estimate_performance(p, y_true=[0, 1, 2])
    with pytest.raises(MlkitValueError, match="'y_true' must hold 0 and 1"):
        estimate_performance(p, y_true=["no", "yes", "no"])
    with pytest.raises(MlkitValueError, match="'metrics' must name some of"):
        estimate_performance(p, metrics=["auc"])
    with pytest.raises(MlkitValueError, match="'threshold' must be a number in"):
        estimate_performance(p, threshold=1.5)
    with pytest.raises(MlkitValueError, match="'windows' has 1 missing"):
        estimate_performance(p, windows=[1, None, 2])
    with pytest.raises(MlkitValueError, match="'n_bootstrap' must be an integer"):
        estimate_performance(p, n_bootstrap=-5)
    # Booleans and NaN are accepted as labels.
    ok = estimate_performance(p, y_true=[True, False, True])
    assert ok.table["n_labelled"].iloc[0] == 3
